// One platform of an image: its layers, files, config, reconstructed Dockerfile, vulnerabilities and attestations, as tabs.
import { PLATFORM_TABS, type PlatformTab, type RouteOf } from '../state';
import { describeImage, formatBytes, pinnedReference, shortDigest, type Attestations, type Dockerfile, type ImageConfig, type LayerAnalysis, type Vulnerabilities } from '../../../server/src/contract';
import {
  button,
  commandLine,
  copyButton,
  emptyState,
  fill,
  h,
  icon,
  relativeTime,
  section,
  show,
  type Child,
  type ViewContext,
} from '../ui';
import { filesTab } from './files';

const LAYERS_LISTED = 500;
const VULNERABILITIES_LISTED = 25;

const TAB_LABELS: Record<PlatformTab, { label: string; icon: string }> = {
  layers: { label: 'Layers', icon: 'layers' },
  files: { label: 'Files', icon: 'files' },
  config: { label: 'Config', icon: 'settings-gear' },
  dockerfile: { label: 'Dockerfile', icon: 'file-code' },
  vulnerabilities: { label: 'Vulnerabilities', icon: 'shield' },
  attestations: { label: 'Attestations', icon: 'verified' },
};

export function platformView(route: RouteOf<'platform'>, context: ViewContext): HTMLElement {
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'platform-panel', tabindex: '0' });
  const tabs = PLATFORM_TABS.map((tab) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        class: 'tab',
        id: `tab-${tab}`,
        'data-tab': tab,
        'aria-controls': 'platform-panel',
        on: { click: () => select(tab) },
      },
      icon(TAB_LABELS[tab].icon),
      h('span', null, TAB_LABELS[tab].label),
    ),
  );
  const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Image facts' }, tabs);
  tabList.addEventListener('keydown', (event: KeyboardEvent) => {
    const index = PLATFORM_TABS.indexOf((context.nav.route as RouteOf<'platform'>).tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    const next = PLATFORM_TABS[(index + step + PLATFORM_TABS.length) % PLATFORM_TABS.length];
    select(next);
    tabs[PLATFORM_TABS.indexOf(next)].focus();
    event.preventDefault();
  });

  const select = (tab: PlatformTab) => {
    context.nav.update('platform', { tab });
    for (const [index, element] of tabs.entries()) {
      const selected = PLATFORM_TABS[index] === tab;
      element.setAttribute('aria-selected', String(selected));
      element.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
    showTab(tab, panel, context);
  };
  select(route.tab);

  return h(
    'div',
    { class: 'view view-platform' },
    h('h2', { class: 'view-title', tabindex: '-1' }, icon('vm'), route.image),
    h('p', { class: 'subtitle' }, route.platform || 'its only platform'),
    tabList,
    panel,
  );
}

function showTab(tab: PlatformTab, panel: HTMLElement, context: ViewContext): void {
  const route = context.nav.route as RouteOf<'platform'>;
  const target = { image: route.image, platform: route.platform || undefined };
  const host = context.host;
  switch (tab) {
    case 'layers':
      return layersTab(panel, context);
    case 'files':
      return filesTab(panel, context);
    case 'config':
      return fill(panel, context, 'Reading the image config…', () => host.callTool('docker_inspect_image', target), ({ structured }) => configTab(structured, context));
    case 'dockerfile':
      return fill(panel, context, 'Reconstructing the Dockerfile from the image history…', () => host.callTool('docker_get_dockerfile', target), ({ structured }) =>
        dockerfileTab(structured, context),
      );
    case 'vulnerabilities':
      if (!describeImage(route.image)?.onDockerHub) {
        show(panel, emptyState('Docker Scout reports vulnerabilities for Docker Hub images only.', h('p', { class: 'hint' }, 'This image comes from another registry; its layers, config and Dockerfile are in the other tabs.')));
        return;
      }
      return fill(
        panel,
        context,
        'Asking Docker Scout for the vulnerability report…',
        () => host.callTool('docker_get_vulnerabilities', { ...target, limit: VULNERABILITIES_LISTED }),
        ({ structured }) => vulnerabilitiesTab(structured),
        'vulnerabilities',
      );
    case 'attestations':
      return fill(panel, context, 'Reading attestations…', () => host.callTool('docker_get_attestations', target), ({ structured }) => attestationsTab(structured));
  }
}

function layersTab(panel: HTMLElement, context: ViewContext): void {
  const route = context.nav.route as RouteOf<'platform'>;
  fill(
    panel,
    context,
    'Reading layers and the instructions that made them…',
    () =>
      context.host.callTool('docker_analyze_layers', {
        image: route.image,
        platform: route.platform || undefined,
        sort: route.largestFirst ? 'size' : 'order',
        limit: LAYERS_LISTED,
      }),
    ({ structured }) => layerList(structured, context, panel),
  );
}

function layerList(analysis: LayerAnalysis, context: ViewContext, panel: HTMLElement): HTMLElement {
  const largestFirst = analysis.sort === 'size';
  const largest = Math.max(1, ...analysis.layers.map((layer) => layer.size));
  const toggle = button({
    label: 'Largest first',
    icon: 'sort-precedence',
    secondary: true,
    title: largestFirst ? 'Show layers in build order' : 'Show the largest layers first',
    attributes: { 'aria-pressed': String(largestFirst), class: `button secondary toggle${largestFirst ? ' pressed' : ''}` },
    onClick: () => {
      context.nav.update('platform', { largestFirst: !largestFirst });
      layersTab(panel, context);
    },
  });
  return h(
    'div',
    null,
    digestLine(analysis.image, analysis.digest, analysis.platform, context),
    h(
      'div',
      { class: 'layers-header' },
      h('p', { class: 'count' }, `${analysis.layer_count} ${analysis.layer_count === 1 ? 'layer' : 'layers'}, ${formatBytes(analysis.compressed_size)} compressed`),
      toggle,
    ),
    h(
      'ol',
      { class: 'layers', 'aria-label': largestFirst ? 'Layers, largest first' : 'Layers, bottom first' },
      analysis.layers.map((layer) =>
        h(
          'li',
          { class: 'layer', 'data-layer-index': layer.index },
          h(
            'div',
            { class: 'layer-line' },
            h('span', { class: 'layer-index', title: 'Position, 0 = bottom layer' }, `#${layer.index}`),
            sizeBar(layer.size / largest, `${formatBytes(layer.size)}, ${layer.percent.toFixed(1)}% of the image`),
            h('span', { class: 'layer-size' }, formatBytes(layer.size)),
            h('span', { class: 'layer-percent muted' }, `${layer.percent.toFixed(1)}%`),
          ),
          h('code', { class: 'instruction' }, layer.instruction ?? 'instruction not recorded in the image history'),
          h('div', { class: 'layer-digest muted' }, h('span', { title: layer.digest }, shortDigest(layer.digest)), copyButton(context, layer.digest, `digest of layer ${layer.index}`)),
        ),
      ),
    ),
    analysis.truncated ? h('p', { class: 'hint' }, `Only the first ${analysis.layers.length} layers are listed; the totals cover all of them.`) : null,
    analysis.empty_history_entries > 0
      ? h('p', { class: 'hint' }, `${analysis.empty_history_entries} more history entries made no layer (ENV, CMD, LABEL…): see the Dockerfile tab.`)
      : null,
    notes(analysis.notes),
  );
}

function sizeBar(fraction: number, label: string): HTMLElement {
  const fill = h('span', { class: 'size-bar-fill' });
  // Set through the CSSOM: the page's CSP allows no inline style attributes.
  fill.style.width = `${Math.max(1, Math.round(fraction * 100))}%`;
  return h('span', { class: 'size-bar', role: 'img', 'aria-label': label }, fill);
}

function digestLine(image: string, digest: string, platform: string, context: ViewContext): HTMLElement {
  return h(
    'div',
    { class: 'facts' },
    h('div', { class: 'fact' }, h('span', { class: 'fact-name' }, 'Platform'), h('span', { class: 'fact-value' }, platform)),
    h(
      'div',
      { class: 'fact' },
      h('span', { class: 'fact-name' }, 'Digest'),
      h('span', { class: 'fact-value' }, h('span', { class: 'digest', title: digest }, shortDigest(digest)), copyButton(context, digest, 'platform digest')),
    ),
    commandLine(context, `docker pull ${pinnedReference(image, digest)}`, 'pull command for this platform'),
  );
}

function configTab(inspected: ImageConfig, context: ViewContext): HTMLElement {
  const config = inspected.config;
  const list = (values: string[] | null | undefined) => (values && values.length > 0 ? h('code', null, JSON.stringify(values)) : null);
  const rows: Array<[string, Child]> = [
    ['Created', inspected.created ? relativeTime(inspected.created) : null],
    ['Author', inspected.author],
    ['User', config.User ? h('code', null, config.User) : h('span', { class: 'muted' }, 'root (not set)')],
    ['Working directory', config.WorkingDir ? h('code', null, config.WorkingDir) : null],
    ['Entrypoint', list(config.Entrypoint)],
    ['Command', list(config.Cmd)],
    ['Ports', config.ExposedPorts?.length ? config.ExposedPorts.join(' ') : null],
    ['Volumes', config.Volumes?.length ? config.Volumes.join(' ') : null],
    ['Stop signal', config.StopSignal],
    ['Health check', config.Healthcheck?.Test ? h('code', null, config.Healthcheck.Test.join(' ')) : null],
    ['Layers', `${inspected.layer_count}, ${formatBytes(inspected.compressed_size)} compressed; config ${formatBytes(inspected.config_size)}`],
  ];
  const env = config.Env ?? [];
  const labels = Object.entries(config.Labels ?? {});
  return h(
    'div',
    null,
    digestLine(inspected.image, inspected.digest, inspected.platform, context),
    platformChoice(inspected.platform, inspected.platform_choice, inspected.available_platforms),
    h(
      'dl',
      { class: 'config' },
      rows.filter(([, value]) => value !== null && value !== undefined && value !== '').map(([name, value]) => [h('dt', null, name), h('dd', null, value)]),
    ),
    section('Environment', env.length > 0 ? h('ul', { class: 'plain-list' }, env.map((entry) => h('li', null, h('code', null, entry)))) : h('p', { class: 'muted' }, 'No environment variables.')),
    section(
      'Labels',
      labels.length > 0
        ? h('dl', { class: 'labels' }, labels.map(([key, value]) => [h('dt', null, h('code', null, key)), h('dd', null, h('code', null, value))]))
        : h('p', { class: 'muted' }, 'No labels.'),
    ),
  );
}

function platformChoice(platform: string, choice: string, available: string[]): HTMLElement | null {
  if (choice === 'requested' || choice === 'only') return null;
  const why = choice === 'default' ? 'the default' : 'the first listed';
  return h('p', { class: 'hint' }, `${platform} is ${why} of ${available.length} platforms (${available.join(', ')}).`);
}

function dockerfileTab(result: Dockerfile, context: ViewContext): HTMLElement {
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'actions' },
      button({ label: 'Open in editor', icon: 'go-to-file', onClick: () => void context.host.openDockerfile(result.dockerfile).catch((error) => context.announce(`Could not open the Dockerfile: ${(error as Error).message}`)) }),
      button({ label: 'Copy', icon: 'copy', secondary: true, onClick: () => void context.host.copy(result.dockerfile, 'Dockerfile').then(() => context.announce('Copied Dockerfile')) }),
    ),
    result.base
      ? h('p', { class: 'hint' }, `Built FROM ${result.base.name}${result.base.instructions_left_out ? `; its ${result.base.instructions_left_out} instructions are left out` : ''}.`)
      : null,
    h('pre', { class: 'dockerfile', tabindex: '0', 'aria-label': `Dockerfile reconstructed from ${result.image}` }, h('code', null, result.dockerfile)),
    notes(result.notes),
  );
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unspecified'] as const;
type Severity = (typeof SEVERITIES)[number];

