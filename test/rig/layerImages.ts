import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { MediaTypes, blobOf, sha256Digest, type BuiltImage, type BuiltLayer, type ImageConfig } from './registry/imageBuilder';
import { pseudoRandomBytes } from './registry/tar';

/*
 * Images with real layer contents for the file tools: tar written by tar-stream (PAX headers for long names,
 * symbolic and hard links, whiteouts, opaque directories), compressed with gzip (node:zlib) or zstd (the Debian
 * `zstd` binary). Each layer also says what it holds, so a test can compute the expected tree and dive's measures
 * on its own from the same description.
 */

export type LayerFile =
  | { path: string; type: 'file'; content: Buffer; mode?: number }
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'hardlink'; target: string }
  /** `.wh.<name>` in the parent directory: deletes `path` from the layers below. */
  | { path: string; type: 'whiteout' }
  /** `.wh..wh..opq` inside `path`: hides the directory's contents from the layers below. */
  | { path: string; type: 'opaque' };

export interface LayerSpec {
  compression: 'gzip' | 'zstd';
  files: LayerFile[];
  createdBy: string;
}

export interface BuiltLayerImage {
  built: BuiltImage;
  layers: LayerSpec[];
}

const MTIME = new Date(Date.UTC(2024, 0, 1));
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

function tarName(file: LayerFile): string {
  if (file.type === 'whiteout') {
    const slash = file.path.lastIndexOf('/');
    return `${file.path.slice(0, slash + 1)}.wh.${file.path.slice(slash + 1)}`;
  }
  if (file.type === 'opaque') return `${file.path}/.wh..wh..opq`;
  return file.type === 'dir' ? `${file.path}/` : file.path;
}

