// The Files tab of the platform view: the image's merged filesystem (or one layer's entries) as a tree that reads a
// directory only when it is opened, dive's efficiency figure above it, and the paths dive counts as wasted marked.
import { formatBytes, type Efficiency, type ImageFileList } from '../../../server/src/contract';
import type { RouteOf } from '../state';
import { fill, h, icon, type ViewContext } from '../ui';

/** The most entries one directory shows; the server pages past it, and the tree says how many are left out. */
const ENTRIES_LISTED = 1000;
const WASTED_PATHS = 100;

type FileEntry = ImageFileList['entries'][number];

interface TreeNode {
  name: string;
  path: string;
  type: FileEntry['type'];
  size: number;
  files?: number;
  layer: number;
  link?: string;
}

interface Listing {
  children: TreeNode[];
  leftOut: number;
}

/** Lists one directory; `path` is '' for the root. */
type DirectoryReader = (path: string) => Promise<Listing>;

export function filesTab(panel: HTMLElement, context: ViewContext): void {
  const route = context.nav.route as RouteOf<'platform'>;
  const target = { image: route.image, platform: route.platform || undefined };
  // Efficiency reads every layer's index once; the directory listings after it are answered from the server's cache.
  // The bar shows the layer bytes streamed so far; leaving the tab cancels the download.
  fill(
    panel,
    context,
    'Reading the file index of each layer from the registry (no pull is counted)…',
    ({ signal, progress }) => context.host.callTool('docker_analyze_efficiency', { ...target, limit: WASTED_PATHS }, { signal, onProgress: progress }),
    ({ structured }) => filesView(structured, target, context),
  );
}

function filesView(measured: Efficiency, target: { image: string; platform?: string }, context: ViewContext): HTMLElement {
  const wasted = wastedPaths(measured);
  const treeSlot = h('div', { class: 'files-tree-slot' });
  const layerCount = measured.coverage.layer_count;
  const filter = h(
    'select',
    { class: 'files-layer', 'aria-label': 'Show files of', on: { change: () => showTree(Number(filter.value)) } },
    h('option', { value: '-1' }, 'All layers (merged)'),
    Array.from({ length: layerCount }, (_, index) =>
      h('option', { value: String(index), disabled: measured.coverage.layers_not_read.includes(index) }, `Layer ${index} only`),
    ),
  );

  const showTree = (layer: number) => {
    const reader = layer < 0 ? mergedReader(target, context) : layerReader(target, layer, context);
    fill(
      treeSlot,
      context,
      'Listing the top directory…',
      () => reader(''),
      (root) => fileTree(root, reader, wasted, layer < 0 ? `Files of ${measured.image}` : `Files layer ${layer} adds or changes`, context),
    );
  };
  showTree(-1);

  const notRead = measured.coverage.layers_not_read;
  return h(
    'div',
    { class: 'files' },
    efficiencyFigure(measured),
    notRead.length > 0
      ? h('p', { class: 'hint' }, `Layers ${notRead.join(', ')} are over the download budget and not read: the figures and the tree leave them out.`)
      : null,
    h('label', { class: 'files-filter' }, h('span', null, 'Show'), filter),
    treeSlot,
  );
}

function efficiencyFigure(measured: Efficiency): HTMLElement {
  const percent = `${(measured.efficiency * 100).toFixed(1)} %`;
  return h(
    'div',
    { class: 'facts files-efficiency' },
    h('div', { class: 'fact' }, h('span', { class: 'fact-name', title: "dive's score: the smallest copy of each path over all copies" }, 'Efficiency'), h('span', { class: 'fact-value efficiency-score' }, percent)),
    h('div', { class: 'fact' }, h('span', { class: 'fact-name', title: 'Every copy of each path found in more than one layer, as dive counts it' }, 'Wasted'), h('span', { class: 'fact-value wasted-bytes' }, formatBytes(measured.wasted_bytes))),
    h('div', { class: 'fact' }, h('span', { class: 'fact-name', title: 'Layer bytes the final filesystem does not show' }, 'A rebuild saves'), h('span', { class: 'fact-value removable-bytes' }, formatBytes(measured.removable_bytes))),
    h(
      'p',
      { class: 'hint' },
      measured.coverage.bytes_downloaded === 0
        ? 'Read from the cached file index of each layer: nothing downloaded.'
        : `${formatBytes(measured.coverage.bytes_downloaded)} of layers downloaded for this; blob downloads count no Docker Hub pull.`,
    ),
  );
}

