// The explorer page: a toolbar, the current view, and the wiring between them and the extension.
import { Host } from './host';
import { HOME, Navigation, type Route, type ViewName } from './state';
import { button, errorState, h, icon, type ViewContext } from './ui';
import { cacheView } from './views/cache';
import { compareView } from './views/compare';
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
};

const host = Host.acquire();
const nav = new Navigation(host.api);
const app = document.getElementById('app') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;
const banner = h('div', { class: 'banner', hidden: true });
const viewSlot = h('main', { class: 'view-slot', id: 'view' });
let current: AbortController | undefined;

const backButton = button({ label: 'Back', icon: 'arrow-left', iconOnly: true, title: 'Back (Alt+Left)', onClick: () => nav.back() });
const toolbar = h(
  'header',
  { class: 'toolbar', 'aria-label': 'Explorer' },
  backButton,
  h('span', { class: 'toolbar-title', id: 'toolbar-title' }),
  button({
    label: 'Search Docker Hub',
    icon: 'search',
    iconOnly: true,
    onClick: () => (nav.route.view === 'search' ? document.getElementById('search-input')?.focus() : nav.go(HOME)),
  }),
  button({ label: 'Compare images', icon: 'diff', iconOnly: true, onClick: () => nav.go({ view: 'compare', imageA: '', imageB: '', platform: '' }) }),
  button({ label: 'Cache and rate limit', icon: 'database', iconOnly: true, onClick: () => nav.go({ view: 'cache' }) }),
);
app.append(toolbar, banner, viewSlot);

function announce(text: string): void {
  // Cleared first so the same words twice are read twice.
  announcer.textContent = '';
  requestAnimationFrame(() => (announcer.textContent = text));
}

function render(route: Route, focus: boolean): void {
  current?.abort();
  current = new AbortController();
  const context: ViewContext = { host, nav, signal: current.signal, announce };
  backButton.disabled = !nav.canGoBack;
  (document.getElementById('toolbar-title') as HTMLElement).textContent = titleOf(route);
  document.body.dataset.view = route.view;
  try {
    viewSlot.replaceChildren(VIEWS[route.view](route, context));
  } catch (error) {
    viewSlot.replaceChildren(errorState(error, () => render(nav.route, true)));
  }
  if (!focus) return;
  const target = route.view === 'search' ? document.getElementById('search-input') : viewSlot.querySelector<HTMLElement>('h2');
  target?.focus();
}

function titleOf(route: Route): string {
  switch (route.view) {
    case 'search':
      return 'Docker Hub';
    case 'repository':
      return route.repository;
    case 'tag':
      return route.image;
    case 'platform':
      return `${route.image}${route.platform ? ` · ${route.platform}` : ''}`;
    case 'compare':
      return 'Compare';
    case 'cache':
      return 'Cache';
  }
}

nav.onChange = (route) => render(route, true);

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
