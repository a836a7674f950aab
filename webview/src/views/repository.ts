// A repository: what Docker Hub says about it (README rendered sanitised) and its tags, filtered and paged.
import { renderMarkdown } from '../markdown';
import { pageAt, pager } from '../paging';
import type { RouteOf } from '../state';
import { compactCount, describeImage, formatBytes, type RepositoryDetails, type TagPage } from '../../../server/src/contract';
import {
  arrowNavigation,
  badge,
  commandLine,
  copyButton,
  emptyState,
  fill,
  h,
  icon,
  relativeTime,
  section,
  type ViewContext,
} from '../ui';

const TAGS_PER_PAGE = 20;
const FILTER_DEBOUNCE_MS = 300;

export function repositoryView(route: RouteOf<'repository'>, context: ViewContext): HTMLElement {
  const hub = describeImage(route.repository)?.onDockerHub ?? false;
  const details = h('div', { class: 'details' });
  if (hub) {
    fill(details, context, `Reading ${route.repository} on Docker Hub…`, () => context.host.callTool('docker_get_image_details', { image: route.repository }), ({ structured }) =>
      repositoryDetails(structured, route, context),
    );
  } else {
    details.replaceChildren(
      h('p', { class: 'muted' }, `${route.repository} is not on Docker Hub: its registry lists tag names only; open a tag for its platforms, layers and config.`),
      commandLine(context, `docker pull ${route.repository}`, 'pull command'),
    );
  }
  return h(
    'div',
    { class: 'view view-repository' },
    h('h2', { class: 'view-title', tabindex: '-1' }, icon('repo'), route.repository),
    details,
    tagsSection(route, context),
  );
}

function repositoryDetails(details: RepositoryDetails, route: RouteOf<'repository'>, context: ViewContext): HTMLElement {
  const readme = h('div', { class: 'markdown' });
  readme.append(renderMarkdown(details.full_description));
  const readmeBlock = h(
    'details',
    { class: 'readme', open: route.readmeOpen },
    h('summary', null, 'README'),
    details.full_description.trim() === '' ? h('p', { class: 'muted' }, 'This repository has no README.') : readme,
    details.description_truncated
      ? h(
          'p',
          { class: 'hint' },
          `The README is cut here: ${details.full_description.length} of ${details.full_description_length} characters shown. `,
          h('a', { href: details.hub_url }, 'Read it all on Docker Hub'),
        )
      : null,
  );
  readmeBlock.addEventListener('toggle', () => context.nav.update('repository', { readmeOpen: readmeBlock.open }));
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'badges' },
      details.is_official ? badge('Docker Official Image', 'official', 'verified-filled') : null,
      details.is_verified ? badge('Verified publisher', 'verified', 'verified') : null,
      details.is_private ? badge('Private', 'private', 'lock') : null,
    ),
    details.description ? h('p', { class: 'description' }, details.description) : null,
    h(
      'p',
      { class: 'item-meta' },
      h('span', { title: 'Stars' }, icon('star-empty'), `${compactCount(details.star_count)} stars`),
      h('span', { title: 'Pulls' }, icon('cloud-download'), `${compactCount(details.pull_count)} pulls`),
      details.last_updated ? h('span', null, 'updated ', relativeTime(details.last_updated)) : null,
    ),
    details.categories.length > 0 ? h('p', { class: 'categories' }, details.categories.map((category) => h('span', { class: 'tag-chip' }, category))) : null,
    commandLine(context, `docker pull ${details.image}`, 'pull command'),
    h('p', null, h('a', { href: details.hub_url }, icon('link-external'), ' Open on Docker Hub')),
    readmeBlock,
  );
}

