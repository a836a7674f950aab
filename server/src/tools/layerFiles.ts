import { z } from 'zod';
import type { IndexedLayer } from '../analysis/files';
import { imageIdentity } from '../analysis/imageIdentity';
import { formatBytes } from '../format';
import type { LayersRead } from '../layers/store';
import { parseReference } from '../registry/reference';
import type { ResolvedImage } from '../registry/types';
import type { Services } from '../services';
import type { ProgressReporter } from './tool';

/** What the file tools share: the download budget argument, the coverage of their answer, and the reading itself. */
export const budgetArg = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40)
  .optional()
  .describe('Download budget, bytes');

export const coverageSchema = z.object({
  layer_count: z.number(),
  layers_read: z.array(z.number()).describe('Layers (0 = bottom) this answer covers'),
  layers_not_read: z.array(z.number()).describe('Over the download budget: not covered'),
  bytes_downloaded: z.number().describe('Layer bytes streamed for this call; blob downloads count no Docker Hub pull'),
  budget_bytes: z.number(),
});
export type Coverage = z.output<typeof coverageSchema>;

/** Progress is sent at most every 1 % of the planned bytes, so a fast link does not flood the client. */
const PROGRESS_STEP = 0.01;

export interface ImageFiles {
  resolved: ResolvedImage;
  identity: { image: string; digest: string; platform: string };
  layers: IndexedLayer[];
  coverage: Coverage;
}

/** One platform's image and the file index of each of its layers that fits the budget (bottom first). */
export async function readImageFiles(
  services: Services,
  args: { image: string; platform?: string; max_download_bytes?: number },
  signal: AbortSignal,
  progress?: ProgressReporter,
): Promise<ImageFiles> {
  const reference = parseReference(args.image);
  const resolved = await services.registry.getImage(reference, args.platform, signal);
  const read = await services.layers.readLayers(reference, resolved.manifest.layers, {
    budgetBytes: args.max_download_bytes ?? services.config.maxLayerBytes,
    signal,
    onProgress: progress && throttled(progress),
  });
  return { resolved, identity: imageIdentity(resolved), layers: indexedLayers(read), coverage: coverageOf(read) };
}

export function indexedLayers(read: LayersRead): IndexedLayer[] {
  return read.layers.flatMap((layer) => (layer.files ? [{ index: layer.index, entries: layer.files.entries }] : []));
}

export function coverageOf(read: LayersRead): Coverage {
  return {
    layer_count: read.layers.length,
    layers_read: read.layers.filter((layer) => layer.files).map((layer) => layer.index),
    layers_not_read: read.layers.filter((layer) => !layer.files).map((layer) => layer.index),
    bytes_downloaded: read.bytesDownloaded,
    budget_bytes: read.budgetBytes,
  };
}

/** One sentence on what the answer covers and what it cost. */
export function coveragePhrase(coverage: Coverage): string {
  const cost =
    coverage.bytes_downloaded > 0
      ? `downloaded ${formatBytes(coverage.bytes_downloaded)} of layers (blob downloads count no Docker Hub pull)`
      : 'no layer downloaded (file indexes from the cache)';
  if (coverage.layers_not_read.length === 0) return `Covers all ${coverage.layer_count} layers; ${cost}.`;
  return (
    `Covers layers ${coverage.layers_read.join(', ') || 'none'} of ${coverage.layer_count}; NOT read (over the ` +
    `${formatBytes(coverage.budget_bytes)} budget, raise max_download_bytes): ${coverage.layers_not_read.join(', ')}; ${cost}.`
  );
}

/** Progress at most every 1 % of the planned bytes; `offset` continues a count a previous read started. */
export function throttled(progress: ProgressReporter, offset = 0): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    if (done < total && last >= 0 && done - last < total * PROGRESS_STEP) return;
    last = done;
    progress(offset + done, offset + total, `${formatBytes(offset + done)} of ${formatBytes(offset + total)} of layers read`);
  };
}
