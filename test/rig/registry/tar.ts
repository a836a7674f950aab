import { createHash } from 'node:crypto';

export interface FileEntry {
  path: string;
  content: string | Buffer;
  mode?: number;
}

const BLOCK = 512;
// A fixed mtime keeps layer digests identical from run to run.
const MTIME = Date.UTC(2024, 0, 1) / 1000;

function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

function ustarHeader(name: string, size: number, mode: number, typeflag: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar path longer than 100 bytes: ${name}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, MTIME);
  header.fill(' ', 148, 156);
  header.write(typeflag, 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  header.write('root', 265, 32, 'ascii');
  header.write('root', 297, 32, 'ascii');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(checksum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return header;
}

/** A ustar archive holding the files and every parent directory they need, as a layer's diff. */
export function tarArchive(files: FileEntry[]): Buffer {
  const parts: Buffer[] = [];
  const directories = new Set<string>();
  for (const file of files) {
    const segments = file.path.replace(/^\/+/, '').split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const directory = segments.slice(0, depth).join('/') + '/';
      if (directories.has(directory)) continue;
      directories.add(directory);
      parts.push(ustarHeader(directory, 0, 0o755, '5'));
    }
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    parts.push(ustarHeader(segments.join('/'), content.length, file.mode ?? 0o644, '0'));
    parts.push(content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** Deterministic incompressible bytes, so layers have realistic compressed sizes. */
export function pseudoRandomBytes(seed: string, length: number): Buffer {
  const chunks: Buffer[] = [];
  for (let counter = 0; chunks.length * 32 < length; counter++) {
    chunks.push(createHash('sha256').update(`${seed}:${counter}`).digest());
  }
  return Buffer.concat(chunks).subarray(0, length);
}