function tagsSection(route: RouteOf<'repository'>, context: ViewContext): HTMLElement {
  const filter = h('input', {
    type: 'search',
    class: 'input',
    value: route.tagFilter,
    placeholder: 'Filter tags by name',
    'aria-label': 'Filter tags by name',
    spellcheck: 'false',
  });
  const list = h('div', { class: 'tags' });
  const current = () => context.nav.route as RouteOf<'repository'>;
  const refresh = () => {
    const { tagFilter, tagCursors } = current();
    fill(
      list,
      context,
      tagFilter ? `Reading tags matching "${tagFilter}"…` : 'Reading tags…',
      ({ signal }) =>
        pageAt(
          tagCursors,
          signal,
          (cursor) => context.host.callTool('docker_list_tags', { image: route.repository, cursor, limit: TAGS_PER_PAGE, name: tagFilter.trim() || undefined }),
          () => context.nav.update('repository', { tagCursors: [] }),
        ),
      ({ structured }) => tagList(structured, route, context, refresh),
    );
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      context.nav.update('repository', { tagFilter: filter.value, tagCursors: [] });
      refresh();
    }, FILTER_DEBOUNCE_MS);
  });
  context.signal.addEventListener('abort', () => clearTimeout(timer));
  refresh();
  return section('Tags', h('div', { class: 'search-box' }, icon('filter'), filter), list);
}

function tagList(page: TagPage, route: RouteOf<'repository'>, context: ViewContext, refresh: () => void): HTMLElement {
  if (page.tags.length === 0) {
    const filter = (context.nav.route as RouteOf<'repository'>).tagFilter;
    return emptyState(
      filter ? `No tag of ${page.image} contains "${filter}".` : page.page > 1 ? `No tags on page ${page.page}.` : `${page.image} has no tags.`,
      filter ? h('p', { class: 'hint' }, 'Clear or shorten the filter to see more tags.') : null,
    );
  }
  const list = h(
    'ul',
    { class: 'list', 'aria-label': `Tags of ${page.image}` },
    page.tags.map((tag) => {
      const image = `${route.repository}:${tag.name}`;
      const pointsAt = tag.digest_index === null ? undefined : page.digests[tag.digest_index];
      return h(
        'li',
        { class: 'row-with-actions' },
        h(
          'button',
          { type: 'button', class: 'list-item', 'data-tag': tag.name, on: { click: () => context.nav.go({ view: 'tag', image }) } },
          h('span', { class: 'item-title' }, icon('tag'), h('span', { class: 'item-name' }, tag.name)),
          page.source === 'hub'
            ? h(
                'span',
                { class: 'item-meta' },
                pointsAt && pointsAt.platforms.length > 0
                  ? h('span', { title: pointsAt.platforms.join(', ') }, icon('vm'), platformSummary(pointsAt.platforms))
                  : null,
                pointsAt && pointsAt.full_size !== null ? h('span', { title: 'Compressed size' }, icon('database'), formatBytes(pointsAt.full_size)) : null,
                tag.tag_last_pushed ? h('span', null, 'pushed ', relativeTime(tag.tag_last_pushed)) : null,
              )
            : null,
        ),
        copyButton(context, `docker pull ${image}`, `pull command for ${tag.name}`),
      );
    }),
  );
  arrowNavigation(list, '.list-item');
  const total = page.count !== null ? `${page.count} ${page.count === 1 ? 'tag' : 'tags'}` : 'tags';
  return h(
    'div',
    null,
    h('p', { class: 'count' }, `${total}${page.source === 'registry' ? ` from ${page.registry} (names only)` : ''}`),
    list,
    pager({
      label: 'Tag pages',
      of: 'of tags',
      cursors: (context.nav.route as RouteOf<'repository'>).tagCursors,
      page: page.page,
      nextCursor: page.next_cursor,
      goTo: (tagCursors) => {
        context.nav.update('repository', { tagCursors });
        refresh();
      },
    }),
  );
}

function platformSummary(platforms: string[]): string {
  if (platforms.length <= 2) return platforms.join(', ');
  return `${platforms.length} platforms`;
}
