import picomatch from 'picomatch';
import type { LayerEntry } from '../layers/types';

/** A layer's entries with its position in the manifest (0 = bottom). */
export interface IndexedLayer {
  index: number;
  entries: LayerEntry[];
}

export type FileType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One path of a merged filesystem. Directories that no tar header named (implied by a deeper path) have no entry. */
export interface FileNode {
  name: string;
  type: FileType;
  /** The layer that last wrote this path. */
  layer: number;
  entry?: LayerEntry;
  children?: Map<string, FileNode>;
  /** Memoised by `totals`: file bytes and files beneath a directory. */
  totals?: { size: number; files: number };
}

export type ChangeKind = 'added' | 'changed' | 'deleted';

export interface PathChange {
  path: string;
  layer: number;
  change: ChangeKind;
  type: FileType;
  /** Bytes of the file written, or of the file deleted (a deleted directory: bytes beneath it). */
  size: number;
}

export interface MergeOptions {
  /** OCI opaque directories (`.wh..wh..opq`) hide lower contents; dive ignores them, so its measures turn this off. */
  opaque?: boolean;
  /** Hears every path a layer adds, changes or deletes, in layer order. */
  onChange?: (change: PathChange) => void;
  /** Called before each layer is applied, with the tree of the layers below it. */
  beforeLayer?: (layer: IndexedLayer, root: FileNode) => void;
}

export function emptyRoot(): FileNode {
  return { name: '', type: 'dir', layer: 0, children: new Map() };
}

/**
 * Applies layers bottom first as the OCI image spec says: whiteouts and opaque markers act on the layers below,
 * then the layer's own entries are written; a file replacing a directory removes what was beneath it.
 */
export function mergeLayers(layers: IndexedLayer[], options: MergeOptions = {}): FileNode {
  const root = emptyRoot();
  const opaque = options.opaque ?? true;
  const report = options.onChange;
  for (const layer of layers) {
    options.beforeLayer?.(layer, root);
    for (const entry of layer.entries) {
      if (entry.type === 'opaque' && opaque) {
        const directory = lookup(root, entry.path);
        if (directory?.children) {
          for (const [name, child] of directory.children) reportRemoved(child, join(entry.path, name), layer.index, report);
          directory.children.clear();
          invalidate(root, entry.path);
        }
      } else if (entry.type === 'whiteout') {
        removePath(root, entry.path, layer.index, report);
      }
    }
    for (const entry of layer.entries) {
      if (entry.type !== 'opaque' && entry.type !== 'whiteout') write(root, entry, layer.index, report);
    }
  }
  return root;
}

function write(root: FileNode, entry: LayerEntry, layer: number, report: MergeOptions['onChange']): void {
  const segments = entry.path.split('/');
  let parent = root;
  parent.totals = undefined;
  for (let depth = 0; depth < segments.length - 1; depth++) {
    let next = parent.children!.get(segments[depth]);
    if (!next || !next.children) {
      if (next) reportRemoved(next, segments.slice(0, depth + 1).join('/'), layer, report);
      next = { name: segments[depth], type: 'dir', layer, children: new Map() };
      parent.children!.set(segments[depth], next);
    }
    next.totals = undefined;
    parent = next;
  }
  const name = segments[segments.length - 1];
  const existing = parent.children!.get(name);
  const type = entry.type as FileType;
  if (existing && existing.children && type === 'dir') {
    // A directory named again (every layer repeats /usr, /etc…): new metadata, same contents, not a change.
    existing.entry = entry;
    existing.layer = layer;
    return;
  }
  if (existing?.children) {
    for (const [childName, child] of existing.children) reportRemoved(child, join(entry.path, childName), layer, report);
  }
  const node: FileNode = { name, type, layer, entry };
  if (type === 'dir') node.children = new Map();
  parent.children!.set(name, node);
  report?.({ path: entry.path, layer, change: existing ? 'changed' : 'added', type, size: entry.size });
}

function removePath(root: FileNode, path: string, layer: number, report: MergeOptions['onChange']): void {
  const slash = path.lastIndexOf('/');
  const parent = slash < 0 ? root : lookup(root, path.slice(0, slash));
  const name = path.slice(slash + 1);
  const node = parent?.children?.get(name);
  if (!parent || !node) return;
  reportRemoved(node, path, layer, report);
  parent.children!.delete(name);
  invalidate(root, path);
}