/** Each wasted path, and every directory above one, with the bytes dive counts wasted beneath it. */
function wastedPaths(measured: Efficiency): Map<string, number> {
  const wasted = new Map<string, number>();
  for (const entry of measured.top_wasted) {
    const parts = entry.path.replace(/^\/+/, '').split('/');
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = parts.slice(0, depth).join('/');
      wasted.set(path, (wasted.get(path) ?? 0) + entry.wasted_bytes);
    }
  }
  return wasted;
}

function mergedReader(target: { image: string; platform?: string }, context: ViewContext): DirectoryReader {
  return async (path) => {
    const { structured } = await context.host.callTool('docker_list_image_files', { ...target, path: `/${path}`, limit: ENTRIES_LISTED });
    return {
      children: structured.entries.map((entry) => nodeOf(entry)),
      leftOut: structured.total - structured.entries.length,
    };
  };
}

// One layer's entries come back as a flat list of everything under the path: the tree is built from it here, once,
// with each directory's size summed from the files beneath it.
function layerReader(target: { image: string; platform?: string }, layer: number, context: ViewContext): DirectoryReader {
  let built: Promise<{ directories: Map<string, TreeNode[]>; leftOut: number }> | undefined;
  const build = async () => {
    const { structured } = await context.host.callTool('docker_list_image_files', { ...target, layer, path: '/', limit: ENTRIES_LISTED });
    return { directories: layerTree(structured.entries, layer), leftOut: structured.total - structured.entries.length };
  };
  return async (path) => {
    built ??= build();
    const { directories, leftOut } = await built;
    return { children: directories.get(path) ?? [], leftOut: path === '' ? leftOut : 0 };
  };
}

function layerTree(entries: FileEntry[], layer: number): Map<string, TreeNode[]> {
  const nodes = new Map<string, TreeNode>();
  const directories = new Map<string, TreeNode[]>([['', []]]);
  const ensure = (path: string): TreeNode => {
    const existing = nodes.get(path);
    if (existing) return existing;
    const slash = path.lastIndexOf('/');
    const node: TreeNode = { name: path.slice(slash + 1), path, type: 'dir', size: 0, files: 0, layer };
    nodes.set(path, node);
    directories.set(path, []);
    const parent = slash < 0 ? '' : path.slice(0, slash);
    if (parent !== '') ensure(parent);
    directories.get(parent)!.push(node);
    return node;
  };
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+|\/+$/g, '');
    if (entry.type === 'dir' || entry.type === 'opaque') {
      const node = ensure(path);
      if (entry.type === 'opaque') node.type = 'opaque';
      continue;
    }
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    if (parent !== '') ensure(parent);
    directories.get(parent)!.push({ ...nodeOf(entry), path });
    for (let above = parent; above !== ''; above = above.includes('/') ? above.slice(0, above.lastIndexOf('/')) : '') {
      const directory = nodes.get(above)!;
      directory.size += entry.size;
      directory.files! += 1;
    }
  }
  for (const children of directories.values()) children.sort((a, b) => a.name.localeCompare(b.name));
  return directories;
}

function nodeOf(entry: FileEntry): TreeNode {
  const path = entry.path.replace(/^\/+/, '');
  return { name: path.slice(path.lastIndexOf('/') + 1), path, type: entry.type, size: entry.size, files: entry.files, layer: entry.layer, link: entry.link };
}

const TYPE_ICONS: Record<FileEntry['type'], string> = {
  dir: 'folder',
  opaque: 'folder',
  file: 'file',
  symlink: 'file-symlink-file',
  hardlink: 'file-symlink-file',
  other: 'file-binary',
  whiteout: 'trash',
};

function fileTree(root: Listing, read: DirectoryReader, wasted: Map<string, number>, label: string, context: ViewContext): HTMLElement {
  if (root.children.length === 0) return h('p', { class: 'muted' }, 'No files.');
  const tree = h('ul', { class: 'file-tree', role: 'tree', 'aria-label': label }, treeItems(root, 0, read, wasted, context));
  tree.addEventListener('keydown', (event: KeyboardEvent) => treeKeys(tree, event));
  tree.querySelector<HTMLElement>('.file-row')?.setAttribute('tabindex', '0');
  return tree;
}

