// Two tags or images side by side: the layers they share, the layers only one has, the size difference, what their
// configs set differently and, when asked, the packages and vulnerabilities that changed.
import type { RouteOf } from '../state';
import { formatBytes, shortDigest, type Comparison } from '../../../server/src/contract';
import { button, emptyState, fill, h, icon, section, show, type ViewContext } from '../ui';

export function compareView(route: RouteOf<'compare'>, context: ViewContext): HTMLElement {
  const imageA = field('compare-a', 'First image (before)', route.imageA, 'e.g. app:1.0');
  const imageB = field('compare-b', 'Second image (after)', route.imageB, 'e.g. app:2.0 or ghcr.io/owner/app:2');
  const platform = field('compare-platform', 'Platform (optional)', route.platform, 'linux/amd64 when present');
  const packagesInput = h('input', { type: 'checkbox', id: 'compare-packages', checked: route.packages === true });
  const packages = h('label', { class: 'checkbox', for: 'compare-packages' }, packagesInput, 'Packages and vulnerabilities (reads both SBOMs)');
  const result = h('div', { class: 'comparison', id: 'comparison' });

  const compare = () => {
    const a = imageA.input.value.trim();
    const b = imageB.input.value.trim();
    const withPackages = packagesInput.checked;
    context.nav.update('compare', { imageA: a, imageB: b, platform: platform.input.value.trim(), packages: withPackages });
    if (!a || !b) {
      show(result, emptyState('Name two images to compare, e.g. app:1.0 and app:2.0, or two repositories such as base:1 and app:latest.'));
      (a ? imageB : imageA).input.focus();
      return;
    }
    fill(
      result,
      context,
      `Comparing ${a} with ${b}…`,
      () =>
        context.host.callTool('docker_compare_images', {
          image_a: a,
          image_b: b,
          platform: platform.input.value.trim() || undefined,
          ...(withPackages ? { packages: true } : {}),
        }),
      ({ structured }) => {
        context.announce(`Compared: ${structured.shared_layers.count} shared layers`);
        return comparison(structured);
      },
    );
  };

  // No <form>: VS Code's webview sandbox has no allow-forms, so a form submission is blocked before any handler
  // runs. Enter in a field and the button call compare() themselves.
  for (const { input } of [imageA, imageB, platform]) {
    input.addEventListener('keydown', (event: KeyboardEvent) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      compare();
    });
  }
  const form = h(
    'div',
    { class: 'compare-form', role: 'group', 'aria-label': 'Images to compare' },
    imageA.label,
    button({
      label: 'Swap the two images',
      icon: 'arrow-swap',
      iconOnly: true,
      onClick: () => {
        [imageA.input.value, imageB.input.value] = [imageB.input.value, imageA.input.value];
      },
    }),
    imageB.label,
    platform.label,
    packages,
    button({ label: 'Compare', icon: 'diff', onClick: compare, attributes: { class: 'button compare-button' } }),
  );

  if (route.imageA && route.imageB) compare();
  else show(result, emptyState('Name two images to compare: tags of one repository, or images from any registries.'));
  return h('div', { class: 'view view-compare' }, h('h2', { class: 'view-title', tabindex: '-1' }, icon('diff'), 'Compare images'), form, result);
}

function field(id: string, text: string, value: string, placeholder: string): { label: HTMLLabelElement; input: HTMLInputElement } {
  const input = h('input', { type: 'text', class: 'input', id, value, placeholder, spellcheck: 'false', autocomplete: 'off' });
  return { input, label: h('label', { class: 'field', for: id }, h('span', null, text), input) };
}

function comparison(result: Comparison): HTMLElement {
  if (result.identical) {
    return emptyState(`${result.a.image} and ${result.b.image} are the very same image (${shortDigest(result.a.digest)}).`);
  }
  const delta = result.compressed_size_delta;
  const deltaText = delta === 0 ? 'the same size' : `${formatBytes(Math.abs(delta))} ${delta > 0 ? 'larger' : 'smaller'}`;
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'sides' },
      side('A', result.a),
      side('B', result.b),
    ),
    h(
      'p',
      { class: `size-delta ${delta > 0 ? 'grew' : delta < 0 ? 'shrank' : ''}` },
      icon(delta > 0 ? 'arrow-up' : delta < 0 ? 'arrow-down' : 'dash'),
      `B is ${deltaText} than A (${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${formatBytes(Math.abs(delta))} compressed).`,
    ),
    section(
      'Shared layers',
      h(
        'p',
        { class: 'shared' },
        `${result.shared_layers.count} ${result.shared_layers.count === 1 ? 'layer' : 'layers'} (${formatBytes(result.shared_layers.size)}) in both`,
        result.common_prefix > 0 ? `; the bottom ${result.common_prefix} identical in both, a common base.` : '; no common base.',
      ),
    ),
    uniqueSection(`Only in A (${result.a.image})`, result.only_in_a),
    uniqueSection(`Only in B (${result.b.image})`, result.only_in_b),
    result.packages ? packageSection(result.packages) : null,
    result.vulnerabilities ? vulnerabilitySection(result.vulnerabilities) : null,
    section(
      'Config differences',
      result.config_differences.length === 0
        ? h('p', { class: 'muted' }, 'The configs set the same values.')
        : h(
            'table',
            { class: 'differences' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col' }, 'A'), h('th', { scope: 'col' }, 'B'))),
            h(
              'tbody',
              null,
              result.config_differences.map((difference) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, difference.key ? `${difference.field} ${difference.key}` : difference.field),
                  h('td', null, difference.a === null ? h('span', { class: 'muted' }, 'not set') : h('code', null, difference.a)),
                  h('td', null, difference.b === null ? h('span', { class: 'muted' }, 'not set') : h('code', null, difference.b)),
                ),
              ),
            ),
          ),
      result.config_differences_total > result.config_differences.length
        ? h('p', { class: 'hint' }, `${result.config_differences_total - result.config_differences.length} more differences are not listed.`)
        : null,
    ),
    result.notes.length > 0 ? h('ul', { class: 'notes' }, result.notes.map((note) => h('li', null, icon('info'), note))) : null,
  );
}