function reportRemoved(node: FileNode, path: string, layer: number, report: MergeOptions['onChange']): void {
  if (!report) return;
  report({ path, layer, change: 'deleted', type: node.type, size: node.children ? totals(node).size : (node.entry?.size ?? 0) });
  for (const [name, child] of node.children ?? []) reportRemoved(child, `${path}/${name}`, layer, report);
}

/** Forgets memoised totals along a path whose contents changed. */
function invalidate(root: FileNode, path: string): void {
  let node: FileNode | undefined = root;
  root.totals = undefined;
  for (const segment of path.split('/')) {
    node = node?.children?.get(segment);
    if (node) node.totals = undefined;
  }
}

export function lookup(root: FileNode, path: string): FileNode | undefined {
  if (path === '') return root;
  let node: FileNode | undefined = root;
  for (const segment of path.split('/')) {
    node = node?.children?.get(segment);
    if (!node) return undefined;
  }
  return node;
}

/** File bytes and regular files beneath a directory (a file: itself). Hard links count no bytes, as `du` does. */
export function totals(node: FileNode): { size: number; files: number } {
  if (!node.children) return { size: node.type === 'file' ? (node.entry?.size ?? 0) : 0, files: node.type === 'file' ? 1 : 0 };
  if (node.totals) return node.totals;
  let size = 0;
  let files = 0;
  for (const child of node.children.values()) {
    const sub = totals(child);
    size += sub.size;
    files += sub.files;
  }
  node.totals = { size, files };
  return node.totals;
}

/** Every path of a merged tree, depth first in name order. */
export function* walk(node: FileNode, path = ''): Generator<{ path: string; node: FileNode }> {
  if (!node.children) return;
  for (const name of [...node.children.keys()].sort()) {
    const child = node.children.get(name)!;
    const childPath = join(path, name);
    yield { path: childPath, node: child };
    yield* walk(child, childPath);
  }
}

function join(parent: string, name: string): string {
  return parent ? `${parent}/${name}` : name;
}

/** `*`, `?`, `[…]`, `**`; a pattern without `/` matches a name at any depth, as in .gitignore; `/` alone, everything. */
export function globMatcher(pattern: string): (path: string) => boolean {
  const trimmed = pattern.replace(/^\/+/, '').replace(/\/+$/, '') || '**';
  return picomatch(trimmed, { dot: true, basename: !trimmed.includes('/') });
}

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** Path argument as given (`/usr/lib/`, `usr/lib`) → tree path (`usr/lib`). */
export function treePath(path: string): string {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.').join('/');
}

/** The file-level difference of two merged trees, bottom first by path. */
export function diffTrees(before: FileNode, after: FileNode): PathChange[] {
  const changes: PathChange[] = [];
  const visit = (a: FileNode | undefined, b: FileNode | undefined, path: string) => {
    const names = new Set([...(a?.children?.keys() ?? []), ...(b?.children?.keys() ?? [])]);
    for (const name of [...names].sort()) {
      const left = a?.children?.get(name);
      const right = b?.children?.get(name);
      const childPath = join(path, name);
      if (left && !right) {
        changes.push({ path: childPath, layer: left.layer, change: 'deleted', type: left.type, size: totals(left).size });
      } else if (!left && right) {
        changes.push({ path: childPath, layer: right.layer, change: 'added', type: right.type, size: totals(right).size });
      } else if (left && right) {
        if (left.children && right.children) visit(left, right, childPath);
        else if (differs(left, right)) {
          changes.push({ path: childPath, layer: right.layer, change: 'changed', type: right.type, size: totals(right).size });
        }
      }
    }
  };
  visit(before, after, '');
  return changes;
}

function differs(a: FileNode, b: FileNode): boolean {
  if (a.type !== b.type) return true;
  const x = a.entry;
  const y = b.entry;
  return x?.size !== y?.size || x?.mode !== y?.mode || x?.link !== y?.link || x?.uid !== y?.uid || x?.gid !== y?.gid;
}
