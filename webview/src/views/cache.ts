// The server's cache: what it holds by kind, how often it answered, disk use, the pull quota seen, and a clear button.
import type { RouteOf } from '../state';
import { formatBytes, type CacheInfo, type RateLimit } from '../../../server/src/contract';
import { button, fill, h, icon, relativeTime, section, type ViewContext } from '../ui';

const KIND_LABELS: Record<string, string> = {
  manifest: 'Manifests (by digest)',
  blob: 'Configs and blobs (by digest)',
  tagDigest: 'Tag → digest',
  tagList: 'Registry tag lists',
  hubSearch: 'Docker Hub searches',
  hubTags: 'Docker Hub tags',
  hubRepository: 'Docker Hub repositories',
  hubNamespace: 'Docker Hub namespaces',
  scout: 'Docker Scout reports',
};

export function cacheView(_route: RouteOf<'cache'>, context: ViewContext): HTMLElement {
  const statistics = h('div', { id: 'cache-statistics' });
  const rateLimit = h('div', { id: 'rate-limit-check' });
  const cleared = h('p', { class: 'hint', role: 'status' });
  const refresh = () =>
    fill(statistics, context, 'Reading cache statistics…', () => context.host.callTool('docker_cache_info', {}), ({ structured }) => cacheStatistics(structured));
  const clear = async (clearButton: HTMLButtonElement) => {
    clearButton.disabled = true;
    cleared.textContent = 'Clearing…';
    try {
      const { structured } = await context.host.callTool('docker_cache_clear', {});
      cleared.textContent = `Cleared ${structured.memory_entries} ${structured.memory_entries === 1 ? 'entry' : 'entries'} from memory and ${structured.disk_entries} ${structured.disk_entries === 1 ? 'file' : 'files'} from disk.`;
      context.announce(cleared.textContent);
      refresh();
    } catch (error) {
      cleared.textContent = `The cache was not cleared: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      clearButton.disabled = false;
    }
  };
  const clearButton: HTMLButtonElement = button({
    label: 'Clear cache',
    icon: 'trash',
    secondary: true,
    title: 'Empty memory and disk; digests are read again from the registry when next needed',
    onClick: () => void clear(clearButton),
  });
  refresh();
  return h(
    'div',
    { class: 'view view-cache' },
    h('h2', { class: 'view-title', tabindex: '-1' }, icon('database'), 'Cache and rate limit'),
    h(
      'div',
      { class: 'actions' },
      button({ label: 'Refresh', icon: 'refresh', secondary: true, onClick: refresh }),
      clearButton,
    ),
    cleared,
    statistics,
    section(
      'Docker Hub pull limit',
      h('p', { class: 'hint' }, 'Checking sends a HEAD request for a manifest, which Docker Hub does not count as a pull.'),
      button({
        label: 'Check pull limit',
        icon: 'pulse',
        secondary: true,
        onClick: () =>
          fill(rateLimit, context, 'Asking Docker Hub for the current pull limit…', () => context.host.callTool('docker_check_rate_limit', {}), ({ structured }) => rateLimitResult(structured), 'your pull limit'),
      }),
      rateLimit,
    ),
  );
}

function cacheStatistics(info: CacheInfo): HTMLElement {
  const kinds = Object.entries(info.by_kind).sort(([a], [b]) => a.localeCompare(b));
  const requests = Object.entries(info.upstream_requests);
  const limits = Object.entries(info.rate_limits);
  const lookups = info.hits + info.misses;
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'stat-grid' },
      stat('Hit rate', lookups === 0 ? '—' : `${Math.round(info.hit_rate * 100)}%`, `${info.hits} hits, ${info.misses} misses`),
      stat('Memory', formatBytes(info.memory_bytes), `${info.memory_entries} entries, bound ${formatBytes(info.max_bytes)}`),
      stat('Disk', info.disk.enabled ? formatBytes(info.disk.bytes) : 'off', info.disk.enabled ? `${info.disk.entries} files` : 'memory only'),
    ),
    info.disk.enabled && info.disk.directory ? h('p', { class: 'hint' }, 'Disk cache in ', h('code', null, info.disk.directory)) : null,
    section(
      'By kind',
      kinds.length === 0
        ? h('p', { class: 'muted' }, 'Nothing cached yet: browse an image and its manifests, configs and tags land here.')
        : h(
            'table',
            { class: 'kinds' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, 'Entries'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Hits'))),
            h(
              'tbody',
              null,
              kinds.map(([kind, stats]) =>
                h(
                  'tr',
                  { 'data-kind': kind },
                  h('th', { scope: 'row' }, KIND_LABELS[kind] ?? kind),
                  h('td', null, String(stats.entries)),
                  h('td', null, formatBytes(stats.bytes)),
                  h('td', null, stats.hits + stats.misses === 0 ? '—' : `${Math.round((stats.hits / (stats.hits + stats.misses)) * 100)}%`),
                ),
              ),
            ),
          ),
    ),
    section(
      'Pull quota seen',
      limits.length === 0
        ? h('p', { class: 'muted' }, 'No registry has sent rate-limit headers yet.')
        : h(
            'ul',
            { class: 'plain-list' },
            limits.map(([host, limit]) =>
              h(
                'li',
                { 'data-rate-limit-host': host },
                h('strong', null, host),
                ': ',
                limit.remaining !== undefined ? `${limit.remaining} of ${limit.limit ?? '?'} pulls left` : 'limit unknown',
                limit.window_seconds ? ` per ${formatWindow(limit.window_seconds)}` : '',
                ', seen ',
                relativeTime(limit.observed_at),
              ),
            ),
          ),
    ),
    requests.length > 0
      ? section(
          'Requests that reached the network',
          h('ul', { class: 'plain-list' }, requests.map(([host, count]) => h('li', null, h('strong', null, host), `: ${count}`))),
        )
      : null,
  );
}

function stat(name: string, value: string, detail: string): HTMLElement {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-name' }, name), h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-detail muted' }, detail));
}

function rateLimitResult(result: RateLimit): HTMLElement {
  return h(
    'div',
    { class: 'rate-limit' },
    result.headers_present && result.remaining !== null
      ? h('p', { class: 'stat-value' }, `${result.remaining} of ${result.limit ?? '?'} pulls left`, result.window_seconds ? ` per ${formatWindow(result.window_seconds)}` : '')
      : h('p', null, 'Docker Hub sent no limit (paid plans have none), so the limit is unknown.'),
    result.source ? h('p', { class: 'muted' }, `Counted against ${result.counted_against === 'account' ? 'the account' : 'the address'} ${result.source}.`) : null,
    h('p', { class: 'hint' }, result.note),
  );
}

function formatWindow(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}
