// Search Docker Hub as one types; or open an image reference typed directly (any registry).
import { pageAt, pager } from '../paging';
import { routeForImage, type RouteOf } from '../state';
import { namespacesSection } from './namespace';
import { signInsSection } from './signIns';
import { compactCount, describeImage, type DescribedImage, type SearchResult } from '../../../server/src/contract';
import { arrowNavigation, badge, button, emptyState, fill, h, icon, relativeTime, show, type ViewContext } from '../ui';

const DEBOUNCE_MS = 300;
const PAGE_SIZE = 20;

export function searchView(route: RouteOf<'search'>, context: ViewContext): HTMLElement {
  const { nav } = context;
  const input = h('input', {
    type: 'search',
    class: 'input',
    id: 'search-input',
    value: route.query,
    placeholder: 'Search Docker Hub, or type an image reference',
    'aria-label': 'Search Docker Hub, or type an image reference such as nginx:1.27 or ghcr.io/owner/app:tag',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const official = checkbox('Official images', route.officialOnly);
  const verified = checkbox('Verified publishers', route.verifiedOnly);
  const openReference = h('div', { class: 'open-reference' });
  const results = h('div', { class: 'results', id: 'search-results' });

  const current = () => nav.route as RouteOf<'search'>;
  const refresh = () => {
    const { query, cursors, officialOnly, verifiedOnly } = current();
    const reference = openableReference(query);
    showOpenReference(openReference, reference, context);
    if (reference && !isSearchable(reference)) {
      // Docker Hub's search knows repository names only; a tag, a digest or another registry finds nothing there.
      show(results);
      return;
    }
    if (query.trim() === '') {
      show(
        results,
        emptyState(
          'Search Docker Hub by name or keyword.',
          h('p', { class: 'hint' }, 'Or type a reference to open an image from any registry, e.g. nginx:1.27, bitnami/redis, or ghcr.io/owner/app:tag.'),
        ),
        namespacesSection(context),
        signInsSection(context),
      );
      return;
    }
    fill(
      results,
      context,
      `Searching Docker Hub for "${query.trim()}"…`,
      ({ signal }) =>
        pageAt(
          cursors,
          signal,
          (cursor) =>
            context.host.callTool('docker_search_images', {
              query: query.trim(),
              cursor,
              limit: PAGE_SIZE,
              official_only: officialOnly,
              verified_only: verifiedOnly,
            }),
          () => nav.update('search', { cursors: [] }),
        ),
      ({ structured }) => {
        context.announce(`${structured.total} repositories found`);
        return resultList(structured, context, refresh, reference);
      },
    );
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const commit = () => {
    clearTimeout(timer);
    if (input.value === current().query) return;
    nav.update('search', { query: input.value, cursors: [] });
    refresh();
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(commit, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      const reference = openableReference(input.value);
      if (reference && !isSearchable(reference)) openImage(reference, context);
      else commit();
    } else if (event.key === 'ArrowDown') {
      results.querySelector<HTMLElement>('.list-item')?.focus();
      event.preventDefault();
    }
  });
  context.signal.addEventListener('abort', () => clearTimeout(timer));
  for (const [box, key] of [
    [official, 'officialOnly'],
    [verified, 'verifiedOnly'],
  ] as const) {
    box.input.addEventListener('change', () => {
      nav.update('search', { [key]: box.input.checked, cursors: [] });
      refresh();
    });
  }

  refresh();
  return h(
    'div',
    { class: 'view view-search' },
    h('h2', { class: 'visually-hidden', tabindex: '-1' }, 'Search Docker Hub'),
    h('div', { class: 'search-box' }, icon('search'), input),
    h('div', { class: 'filters', role: 'group', 'aria-label': 'Filters' }, official.label, verified.label),
    openReference,
    results,
  );
}

function checkbox(text: string, checked: boolean): { label: HTMLLabelElement; input: HTMLInputElement } {
  const input = h('input', { type: 'checkbox', checked });
  return { input, label: h('label', { class: 'checkbox' }, input, text) };
}

/**
 * Text in the search box that names an image to open: a valid reference with a tag, a digest, a registry or a
 * namespace (`alice/private-app`: private repositories never show in search). One word stays a search.
 */
function openableReference(text: string): DescribedImage | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return undefined;
  const described = describeImage(trimmed);
  if (!described) return undefined;
  return isSearchable(described) && !trimmed.includes('/') ? undefined : described;
}

function isSearchable(described: DescribedImage): boolean {
  return described.onDockerHub && !described.tagWritten && described.reference.digest === undefined;
}

export function openImage(described: DescribedImage, context: ViewContext): void {
  context.nav.go(routeForImage(described));
}

function showOpenReference(slot: HTMLElement, reference: DescribedImage | undefined, context: ViewContext): void {
  if (!reference) {
    slot.replaceChildren();
    return;
  }
  const name = reference.tagWritten || reference.reference.digest !== undefined ? reference.reference.familiar : reference.repository;
  slot.replaceChildren(
    button({
      label: `Open ${name}`,
      icon: 'go-to-file',
      secondary: true,
      title: `Open ${name}${isSearchable(reference) ? '' : ' (Enter)'}`,
      onClick: () => openImage(reference, context),
    }),
  );
}

function resultList(result: SearchResult, context: ViewContext, refresh: () => void, reference: DescribedImage | undefined): HTMLElement {
  if (result.results.length === 0) {
    if (reference) {
      return emptyState(`Docker Hub's search lists public repositories only. Open ${reference.repository} above to read it directly.`);
    }
    return emptyState(
      `No repository on Docker Hub matches "${result.query}"${result.page > 1 ? ` on page ${result.page}` : ''}.`,
      h('p', { class: 'hint' }, 'Check the spelling, use fewer words, clear the filters, or type a full reference (e.g. ghcr.io/owner/app:tag) to open an image from another registry.'),
    );
  }
  const list = h(
    'ul',
    { class: 'list', 'aria-label': 'Search results' },
    result.results.map((hit) =>
      h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'list-item',
            'data-repository': hit.image,
            on: { click: () => context.nav.go({ view: 'repository', repository: hit.image, tagFilter: '', tagCursors: [], readmeOpen: false }) },
          },
          h(
            'span',
            { class: 'item-title' },
            icon('repo'),
            h('span', { class: 'item-name' }, hit.image),
            hit.is_official ? badge('Official', 'official', 'verified-filled') : null,
            hit.is_verified ? badge('Verified publisher', 'verified', 'verified') : null,
          ),
          hit.short_description ? h('span', { class: 'item-description' }, hit.short_description) : null,
          h(
            'span',
            { class: 'item-meta' },
            h('span', { title: 'Stars' }, icon('star-empty'), compactCount(hit.star_count)),
            h('span', { title: 'Pulls' }, icon('cloud-download'), `${typeof hit.pull_count === 'string' ? hit.pull_count : compactCount(hit.pull_count)}`),
            hit.updated_at ? h('span', null, 'updated ', relativeTime(hit.updated_at)) : null,
          ),
        ),
      ),
    ),
  );
  arrowNavigation(list, '.list-item');
  return h(
    'div',
    null,
    h('p', { class: 'count' }, `${result.total} ${result.total === 1 ? 'repository' : 'repositories'}`),
    list,
    pager({
      label: 'Result pages',
      cursors: (context.nav.route as RouteOf<'search'>).cursors,
      page: result.page,
      nextCursor: result.next_cursor,
      goTo: (cursors) => {
        context.nav.update('search', { cursors });
        refresh();
      },
    }),
  );
}
