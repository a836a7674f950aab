// The explorer page: the current view, and the wiring between it and the extension. Back, search, compare and cache
// are the view's title-bar buttons (package.json view/title), which the extension passes on as events.
import { Host } from './host';
import { Navigation, isRoute, type Route, type ViewName } from './state';
import { button, errorState, h, icon, type ViewContext } from './ui';
import { cacheView } from './views/cache';
import { compareView } from './views/compare';
import { namespaceView } from './views/namespace';
import { platformView } from './views/platform';
import { repositoryView } from './views/repository';
import { searchView } from './views/search';
import { tagView } from './views/tag';

type ViewRenderer = (route: any, context: ViewContext) => HTMLElement;

const VIEWS: Record<ViewName, ViewRenderer> = {
  search: searchView,
  repository: repositoryView,
  tag: tagView,
  platform: platformView,
  compare: compareView,
  cache: cacheView,
  namespace: namespaceView,
};

const host = Host.acquire();
const nav = new Navigation(host.api);
const app = document.getElementById('app') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;
const banner = h('div', { class: 'banner', hidden: true });
const viewSlot = h('main', { class: 'view-slot', id: 'view' });
let current: AbortController | undefined;

app.append(banner, viewSlot);

function announce(text: string): void {
  // Cleared first so the same words twice are read twice.
  announcer.textContent = '';
  requestAnimationFrame(() => (announcer.textContent = text));
}

function render(route: Route, focus: boolean): void {
  current?.abort();
  current = new AbortController();
  const context: ViewContext = { host, nav, signal: current.signal, announce };
  document.body.dataset.view = route.view;
  try {
    viewSlot.replaceChildren(VIEWS[route.view](route, context));
  } catch (error) {
    viewSlot.replaceChildren(errorState(error, { retry: () => render(nav.route, true), host }));
  }
  void host.viewChanged(nav.canGoBack).catch(() => undefined);
  if (!focus) return;
  const target = route.view === 'search' ? document.getElementById('search-input') : viewSlot.querySelector<HTMLElement>('h2');
  target?.focus();
}

nav.onChange = (route) => render(route, true);

host.onEvent = (event) => {
  switch (event.type) {
    case 'navigate':
      if (isRoute(event.route)) nav.go(event.route);
      break;
    case 'back':
      nav.back();
      break;
    case 'refresh':
      render(nav.route, false);
      break;
  }
};

host.onUnmatchedError = (error) => {
  banner.hidden = false;
  banner.replaceChildren(
    icon('warning'),
    h('span', null, error.message),
    button({ label: 'Dismiss', icon: 'close', iconOnly: true, onClick: () => (banner.hidden = true) }),
  );
};

// Every link goes through VS Code (which asks before opening an external site); none navigates the webview.
document.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest?.('a');
  if (!link) return;
  event.preventDefault();
  const href = link.getAttribute('href');
  if (href && /^https?:\/\//i.test(href)) void host.openLink(href).catch((error) => announce(`Could not open the link: ${error.message}`));
});

document.addEventListener('keydown', (event) => {
  if (event.altKey && event.key === 'ArrowLeft') {
    nav.back();
    event.preventDefault();
  }
});

render(nav.route, false);