/** The tar stream of a layer; `zeroFile` adds a file of that many zero bytes, written a megabyte at a time. */
export async function layerTar(files: LayerFile[], zeroFile?: { path: string; size: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeTar(files, zeroFile, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

async function writeTar(files: LayerFile[], zeroFile: { path: string; size: number } | undefined, sink: (chunk: Buffer) => void) {
  const pack = tar.pack();
  const done = (async () => {
    for await (const chunk of pack) sink(chunk as Buffer);
  })();
  const base = { mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  for (const file of files) {
    const name = tarName(file);
    if (file.type === 'file') pack.entry({ ...base, name, type: 'file', mode: file.mode ?? 0o644 }, file.content);
    else if (file.type === 'dir') pack.entry({ ...base, name, type: 'directory', mode: file.mode ?? 0o755 });
    else if (file.type === 'symlink') pack.entry({ ...base, name, type: 'symlink', linkname: file.target, mode: 0o777 });
    else if (file.type === 'hardlink') pack.entry({ ...base, name, type: 'link', linkname: file.target, mode: 0o644 });
    else pack.entry({ ...base, name, type: 'file', mode: 0o644, size: 0 }, Buffer.alloc(0));
  }
  if (zeroFile) {
    const body = pack.entry({ ...base, name: zeroFile.path, type: 'file', mode: 0o644, size: zeroFile.size });
    for (let written = 0; written < zeroFile.size; written += ZERO_CHUNK.length) {
      const piece = ZERO_CHUNK.subarray(0, Math.min(ZERO_CHUNK.length, zeroFile.size - written));
      if (!body.write(piece)) await new Promise<void>((resolve) => body.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => body.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
}

/** A gzip layer holding one large zero-filled file, compressed as the tar is written: the tar is never held whole. */
async function zeroLayer(files: LayerFile[], zeroFile: { path: string; size: number }, createdBy: string): Promise<BuiltLayer> {
  const gzip = createGzip();
  const tarHash = createHash('sha256');
  const compressed: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  await writeTar(files, zeroFile, (chunk) => {
    tarHash.update(chunk);
    gzip.write(chunk);
  });
  gzip.end();
  await ended;
  return { ...blobOf(Buffer.concat(compressed), MediaTypes.ociLayer), diffId: `sha256:${tarHash.digest('hex')}`, createdBy };
}

export function zstdCompress(bytes: Buffer): Buffer {
  const run = spawnSync('zstd', ['-q', '-c', '-3'], { input: bytes, maxBuffer: 1024 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`zstd failed (${run.status}): ${run.stderr?.toString()} — apt-get install -y zstd`);
  return run.stdout;
}

export async function buildLayer(spec: LayerSpec): Promise<BuiltLayer> {
  const tarBytes = await layerTar(spec.files);
  const compressed = spec.compression === 'gzip' ? gzipSync(tarBytes) : zstdCompress(tarBytes);
  const mediaType = spec.compression === 'gzip' ? MediaTypes.ociLayer : 'application/vnd.oci.image.layer.v1.tar+zstd';
  return { ...blobOf(compressed, mediaType), diffId: sha256Digest(tarBytes), createdBy: spec.createdBy };
}

/** An OCI image (linux/amd64) of the given layers, as pushed by a BuildKit build. */
export function imageOf(layers: BuiltLayer[]): BuiltImage {
  const created = '2024-06-01T00:00:00Z';
  const configJson: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((layer) => ({ created, created_by: layer.createdBy, comment: 'buildkit.dockerfile.v0' })),
  };
  const config = blobOf(Buffer.from(JSON.stringify(configJson)), MediaTypes.ociConfig);
  const descriptor = (blob: { mediaType: string; digest: string; size: number }) => ({
    mediaType: blob.mediaType,
    digest: blob.digest,
    size: blob.size,
  });
  const manifest = blobOf(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: descriptor(config), layers: layers.map(descriptor) }),
    ),
    MediaTypes.ociManifest,
  );
  return { platform: { os: 'linux', architecture: 'amd64' }, manifest, config, configJson, layers };
}

const file = (path: string, size: number, seed = path): LayerFile => ({ path, type: 'file', content: pseudoRandomBytes(seed, size) });

/** A path longer than ustar's 100 bytes: only a PAX header can carry it. */
export const LONG_PATH = `usr/share/${'long-directory-name-'.repeat(6)}x/${'long-file-name-'.repeat(8)}end.txt`;

/**
 * `library/layered:1`: three layers (gzip, zstd, gzip) with overwritten files, file and directory whiteouts, an
 * opaque directory, symbolic and hard links and a PAX long name.
 */
export const LAYERED_SPECS: LayerSpec[] = [
  {
    compression: 'gzip',
    createdBy: 'ADD rootfs.tar /',
    files: [
      { path: 'etc', type: 'dir' },
      file('etc/os-release', 40),
      file('etc/app.conf', 1000, 'conf-v1'),
      { path: 'bin', type: 'dir' },
      { ...file('bin/tool', 20_000), mode: 0o755 } as LayerFile,
      { path: 'bin/tool-link', type: 'symlink', target: 'tool' },
      { path: 'bin/tool-hard', type: 'hardlink', target: 'bin/tool' },
      { path: 'var', type: 'dir' },
      { path: 'var/cache', type: 'dir' },
      file('var/cache/a.bin', 3000),
      { path: 'var/cache/sub', type: 'dir' },
      file('var/cache/sub/b.bin', 5000),
      { path: 'opt', type: 'dir' },
      { path: 'opt/data', type: 'dir' },
      file('opt/data/old1', 700),
      file('opt/data/old2', 800),
      file(LONG_PATH, 123),
    ],
  },
  {
    compression: 'zstd',
    createdBy: 'RUN apt-get install tool && rm -rf /var/cache',
    files: [
      { path: 'etc', type: 'dir' },
      file('etc/app.conf', 1500, 'conf-v2'),
      { path: 'var/cache', type: 'whiteout' },
      { path: 'bin/tool-link', type: 'whiteout' },
      { path: 'opt/data', type: 'dir' },
      { path: 'opt/data', type: 'opaque' },
      file('opt/data/new1', 900),
      { path: 'tmp', type: 'dir' },
      file('tmp/build.log', 2000),
    ],
  },
  {
    compression: 'gzip',
    createdBy: 'COPY app.conf /etc/app.conf',
    files: [{ path: 'tmp/build.log', type: 'whiteout' }, file('etc/app.conf', 1200, 'conf-v3'), file('srv/app.bin', 4096)],
  },
];

export async function buildLayered(): Promise<BuiltLayerImage> {
  const layers = await Promise.all(LAYERED_SPECS.map((spec) => buildLayer(spec)));
  return { built: imageOf(layers), layers: LAYERED_SPECS };
}

export const LARGE_FILE = { path: 'data/zeros.bin', size: 256 * 1024 * 1024 };

/**
 * `library/large:1`: one small layer and one of 256 MiB of zeros (streams fast, compresses to ~256 KB): larger than
 * the garbage V8 lets pile up before it collects, so a reader that held the layer would show.
 */
export async function buildLarge(): Promise<BuiltImage> {
  const small = await buildLayer({ compression: 'gzip', createdBy: 'ADD small /', files: [file('etc/motd', 100)] });
  const large = await zeroLayer([{ path: 'data', type: 'dir' }], LARGE_FILE, 'RUN make-zeros');
  return imageOf([small, large]);
}

/** `library/slow:1`: one layer of incompressible bytes, for cancelling a transfer the rig proxy slows down. */
export async function buildIncompressible(megabytes: number): Promise<BuiltImage> {
  return imageOf([await buildLayer({ compression: 'gzip', createdBy: 'ADD blob /', files: [file('blob.bin', megabytes * 1024 * 1024)] })]);
}

/** A gzip layer cut short, and one with its deflate bytes flipped: each pushed with the digest of what it is. */
export async function buildBrokenGzip(): Promise<{ truncated: BuiltImage; corrupt: BuiltImage }> {
  const good = gzipSync(await layerTar([file('etc/broken', 50_000)]));
  const brokenLayer = (bytes: Buffer, createdBy: string): BuiltLayer => ({
    ...blobOf(bytes, MediaTypes.ociLayer),
    diffId: `sha256:${createHash('sha256').update(createdBy).digest('hex')}`,
    createdBy,
  });
  const corruptBytes = Buffer.from(good);
  for (let at = 40; at < 140; at++) corruptBytes[at] ^= 0x5a;
  return {
    truncated: imageOf([brokenLayer(good.subarray(0, Math.floor(good.length / 2)), 'ADD truncated /')]),
    corrupt: imageOf([brokenLayer(corruptBytes, 'ADD corrupt /')]),
  };
}