function side(name: string, facts: Comparison['a']): HTMLElement {
  return h(
    'div',
    { class: 'side', 'data-side': name },
    h('span', { class: 'side-name' }, name),
    h('strong', { class: 'side-image' }, facts.image),
    h('span', { class: 'muted' }, facts.platform),
    h('span', null, `${facts.layer_count} ${facts.layer_count === 1 ? 'layer' : 'layers'}, ${formatBytes(facts.compressed_size)} compressed`),
    h('span', { class: 'digest muted', title: facts.digest }, shortDigest(facts.digest)),
  );
}

function uniqueSection(title: string, unique: Comparison['only_in_a']): HTMLElement {
  return section(
    title,
    h('p', { class: 'count' }, unique.count === 0 ? 'None.' : `${unique.count} ${unique.count === 1 ? 'layer' : 'layers'}, ${formatBytes(unique.size)}`),
    unique.layers.length > 0
      ? h(
          'ol',
          { class: 'layers compact' },
          unique.layers.map((layer) =>
            h(
              'li',
              { class: 'layer' },
              h('div', { class: 'layer-line' }, h('span', { class: 'layer-index' }, `#${layer.index}`), h('span', { class: 'layer-size' }, formatBytes(layer.size)), h('span', { class: 'digest muted', title: layer.digest }, shortDigest(layer.digest))),
              h('code', { class: 'instruction' }, layer.instruction ?? 'instruction not recorded'),
            ),
          ),
        )
      : null,
    unique.count > unique.layers.length ? h('p', { class: 'hint' }, `${unique.count - unique.layers.length} more not listed.`) : null,
  );
}

function packageSection(packages: NonNullable<Comparison['packages']>): HTMLElement {
  const counts =
    `${packages.added_count} added, ${packages.removed_count} removed, ${packages.changed_count} changed, ${packages.unchanged_count} unchanged ` +
    `(A has ${packages.package_count_a}, B has ${packages.package_count_b}).`;
  const rows = [
    ...packages.changed.map((item) => ({ name: item.name, change: 'changed', a: item.version_a, b: item.version_b })),
    ...packages.added.map((item) => ({ name: item.name, change: 'added', a: null, b: item.version })),
    ...packages.removed.map((item) => ({ name: item.name, change: 'removed', a: item.version, b: null })),
  ];
  const listed = packages.changed.length + packages.added.length + packages.removed.length;
  const total = packages.changed_count + packages.added_count + packages.removed_count;
  return section(
    'Package changes',
    h('p', { class: 'count' }, counts),
    rows.length > 0
      ? h(
          'table',
          { class: 'differences package-changes' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Package'), h('th', { scope: 'col' }, 'A'), h('th', { scope: 'col' }, 'B'))),
          h(
            'tbody',
            null,
            rows.map((row) =>
              h(
                'tr',
                { 'data-change': row.change },
                h('th', { scope: 'row' }, row.name),
                h('td', null, row.a === null ? h('span', { class: 'muted' }, row.change === 'added' ? 'not there' : '?') : h('code', null, row.a)),
                h('td', null, row.b === null ? h('span', { class: 'muted' }, row.change === 'removed' ? 'not there' : '?') : h('code', null, row.b)),
              ),
            ),
          ),
        )
      : null,
    total > listed ? h('p', { class: 'hint' }, `${total - listed} more changes are not listed.`) : null,
  );
}

function vulnerabilitySection(vulnerabilities: NonNullable<Comparison['vulnerabilities']>): HTMLElement {
  const list = (title: string, entries: NonNullable<Comparison['vulnerabilities']>['fixed'], count: number) =>
    h(
      'div',
      { class: 'vulnerability-change', 'aria-label': title },
      h('h4', null, `${title}: ${count}`),
      entries.length > 0
        ? h(
            'ul',
            { class: 'vulnerability-changes' },
            entries.map((entry) =>
              h(
                'li',
                null,
                h('span', { class: `severity-label severity-${entry.severity.toLowerCase()}` }, entry.severity),
                ' ',
                h('code', null, entry.id),
                ` in ${entry.package} ${entry.version}${entry.fixed_version ? `, fixed in ${entry.fixed_version}` : ''}`,
              ),
            ),
          )
        : null,
      count > entries.length ? h('p', { class: 'hint' }, `${count - entries.length} more not listed.`) : null,
    );
  return section(
    'Vulnerability changes',
    list('Fixed in B', vulnerabilities.fixed, vulnerabilities.fixed_count),
    list('Introduced in B', vulnerabilities.introduced, vulnerabilities.introduced_count),
    h('p', { class: 'muted' }, `${vulnerabilities.unchanged_count} unchanged.`),
  );
}