// Colour is never the only sign: each severity has its word and its own icon shape too.
const SEVERITY_ICONS: Record<Severity, string> = {
  critical: 'error',
  high: 'warning',
  medium: 'info',
  low: 'circle-small',
  unspecified: 'question',
};

function severityLabel(severity: string): HTMLElement {
  const known = (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : 'unspecified';
  return h('span', { class: `severity-label severity-${known}` }, icon(SEVERITY_ICONS[known]), severity);
}

function vulnerabilitiesTab(report: Vulnerabilities): HTMLElement {
  const counts = report.counts;
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'severity-counts', role: 'list', 'aria-label': 'Vulnerabilities by severity' },
      SEVERITIES.map((severity) =>
        h('span', { class: `severity severity-${severity}`, role: 'listitem' }, icon(SEVERITY_ICONS[severity]), h('strong', null, String(counts[severity])), ` ${severity}`),
      ),
    ),
    h(
      'p',
      { class: 'count' },
      counts.total === 0
        ? `No known vulnerabilities in ${report.package_count} packages (${report.platform}).`
        : `${counts.total} vulnerabilities in ${report.vulnerable_package_count} of ${report.package_count} packages; ${report.fixable} have a fix.`,
    ),
    report.top_vulnerabilities.length > 0
      ? h(
          'ul',
          { class: 'list vulnerabilities', 'aria-label': 'Most severe vulnerabilities' },
          report.top_vulnerabilities.map((vulnerability) =>
            h(
              'li',
              { class: 'vulnerability' },
              h('span', { class: 'item-title' }, severityLabel(vulnerability.severity), h('a', { href: vulnerability.url }, vulnerability.id), vulnerability.cvss_score !== null ? h('span', { class: 'muted' }, ` CVSS ${vulnerability.cvss_score}`) : null),
              h(
                'span',
                { class: 'item-meta' },
                h('code', null, `${vulnerability.package} ${vulnerability.installed_version}`),
                vulnerability.fixed_version ? h('span', null, icon('arrow-right'), 'fixed in ', h('code', null, vulnerability.fixed_version)) : h('span', { class: 'muted' }, 'no fix yet'),
              ),
            ),
          ),
        )
      : null,
    report.more > 0 ? h('p', { class: 'hint' }, `${report.more} less severe vulnerabilities are not listed.`) : null,
  );
}