function treeItems(listing: Listing, depth: number, read: DirectoryReader, wasted: Map<string, number>, context: ViewContext): HTMLElement[] {
  const items = listing.children.map((node) => treeItem(node, depth, read, wasted, context));
  if (listing.children.length === 0 && listing.leftOut === 0) items.push(h('li', { class: 'file-note muted', role: 'none' }, indent(depth), 'Empty.'));
  if (listing.leftOut > 0) items.push(h('li', { class: 'file-note hint', role: 'none' }, indent(depth), `${listing.leftOut} more entries are not listed.`));
  return items;
}

function indent(depth: number): HTMLElement {
  const space = h('span', { class: 'file-indent' });
  // Set through the CSSOM: the page's CSP allows no inline style attributes.
  space.style.width = `${depth * 8}px`;
  return space;
}

function treeItem(node: TreeNode, depth: number, read: DirectoryReader, wasted: Map<string, number>, context: ViewContext): HTMLElement {
  const isDirectory = node.type === 'dir' || node.type === 'opaque';
  const wastedBytes = wasted.get(node.path);
  const sizeText = node.type === 'whiteout' ? 'deleted' : formatBytes(node.size);
  const twistie = icon(isDirectory ? 'chevron-right' : 'blank', 'twistie');
  const row = h(
    'div',
    {
      class: `file-row${wastedBytes ? ' wasted' : ''}`,
      tabindex: '-1',
      'data-path': node.path,
      title: [
        `/${node.path}${node.link ? ` → ${node.link}` : ''}`,
        isDirectory ? `${formatBytes(node.size)} in ${node.files ?? 0} files` : formatBytes(node.size),
        node.type === 'opaque' ? `hides what the layers below put here` : '',
        `last written by layer ${node.layer}`,
        wastedBytes ? `${formatBytes(wastedBytes)} wasted: copies in more than one layer` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    },
    indent(depth),
    twistie,
    icon(TYPE_ICONS[node.type], 'file-icon'),
    h('span', { class: 'file-name' }, node.name, node.link ? h('span', { class: 'muted' }, ` → ${node.link}`) : null),
    wastedBytes ? h('span', { class: 'file-wasted', role: 'img', 'aria-label': `${formatBytes(wastedBytes)} wasted` }, icon('warning')) : null,
    h('span', { class: 'file-size' }, sizeText),
  );
  const item = h('li', { class: 'file-item', role: 'treeitem' }, row);
  if (!isDirectory) return item;

  item.setAttribute('aria-expanded', 'false');
  const group = h('ul', { class: 'file-group', role: 'group' });
  let loaded = false;
  const toggle = () => {
    const open = item.getAttribute('aria-expanded') !== 'true';
    item.setAttribute('aria-expanded', String(open));
    twistie.className = `codicon codicon-${open ? 'chevron-down' : 'chevron-right'} twistie`;
    if (!open) {
      group.remove();
      return;
    }
    item.append(group);
    if (loaded) return;
    loaded = true;
    fill(group, context, `Listing /${node.path}…`, () => read(node.path), (listing) => treeItems(listing, depth + 1, read, wasted, context));
  };
  row.addEventListener('click', toggle);
  row.addEventListener('keydown', (event: KeyboardEvent) => {
    const open = item.getAttribute('aria-expanded') === 'true';
    if (event.key === 'Enter' || event.key === ' ' || (event.key === 'ArrowRight' && !open) || (event.key === 'ArrowLeft' && open)) {
      toggle();
      event.preventDefault();
    }
  });
  return item;
}

/** Up/Down/Home/End move between the visible rows, as in VS Code's explorer. */
function treeKeys(tree: HTMLElement, event: KeyboardEvent): void {
  if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
  const rows = Array.from(tree.querySelectorAll<HTMLElement>('.file-row'));
  const index = rows.indexOf(document.activeElement as HTMLElement);
  if (index < 0) return;
  const next = event.key === 'Home' ? 0 : event.key === 'End' ? rows.length - 1 : event.key === 'ArrowDown' ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
  rows[index].tabIndex = -1;
  rows[next].tabIndex = 0;
  rows[next].focus();
  event.preventDefault();
}
