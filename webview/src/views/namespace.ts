// The repositories of one Docker Hub namespace (yours, an organisation's, or anyone's public ones), a page at a time.
import { compactCount, type Namespaces, type RepositoryList } from '../../../server/src/contract';
import { pageAt, pager } from '../paging';
import type { RouteOf } from '../state';
import { HostError } from '../host';
import { arrowNavigation, badge, emptyState, errorCode, fill, h, icon, relativeTime, section, type ViewContext } from '../ui';

const PAGE_SIZE = 25;

export function namespaceView(route: RouteOf<'namespace'>, context: ViewContext): HTMLElement {
  const body = h('div', { class: 'results' });
  const cursors = () => (context.nav.route as RouteOf<'namespace'>).cursors;
  const load = () =>
    fill(
      body,
      context,
      `Reading the repositories of ${route.namespace}…`,
      ({ signal }) =>
        pageAt(
          cursors(),
          signal,
          (cursor) => context.host.callTool('docker_list_repositories', { namespace: route.namespace, cursor, limit: PAGE_SIZE }),
          () => context.nav.update('namespace', { cursors: [] }),
        ),
      ({ structured }) =>
        repositoryList(structured, cursors(), context, (next) => {
          context.nav.update('namespace', { cursors: next });
          load();
        }),
      `the repositories of ${route.namespace}`,
    );
  load();
  return h('div', { class: 'view view-namespace' }, h('h2', { class: 'view-title', tabindex: '-1' }, icon('organization'), route.namespace), body);
}

function repositoryList(result: RepositoryList, cursors: string[], context: ViewContext, goTo: (cursors: string[]) => void): HTMLElement {
  if (result.results.length === 0) {
    return emptyState(`${result.namespace} has no repositories${result.authenticated ? '' : ' you can see without signing in'}.`);
  }
  const list = h(
    'ul',
    { class: 'list', 'aria-label': `Repositories of ${result.namespace}` },
    result.results.map((repository) => {
      const name = repository.namespace === 'library' ? repository.repository : `${repository.namespace}/${repository.repository}`;
      return h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'list-item',
            'data-repository': name,
            on: { click: () => context.nav.go({ view: 'repository', repository: name, tagFilter: '', tagCursors: [], readmeOpen: false }) },
          },
          h('span', { class: 'item-title' }, icon('repo'), h('span', { class: 'item-name' }, name), repository.is_private ? badge('Private', 'private', 'lock') : null),
          repository.description ? h('span', { class: 'item-description' }, repository.description) : null,
          h(
            'span',
            { class: 'item-meta' },
            h('span', { title: 'Stars' }, icon('star-empty'), compactCount(repository.star_count)),
            h('span', { title: 'Pulls' }, icon('cloud-download'), compactCount(repository.pull_count)),
            repository.last_updated ? h('span', null, 'updated ', relativeTime(repository.last_updated)) : null,
          ),
        ),
      );
    }),
  );
  arrowNavigation(list, '.list-item');
  return h(
    'div',
    null,
    h('p', { class: 'count' }, `${result.total} ${result.total === 1 ? 'repository' : 'repositories'}`),
    list,
    pager({ label: 'Repository pages', cursors, page: result.page, nextCursor: result.next_cursor, goTo }),
  );
}

/** The signed-in account's namespaces, on the search view's empty state: where your own repositories are. */
export function namespacesSection(context: ViewContext): HTMLElement {
  const body = h('div');
  fill(
    body,
    context,
    'Reading your namespaces…',
    // Without a sign-in the server may not offer the tool at all: the same invitation to sign in either way.
    () =>
      context.host.callTool('docker_list_namespaces', {}).catch((error: unknown) => {
        throw errorCode(error) === 'UNSUPPORTED' ? new HostError({ code: 'UNAUTHORIZED', message: (error as Error).message }) : error;
      }),
    ({ structured }) => namespaceList(structured, context),
    'your repositories',
  );
  return section('Your repositories', body);
}

function namespaceList(result: Namespaces, context: ViewContext): HTMLElement {
  const list = h(
    'ul',
    { class: 'list', 'aria-label': 'Your namespaces' },
    result.namespaces.map((entry) =>
      h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'list-item',
            'data-namespace': entry.namespace,
            on: { click: () => context.nav.go({ view: 'namespace', namespace: entry.namespace, cursors: [] }) },
          },
          h(
            'span',
            { class: 'item-title' },
            icon(entry.type === 'Org' ? 'organization' : 'account'),
            h('span', { class: 'item-name' }, entry.namespace),
            entry.type === 'Org' && entry.user_role ? h('span', { class: 'muted' }, entry.user_role) : null,
          ),
        ),
      ),
    ),
  );
  arrowNavigation(list, '.list-item');
  return list;
}
