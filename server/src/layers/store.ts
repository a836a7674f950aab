import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cache } from '../cache/cache';
import { shortDigest } from '../format';
import { CancelledError } from '../net/errors';
import { SingleFlight } from '../net/singleFlight';
import type { Logger } from '../log';
import type { RegistryClient } from '../registry/client';
import { familiarRepository } from '../registry/reference';
import type { Descriptor, ImageReference } from '../registry/types';
import { decodeLayerIndex, encodeLayerIndex } from './encoding';
import { readLayerEntries } from './reader';
import type { LayerIndex } from './types';

/** Layers streamed at once by the whole process: enough to fill a link, few enough to leave room for other calls. */
const MAX_CONCURRENT_READS = 3;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface LayerIndexStoreDeps {
  registry: RegistryClient;
  cache: Cache;
  log: Logger;
  /** DOCKERHUB_MCP_CACHE_DIR: indexes are kept under `layerIndex/` there, beside the cache's other kinds. */
  cacheDir?: string;
}

export interface LayerRead {
  /** Position in the manifest, 0 = bottom layer. */
  index: number;
  digest: string;
  /** Compressed bytes, from the manifest. */
  size: number;
  /** Undefined when the layer was not read (over the call's download budget). */
  files?: LayerIndex;
  source: 'cache' | 'download' | 'not_read';
}

export interface LayersRead {
  layers: LayerRead[];
  /** Compressed bytes this call streamed from the registry (joined reads included). */
  bytesDownloaded: number;
  budgetBytes: number;
}

export interface ReadOptions {
  budgetBytes: number;
  signal: AbortSignal;
  /** Compressed bytes streamed so far of those planned; called as chunks arrive. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/**
 * File indexes of layers, by layer digest: memory (the cache's `layerIndex` kind), then the disk copy, then the
 * registry. A layer is immutable, so its index is kept for good. Identical reads in flight are one download, which
 * stops only when every caller has gone; at most MAX_CONCURRENT_READS layers stream at once.
 */
export class LayerIndexStore {
  /** Bytes read are the progress every caller waiting for the layer hears. */
  private readonly downloads = new SingleFlight<LayerIndex, number>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly deps: LayerIndexStoreDeps) {}

  /** The index of every layer that fits the budget (cached ones are free), bottom first; the rest marked not read. */
  async readLayers(reference: ImageReference, layers: Descriptor[], options: ReadOptions): Promise<LayersRead> {
    const cached = await Promise.all(layers.map((layer) => this.cached(layer.digest)));
    let planned = 0;
    let overBudget = false;
    const plan = layers.map((layer, index): LayerRead & { fetch: boolean } => {
      const files = cached[index];
      if (files) return { index, digest: layer.digest, size: layer.size, files, source: 'cache', fetch: false };
      // The merged tree stays a true prefix of the image: once one layer does not fit, no later one is fetched.
      if (overBudget || planned + layer.size > options.budgetBytes) {
        overBudget = true;
        return { index, digest: layer.digest, size: layer.size, source: 'not_read', fetch: false };
      }
      planned += layer.size;
      return { index, digest: layer.digest, size: layer.size, source: 'download', fetch: true };
    });
    let done = 0;
    const onBytes = (bytes: number) => {
      done += bytes;
      options.onProgress?.(Math.min(done, planned), planned);
    };
    const call = new AbortController();
    const signal = AbortSignal.any([options.signal, call.signal]);
    try {
      await Promise.all(
        plan
          .filter((entry) => entry.fetch)
          .map(async (entry) => {
            entry.files = await this.read(reference, layers[entry.index], signal, onBytes);
          }),
      );
    } catch (err) {
      // One layer failing fails the call: the others stop downloading for it at once.
      call.abort();
      throw options.signal.aborted ? new CancelledError() : err;
    }
    return {
      layers: plan.map(({ fetch: _fetch, ...entry }) => entry),
      bytesDownloaded: done,
      budgetBytes: options.budgetBytes,
    };
  }

  /** The index of one layer from memory or disk, without touching the network. */
  async cached(digest: string): Promise<LayerIndex | undefined> {
    const inMemory = await this.deps.cache.get('layerIndex', digest);
    if (inMemory) {
      const decoded = decodeLayerIndex(inMemory, digest);
      if (decoded) return decoded;
      this.deps.cache.delete('layerIndex', digest);
    }
    const onDisk = await this.readDisk(digest);
    if (!onDisk) return undefined;
    const decoded = decodeLayerIndex(onDisk, digest);
    if (!decoded) {
      this.deps.log.warn('ignored an unreadable layer index file', { digest });
      return undefined;
    }
    await this.deps.cache.set('layerIndex', digest, onDisk);
    return decoded;
  }

  private read(
    reference: ImageReference,
    layer: Descriptor,
    signal: AbortSignal,
    onBytes: (bytes: number) => void,
  ): Promise<LayerIndex> {
    return this.downloads.run(
      layer.digest,
      (shared, progress) => this.download(reference, layer, shared, progress),
      signal,
      onBytes,
    );
  }

  private async download(
    reference: ImageReference,
    layer: Descriptor,
    signal: AbortSignal,
    onBytes: (bytes: number) => void,
  ): Promise<LayerIndex> {
    await this.slot(signal);
    try {
      const what = `layer ${shortDigest(layer.digest)} of ${familiarRepository(reference)}`;
      const blob = await this.deps.registry.openBlobStream(reference, layer, signal);
      const { entries, tarSize } = await readLayerEntries(blob, what, onBytes);
      const index: LayerIndex = { digest: layer.digest, entries, tarSize };
      const encoded = encodeLayerIndex(index);
      await this.deps.cache.set('layerIndex', layer.digest, encoded);
      await this.writeDisk(layer.digest, encoded);
      return index;
    } catch (err) {
      throw signal.aborted ? new CancelledError() : err;
    } finally {
      this.release();
    }
  }

  private slot(signal: AbortSignal): Promise<void> {
    if (this.active < MAX_CONCURRENT_READS) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        signal.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(start), 1);
        reject(new CancelledError());
      };
      this.waiting.push(start);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private diskPath(digest: string): string | undefined {
    if (!this.deps.cacheDir || !DIGEST.test(digest)) return undefined;
    return join(this.deps.cacheDir, 'layerIndex', 'sha256', digest.slice('sha256:'.length));
  }

  private async readDisk(digest: string): Promise<Buffer | undefined> {
    const path = this.diskPath(digest);
    return path ? readFile(path).catch(() => undefined) : undefined;
  }

  private async writeDisk(digest: string, bytes: Buffer): Promise<void> {
    const path = this.diskPath(digest);
    if (!path) return;
    try {
      await mkdir(join(path, '..'), { recursive: true });
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (err) {
      this.deps.log.warn('could not write a layer index to the disk cache', { error: String(err) });
    }
  }
}
