import type { Descriptor } from '../registry/types';

export interface PullEstimate {
  /** Layers the manifest lists, repeats included. */
  layerCount: number;
  /** Distinct layer digests: a layer listed twice is downloaded once. */
  distinctLayers: number;
  /** Distinct layers already held, and their compressed size. */
  held: { count: number; size: number };
  /** Distinct layers still to download, and their compressed size. */
  download: { count: number; size: number };
  /** The layers to download, bottom first. */
  layersToDownload: Array<{ index: number; digest: string; size: number }>;
}

/** What pulling these layers costs when the layers in `heldDigests` are already local. */
export function estimatePull(layers: Descriptor[], heldDigests: Iterable<string>): PullEstimate {
  const held = new Set(heldDigests);
  const seen = new Set<string>();
  const estimate: PullEstimate = {
    layerCount: layers.length,
    distinctLayers: 0,
    held: { count: 0, size: 0 },
    download: { count: 0, size: 0 },
    layersToDownload: [],
  };
  layers.forEach((layer, index) => {
    if (seen.has(layer.digest)) return;
    seen.add(layer.digest);
    estimate.distinctLayers++;
    const bucket = held.has(layer.digest) ? estimate.held : estimate.download;
    bucket.count++;
    bucket.size += layer.size;
    if (!held.has(layer.digest)) estimate.layersToDownload.push({ index, digest: layer.digest, size: layer.size });
  });
  return estimate;
}