function attestationsTab(result: Attestations): HTMLElement {
  if (result.attested_platforms.length === 0) {
    return emptyState(
      `${result.image} carries no attestations.`,
      h('p', { class: 'hint' }, 'BuildKit stores an SBOM and provenance beside the platforms of an index when the image is built with --sbom and --provenance; single-platform images pushed without an index have none.'),
    );
  }
  return h(
    'div',
    null,
    h('p', null, `Attested platforms: ${result.attested_platforms.join(', ')}.`),
    h(
      'div',
      { class: 'badges' },
      h('span', { class: `badge ${result.sbom ? 'badge-yes' : 'badge-no'}` }, icon(result.sbom ? 'check' : 'close'), 'SBOM'),
      h('span', { class: `badge ${result.provenance ? 'badge-yes' : 'badge-no'}` }, icon(result.provenance ? 'check' : 'close'), 'Provenance'),
    ),
    result.platform ? h('p', { class: 'hint' }, `Statements of ${result.platform}:`) : null,
    h(
      'ul',
      { class: 'list statements' },
      result.statements.map((statement) =>
        h(
          'li',
          { class: 'statement' },
          h('span', { class: 'item-title' }, icon(statement.kind === 'sbom' ? 'list-tree' : statement.kind === 'provenance' ? 'tools' : 'file'), h('strong', null, statement.kind === 'sbom' ? 'SBOM' : statement.kind === 'provenance' ? 'Provenance' : 'Statement')),
          h('span', { class: 'item-meta' }, h('code', null, statement.predicate_type)),
          h(
            'span',
            { class: 'item-meta' },
            statement.format ? h('span', null, statement.format) : null,
            statement.package_count !== undefined ? h('span', null, `${statement.package_count} packages`) : null,
            statement.builder_id ? h('span', null, `builder ${statement.builder_id}`) : null,
            statement.material_count !== undefined ? h('span', null, `${statement.material_count} inputs`) : null,
            statement.finished_on ? h('span', null, 'built ', relativeTime(statement.finished_on)) : null,
            h('span', null, formatBytes(statement.size)),
          ),
          statement.note ? h('span', { class: 'hint' }, statement.note) : null,
        ),
      ),
    ),
  );
}

function notes(list: string[]): HTMLElement | null {
  if (list.length === 0) return null;
  return h('ul', { class: 'notes', 'aria-label': 'Notes' }, list.map((note) => h('li', null, icon('info'), note)));
}
