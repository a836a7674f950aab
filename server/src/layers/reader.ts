import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { createGunzip } from 'node:zlib';
import type tar from 'tar-stream';
import { DockerMcpError, oneLine } from '../errors';
import type { LayerEntry, LayerEntryType } from './types';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export interface TarHeaderSummary {
  entries: LayerEntry[];
  tarSize: number;
}

/**
 * Reads a layer blob (tar, tar+gzip or tar+zstd) and returns its tar headers. Bodies are skipped as they pass;
 * nothing is written anywhere and memory stays bounded by the stream buffers, whatever the layer's size. `what`
 * names the layer in errors; `onBytes` hears of each compressed chunk as it arrives (progress).
 */
export async function readLayerEntries(
  blob: Readable,
  what: string,
  onBytes: (compressedBytes: number) => void = () => undefined,
): Promise<TarHeaderSummary> {
  const entries: LayerEntry[] = [];
  let tarSize = 0;
  // Loaded by the first layer read, not at start: most sessions never list a layer's files.
  const { extract: tarExtract } = (await import('tar-stream')).default;
  const extract = tarExtract();
  // When another stage fails, pipeline destroys the parser with that error; tar-stream passes it on to the parser
  // and the entry being read, after pipeline stopped listening, which would crash the process without these.
  extract.on('error', () => undefined);
  extract.on('entry', (header, body, next) => {
    const entry = entryOf(header);
    if (entry) entries.push(entry);
    body.on('error', () => undefined);
    body.on('end', () => next());
    body.resume();
  });
  const arriving = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tarSize += chunk.length;
      done(null, chunk);
    },
  });
  try {
    const first = await peek(blob);
    await pipeline(blob, arriving, decompressorFor(first), counted, extract);
  } catch (err) {
    throw layerError(err, what);
  }
  return { entries, tarSize };
}

/** The first chunk of a stream, put back so the reader still sees every byte. */
function peek(stream: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', reject);
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      cleanup();
      stream.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}

/** gzip and zstd are told apart by their magic bytes, as containerd does; anything else is read as plain tar. */
function decompressorFor(first: Buffer | undefined): Transform | typeof zstdDecoded {
  if (first && startsWith(first, GZIP_MAGIC)) return createGunzip();
  if (first && startsWith(first, ZSTD_MAGIC)) return nativeZstd ? nativeZstd() : zstdDecoded;
  return new PassThrough();
}

/** Node 22.15+ decodes zstd itself (faster, and its buffers are reused); Node 20, the product's floor, does not. */
const nativeZstd = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;

/**
 * zstd has no decoder in Node 20 and fzstd's is synchronous; zero-filled files compress ~10,000:1, so input is fed
 * in pieces whose size adapts to keep each burst of output near a megabyte, and output is yielded (pulled by the
 * tar parser) rather than pushed, so a whole layer never sits in a buffer.
 */
async function* zstdDecoded(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const MAX_PIECE = 64 * 1024;
  const TARGET_BURST = 1024 * 1024;
  let piece = MAX_PIECE;
  let produced: Uint8Array[] = [];
  const { Decompress } = await import('fzstd');
  const decoder = new Decompress((data) => {
    produced.push(data);
  });
  const drain = function* (): Generator<Buffer, number> {
    let burst = 0;
    const ready = produced;
    produced = [];
    for (const data of ready) {
      burst += data.length;
      yield Buffer.from(data.buffer, data.byteOffset, data.length);
    }
    return burst;
  };
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.length; ) {
      const end = Math.min(chunk.length, offset + piece);
      decoder.push(chunk.subarray(offset, end));
      offset = end;
      const burst = yield* drain();
      if (burst > TARGET_BURST) piece = Math.max(64, piece >> 2);
      else if (burst < TARGET_BURST / 4) piece = Math.min(MAX_PIECE, piece << 1);
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* drain();
}

function startsWith(chunk: Buffer, magic: Buffer): boolean {
  return chunk.length >= magic.length && chunk.subarray(0, magic.length).equals(magic);
}

type TarHeader = Partial<tar.Header> & { name: string };

/** One tar header as what it does to the merged filesystem; tar's own bookkeeping entries give nothing. */
export function entryOf(header: TarHeader): LayerEntry | undefined {
  const path = normalisePath(header.name);
  if (path === '') return undefined;
  const slash = path.lastIndexOf('/');
  const parent = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  const owner = { mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0 };
  if (base === OPAQUE_MARKER) return { path: parent, type: 'opaque', size: 0, ...owner };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const deleted = base.slice(WHITEOUT_PREFIX.length);
    return { path: parent ? `${parent}/${deleted}` : deleted, type: 'whiteout', size: 0, ...owner };
  }
  const type = typeOf(header.type);
  if (!type) return undefined;
  const entry: LayerEntry = { path, type, size: type === 'file' ? (header.size ?? 0) : 0, ...owner };
  if ((type === 'symlink' || type === 'hardlink') && header.linkname) {
    entry.link = type === 'hardlink' ? normalisePath(header.linkname) : header.linkname;
  }
  return entry;
}

function typeOf(type: TarHeader['type']): LayerEntryType | undefined {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return 'other';
    default:
      return undefined;
  }
}

/** `./usr/bin/`, `/usr/bin`, `usr//bin` → `usr/bin`; `.` and `..` segments resolved within the layer's root. */
export function normalisePath(name: string): string {
  const segments: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments.join('/');
}

function layerError(err: unknown, what: string): DockerMcpError {
  if (err instanceof DockerMcpError) return err;
  const code = (err as { code?: string })?.code ?? '';
  if (code === 'ABORT_ERR' || (err as { name?: string })?.name === 'AbortError') {
    return new DockerMcpError('UPSTREAM_ERROR', 'the request was cancelled.', { cause: err });
  }
  const reason = oneLine(err instanceof Error ? err.message : String(err), 100);
  const kind = code.startsWith('Z_') ? 'could not be decompressed' : 'is not a readable tar archive';
  return new DockerMcpError(
    'UPSTREAM_ERROR',
    `${what} ${kind} (${reason}): the blob in the registry is corrupt or truncated; ask its publisher to push it again.`,
    { cause: err },
  );
}
