// The webview's view state: where the person is and how each view is set up. No fetched data lives here; a view
// asks again after a reload and the server's cache answers.
import type { DescribedImage } from '../../server/src/contract';
import type { VsCodeApi } from './host';

export type PlatformTab = 'layers' | 'files' | 'config' | 'dockerfile' | 'vulnerabilities' | 'attestations';
export const PLATFORM_TABS: PlatformTab[] = ['layers', 'files', 'config', 'dockerfile', 'vulnerabilities', 'attestations'];

export type Route =
  | { view: 'search'; query: string; cursors: string[]; officialOnly: boolean; verifiedOnly: boolean }
  | { view: 'repository'; repository: string; tagFilter: string; tagCursors: string[]; readmeOpen: boolean }
  | { view: 'tag'; image: string }
  | { view: 'platform'; image: string; platform: string; tab: PlatformTab; largestFirst: boolean }
  | { view: 'compare'; imageA: string; imageB: string; platform: string; packages?: boolean }
  | { view: 'cache' }
  | { view: 'namespace'; namespace: string; cursors: string[] };

export type ViewName = Route['view'];
export type RouteOf<V extends ViewName> = Extract<Route, { view: V }>;

export interface SavedState {
  version: 1;
  route: Route;
  back: Route[];
}

const BACK_LIMIT = 30;

export const HOME: RouteOf<'search'> = { view: 'search', query: '', cursors: [], officialOnly: false, verifiedOnly: false };

/** An image reference opens its tag, or its repository when no tag or digest was written. */
export function routeForImage(described: DescribedImage): Route {
  if (described.tagWritten || described.reference.digest !== undefined) return { view: 'tag', image: described.reference.familiar };
  return { view: 'repository', repository: described.repository, tagFilter: '', tagCursors: [], readmeOpen: false };
}

/** Holds the route and the way back, and saves both with setState so they survive hiding and reloading. */
export class Navigation {
  private state: SavedState;
  onChange: (route: Route) => void = () => undefined;

  constructor(private readonly api: VsCodeApi) {
    this.state = restore(api.getState());
  }

  get route(): Route {
    return this.state.route;
  }

  get canGoBack(): boolean {
    return this.state.back.length > 0;
  }

  go(route: Route): void {
    this.state = { version: 1, route, back: [...this.state.back, this.state.route].slice(-BACK_LIMIT) };
    this.save();
    this.onChange(route);
  }

  back(): void {
    const previous = this.state.back.at(-1);
    if (!previous) return;
    this.state = { version: 1, route: previous, back: this.state.back.slice(0, -1) };
    this.save();
    this.onChange(previous);
  }

  /**
   * Records a change the current view made to itself (a filter, a page, a tab): saved for a reload, no step to go
   * back to, and no new render (the view already shows it, and keeps the focus where it is).
   */
  update<V extends ViewName>(view: V, changes: Partial<RouteOf<V>>): void {
    if (this.state.route.view !== view) return;
    this.state = { ...this.state, route: { ...this.state.route, ...changes } as Route };
    this.save();
  }

  private save(): void {
    this.api.setState(this.state);
  }
}

// Saved state comes back from an older build too; anything not understood starts at home rather than failing.
function restore(saved: unknown): SavedState {
  if (typeof saved !== 'object' || saved === null) return { version: 1, route: HOME, back: [] };
  const state = saved as Partial<SavedState>;
  if (state.version !== 1 || !isRoute(state.route)) return { version: 1, route: HOME, back: [] };
  return { version: 1, route: state.route, back: Array.isArray(state.back) ? state.back.filter(isRoute) : [] };
}

export function isRoute(value: unknown): value is Route {
  if (typeof value !== 'object' || value === null) return false;
  const route = value as Record<string, unknown>;
  const text = (key: string) => typeof route[key] === 'string';
  const cursors = (key: string) => {
    const value = route[key];
    return Array.isArray(value) && value.every((cursor) => typeof cursor === 'string');
  };
  switch (route.view) {
    case 'search':
      return text('query') && cursors('cursors');
    case 'repository':
      return text('repository') && text('tagFilter') && cursors('tagCursors');
    case 'tag':
      return text('image');
    case 'platform':
      return text('image') && text('platform') && PLATFORM_TABS.includes(route.tab as PlatformTab);
    case 'compare':
      return text('imageA') && text('imageB') && text('platform') && (route.packages === undefined || typeof route.packages === 'boolean');
    case 'cache':
      return true;
    case 'namespace':
      return text('namespace') && cursors('cursors');
    default:
      return false;
  }
}
