// One tag (or digest): what it points at, its platforms, and the `docker pull` lines for it.
import type { RouteOf } from '../state';
import { describeImage, formatBytes, pinnedReference, shortDigest, type Manifest, type TagDetails } from '../../../server/src/contract';
import {
  arrowNavigation,
  button,
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

interface TagFacts {
  manifest: Manifest;
  /** Docker Hub's view of the tag (sizes, dates), when the image is on Docker Hub and has a tag. */
  hub?: TagDetails;
}

export function tagView(route: RouteOf<'tag'>, context: ViewContext): HTMLElement {
  const body = h('div');
  fill(body, context, `Reading ${route.image}…`, () => loadTag(route.image, context), (facts) => tagBody(facts, route, context));
  const repository = describeImage(route.image)?.repository ?? route.image;
  return h(
    'div',
    { class: 'view view-tag' },
    h('h2', { class: 'view-title', tabindex: '-1' }, icon('tag'), route.image),
    h(
      'div',
      { class: 'actions' },
      button({
        label: 'Repository',
        icon: 'repo',
        secondary: true,
        title: `Open ${repository}: its details and other tags`,
        onClick: () => context.nav.go({ view: 'repository', repository: repository, tagFilter: '', tagCursors: [], readmeOpen: false }),
      }),
      button({
        label: 'Compare…',
        icon: 'diff',
        secondary: true,
        title: `Compare ${route.image} with another tag or image`,
        onClick: () => context.nav.go({ view: 'compare', imageA: route.image, imageB: '', platform: '' }),
      }),
    ),
    body,
  );
}

async function loadTag(image: string, context: ViewContext): Promise<TagFacts> {
  const described = describeImage(image);
  const hubDetails =
    described?.onDockerHub && described.reference.digest === undefined
      ? context.host.callTool('docker_get_tag_details', { image }).then(
          ({ structured }) => structured,
          // Hub's tag metadata only adds sizes and dates; the registry's manifest is what the view needs.
          () => undefined,
        )
      : Promise.resolve(undefined);
  const [manifest, hub] = await Promise.all([context.host.callTool('docker_get_manifest', { image }), hubDetails]);
  return { manifest: manifest.structured, hub };
}

function tagBody({ manifest, hub }: TagFacts, route: RouteOf<'tag'>, context: ViewContext): HTMLElement {
  const byDigest = pinnedReference(route.image, manifest.digest);
  const summary = h(
    'div',
    { class: 'facts' },
    fact('Digest', h('span', { class: 'digest', title: manifest.digest }, shortDigest(manifest.digest)), copyButton(context, manifest.digest, 'digest')),
    fact('Kind', manifest.kind === 'index' ? 'Multi-platform index' : 'Single-platform image', h('span', { class: 'muted' }, ` (${manifest.media_type})`)),
    hub?.tag_last_pushed ? fact('Pushed', relativeTime(hub.tag_last_pushed)) : null,
    hub?.tag_last_pulled ? fact('Pulled', relativeTime(hub.tag_last_pulled)) : null,
  );
  const commands = section(
    'Pull',
    describeImage(route.image)?.reference.digest === undefined ? commandLine(context, `docker pull ${route.image}`, 'pull command') : null,
    commandLine(context, `docker pull ${byDigest}`, 'pull command by digest'),
  );
  return h('div', null, summary, commands, manifest.kind === 'index' ? platformsSection(manifest, hub, route, context) : singleImage(manifest, route, context));
}

function fact(name: string, ...value: Array<Node | string | null>): HTMLElement {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-name' }, name), h('span', { class: 'fact-value' }, ...value));
}

function platformsSection(manifest: Manifest, hub: TagDetails | undefined, route: RouteOf<'tag'>, context: ViewContext): HTMLElement {
  const platforms = manifest.platforms ?? [];
  if (platforms.length === 0) return section('Platforms', emptyState('This index lists no platform images.'));
  const attested = new Set(manifest.attestations ?? []);
  const list = h(
    'ul',
    { class: 'list', 'aria-label': 'Platforms' },
    platforms.map((entry) => {
      const hubImage = hub?.images.find((image) => image.platform === entry.platform);
      return h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'list-item',
            'data-platform': entry.platform,
            on: { click: () => context.nav.go({ view: 'platform', image: route.image, platform: entry.platform, tab: 'layers', largestFirst: false }) },
          },
          h('span', { class: 'item-title' }, icon('vm'), h('span', { class: 'item-name' }, entry.platform), attested.has(entry.platform) ? h('span', { class: 'badge badge-attested', title: 'Has SBOM / provenance attestations' }, icon('shield'), 'attested') : null),
          h(
            'span',
            { class: 'item-meta' },
            h('span', { class: 'digest', title: entry.digest }, shortDigest(entry.digest)),
            hubImage?.size ? h('span', { title: 'Compressed size' }, icon('database'), formatBytes(hubImage.size)) : null,
            hubImage?.last_pushed ? h('span', null, 'pushed ', relativeTime(hubImage.last_pushed)) : null,
          ),
        ),
      );
    }),
  );
  arrowNavigation(list, '.list-item');
  const attestations = manifest.attestations?.length ?? 0;
  return section(
    'Platforms',
    h('p', { class: 'count' }, `${platforms.length} ${platforms.length === 1 ? 'platform' : 'platforms'}${attestations ? `, ${attestations} attestation ${attestations === 1 ? 'manifest' : 'manifests'}` : ''}. Pick one for its layers, config and Dockerfile.`),
    list,
  );
}

function singleImage(manifest: Manifest, route: RouteOf<'tag'>, context: ViewContext): HTMLElement {
  return section(
    'Image',
    h('p', null, `One image, no index: ${manifest.layers?.length ?? 0} layers, ${formatBytes(manifest.compressed_size)} compressed.`),
    button({
      label: 'Layers, config and Dockerfile',
      icon: 'layers',
      onClick: () => context.nav.go({ view: 'platform', image: route.image, platform: '', tab: 'layers', largestFirst: false }),
    }),
  );
}
