import type { Descriptor, ImageConfig } from '../registry/types';
import { compressedSize, pairLayers } from './layers';

/** What a comparison needs of one image: its manifest's layers and its config. */
export interface ImageFacts {
  layers: Descriptor[];
  config: ImageConfig;
}

export interface UniqueLayer {
  /** Position in its own image's manifest, from 0. */
  index: number;
  digest: string;
  size: number;
  /** The instruction that made it, when history could be paired. */
  instruction?: string;
}

export interface ConfigDifference {
  /** `os`, `architecture`, `variant`, `user`, `workdir`, `entrypoint`, `cmd`, `exposed_ports`, `volumes`, `env`, `labels`. */
  field: string;
  /** The variable or label name, for `env` and `labels`. */
  key?: string;
  /** The value in each image; null where it is not set. Lists are JSON (`["nginx", "-g"]`) or space-separated ports. */
  a: string | null;
  b: string | null;
}

export interface ImageComparison {
  sizeA: number;
  sizeB: number;
  /** sizeB − sizeA, compressed bytes. */
  sizeDelta: number;
  /** Distinct layer digests present in both images, and their compressed size. */
  sharedLayers: { count: number; size: number };
  /** How many bottom layers are identical in both, position by position: a common base shows here. */
  commonPrefix: number;
  onlyInA: UniqueLayer[];
  onlyInB: UniqueLayer[];
  configDifferences: ConfigDifference[];
}

export function compareImages(a: ImageFacts, b: ImageFacts): ImageComparison {
  const digestsA = new Set(a.layers.map((layer) => layer.digest));
  const digestsB = new Set(b.layers.map((layer) => layer.digest));
  let sharedCount = 0;
  let sharedSize = 0;
  for (const layer of distinct(a.layers)) {
    if (!digestsB.has(layer.digest)) continue;
    sharedCount++;
    sharedSize += layer.size;
  }
  const sizeA = compressedSize(a.layers);
  const sizeB = compressedSize(b.layers);
  return {
    sizeA,
    sizeB,
    sizeDelta: sizeB - sizeA,
    sharedLayers: { count: sharedCount, size: sharedSize },
    commonPrefix: commonPrefixLength(
      a.layers.map((layer) => layer.digest),
      b.layers.map((layer) => layer.digest),
    ),
    onlyInA: uniqueLayers(a, digestsB),
    onlyInB: uniqueLayers(b, digestsA),
    configDifferences: configDifferences(a.config, b.config),
  };
}

export function commonPrefixLength(a: string[], b: string[]): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}

function distinct(layers: Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return layers.filter((layer) => !seen.has(layer.digest) && seen.add(layer.digest));
}

function uniqueLayers(image: ImageFacts, otherDigests: Set<string>): UniqueLayer[] {
  const seen = new Set<string>();
  return pairLayers(image.layers, image.config).layers.flatMap((layer) => {
    if (otherDigests.has(layer.digest) || seen.has(layer.digest)) return [];
    seen.add(layer.digest);
    const unique: UniqueLayer = { index: layer.index, digest: layer.digest, size: layer.size };
    if (layer.instruction?.text) unique.instruction = layer.instruction.text;
    return [unique];
  });
}

export function configDifferences(a: ImageConfig, b: ImageConfig): ConfigDifference[] {
  const differences: ConfigDifference[] = [];
  const compare = (field: string, valueA: string | null, valueB: string | null, key?: string) => {
    if (valueA !== valueB) differences.push(key === undefined ? { field, a: valueA, b: valueB } : { field, key, a: valueA, b: valueB });
  };
  compare('os', a.os ?? null, b.os ?? null);
  compare('architecture', a.architecture ?? null, b.architecture ?? null);
  compare('variant', a.variant ?? null, b.variant ?? null);
  compare('user', nonEmpty(a.config?.User), nonEmpty(b.config?.User));
  compare('workdir', nonEmpty(a.config?.WorkingDir), nonEmpty(b.config?.WorkingDir));
  compare('entrypoint', jsonOrNull(a.config?.Entrypoint), jsonOrNull(b.config?.Entrypoint));
  compare('cmd', jsonOrNull(a.config?.Cmd), jsonOrNull(b.config?.Cmd));
  compare('exposed_ports', keysOrNull(a.config?.ExposedPorts), keysOrNull(b.config?.ExposedPorts));
  compare('volumes', keysOrNull(a.config?.Volumes), keysOrNull(b.config?.Volumes));
  compareMaps('env', envMap(a.config?.Env), envMap(b.config?.Env), compare);
  compareMaps('labels', new Map(Object.entries(a.config?.Labels ?? {})), new Map(Object.entries(b.config?.Labels ?? {})), compare);
  return differences;
}

function compareMaps(
  field: string,
  mapA: Map<string, string>,
  mapB: Map<string, string>,
  compare: (field: string, a: string | null, b: string | null, key: string) => void,
): void {
  const keys = [...new Set([...mapA.keys(), ...mapB.keys()])].sort();
  for (const key of keys) compare(field, mapA.get(key) ?? null, mapB.get(key) ?? null, key);
}

function envMap(env: string[] | undefined): Map<string, string> {
  return new Map(
    (env ?? []).map((entry) => {
      const equals = entry.indexOf('=');
      return equals < 0 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
    }),
  );
}

function nonEmpty(value: string | undefined): string | null {
  return value ? value : null;
}

function jsonOrNull(list: string[] | null | undefined): string | null {
  return list && list.length > 0 ? JSON.stringify(list) : null;
}

function keysOrNull(record: Record<string, object> | undefined): string | null {
  const keys = Object.keys(record ?? {}).sort();
  return keys.length > 0 ? keys.join(' ') : null;
}
