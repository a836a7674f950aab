import { gunzipSync, gzipSync } from 'node:zlib';
import type { LayerEntry, LayerEntryType, LayerIndex } from './types';

const MAGIC = 'dhm-layer-index/1';
const TYPE_LETTERS: Record<LayerEntryType, string> = {
  file: 'f',
  dir: 'd',
  symlink: 'l',
  hardlink: 'h',
  other: 'o',
  whiteout: 'w',
  opaque: 'q',
};
const LETTER_TYPES = new Map(Object.entries(TYPE_LETTERS).map(([type, letter]) => [letter, type as LayerEntryType]));

/**
 * A layer index as a few dozen bytes a file: one NUL-separated record per entry (`type mode uid gid size`, path,
 * link; tar paths cannot hold NUL), gzipped, which folds the long shared path prefixes away.
 */
export function encodeLayerIndex(index: LayerIndex): Buffer {
  const parts = [`${MAGIC} ${index.digest} ${index.tarSize} ${index.entries.length}`];
  for (const entry of index.entries) {
    parts.push(
      `${TYPE_LETTERS[entry.type]} ${entry.mode.toString(8)} ${entry.uid} ${entry.gid} ${entry.size}`,
      entry.path,
      entry.link ?? '',
    );
  }
  return gzipSync(Buffer.from(parts.join('\0'), 'utf8'), { level: 6 });
}

/** The index again, or undefined when the bytes are not an index of `digest` (corrupt file, other format). */
export function decodeLayerIndex(bytes: Buffer, digest: string): LayerIndex | undefined {
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch {
    return undefined;
  }
  const fields = text.split('\0');
  const [magic, storedDigest, tarSize, count] = fields[0].split(' ');
  if (magic !== MAGIC || storedDigest !== digest || fields.length !== 1 + Number(count) * 3) return undefined;
  const entries: LayerEntry[] = [];
  for (let at = 1; at < fields.length; at += 3) {
    const [letter, mode, uid, gid, size] = fields[at].split(' ');
    const type = LETTER_TYPES.get(letter);
    if (!type) return undefined;
    const entry: LayerEntry = { path: fields[at + 1], type, size: Number(size), mode: parseInt(mode, 8), uid: Number(uid), gid: Number(gid) };
    if (fields[at + 2]) entry.link = fields[at + 2];
    entries.push(entry);
  }
  return { digest, entries, tarSize: Number(tarSize) };
}
