import { lookup, mergeLayers, totals, type FileNode, type IndexedLayer } from './files';

export interface PathCopy {
  layer: number;
  /** The copy's bytes; a whiteout: 0 for a file, the bytes beneath for a directory. */
  size: number;
  whiteout: boolean;
}

export interface WastedPath {
  path: string;
  /** Every copy summed, the surviving one included (dive's "cumulative size"). */
  wastedBytes: number;
  copies: PathCopy[];
}

export interface Efficiency {
  /** Σ smallest copy of each path / Σ all copies; 1 when nothing was counted. */
  score: number;
  wastedBytes: number;
  /** Bytes in the layers that the final filesystem does not show (overwritten, deleted, hidden): what a rebuild saves. */
  removableBytes: number;
  /** File bytes of every layer's tar, summed. */
  layerFileBytes: number;
  /** File bytes of the merged filesystem. */
  imageFileBytes: number;
  /** Paths appearing in more than one layer, largest wasted first. */
  wasted: WastedPath[];
}

interface PathData {
  cumulative: number;
  minimum: number;
  copies: PathCopy[];
}

/**
 * dive's measures (filetree/efficiency.go), computed the same way so its users can compare: every leaf path of each
 * layer's own tree is a copy (opaque markers are ignored, as dive ignores them); a whiteout counts 0 for a file and
 * the bytes beneath a directory in the layers below; a path seen in more than one layer wastes all its copies.
 */
export function efficiency(layers: IndexedLayer[]): Efficiency {
  const byPath = new Map<string, PathData>();
  mergeLayers(layers, {
    opaque: false,
    beforeLayer(layer, below) {
      for (const entry of leaves(layer)) {
        const size = entry.type === 'whiteout' ? whiteoutSize(below, entry.path) : entry.size;
        let data = byPath.get(entry.path);
        if (!data) byPath.set(entry.path, (data = { cumulative: 0, minimum: size, copies: [] }));
        data.cumulative += size;
        data.minimum = Math.min(data.minimum, size);
        data.copies.push({ layer: layer.index, size, whiteout: entry.type === 'whiteout' });
      }
    },
  });
  let minimumSum = 0;
  let cumulativeSum = 0;
  let wastedBytes = 0;
  const wasted: WastedPath[] = [];
  for (const [path, data] of byPath) {
    minimumSum += data.minimum;
    cumulativeSum += data.cumulative;
    if (data.copies.length > 1) {
      wastedBytes += data.cumulative;
      if (data.cumulative > 0) wasted.push({ path, wastedBytes: data.cumulative, copies: data.copies });
    }
  }
  wasted.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));
  const layerFileBytes = layers.reduce(
    (sum, layer) => sum + layer.entries.reduce((bytes, entry) => bytes + (entry.type === 'file' ? entry.size : 0), 0),
    0,
  );
  const imageFileBytes = totals(mergeLayers(layers)).size;
  return {
    score: cumulativeSum === 0 ? 1 : minimumSum / cumulativeSum,
    wastedBytes,
    removableBytes: layerFileBytes - imageFileBytes,
    layerFileBytes,
    imageFileBytes,
    wasted,
  };
}

/** The entries of one layer that are leaves of that layer's own tree, as dive visits them. */
function leaves(layer: IndexedLayer) {
  const ancestors = new Set<string>();
  for (const entry of layer.entries) {
    const segments = entry.path.split('/');
    for (let depth = 1; depth < segments.length; depth++) ancestors.add(segments.slice(0, depth).join('/'));
  }
  const seen = new Set<string>();
  return layer.entries.filter((entry) => {
    if (entry.type === 'opaque' || ancestors.has(entry.path) || seen.has(entry.path)) return false;
    seen.add(entry.path);
    return true;
  });
}

function whiteoutSize(below: FileNode, path: string): number {
  const node = lookup(below, path);
  return node?.children ? totals(node).size : 0;
}
