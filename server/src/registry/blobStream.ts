import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { DockerMcpError } from '../errors';

/**
 * Passes a blob through while hashing it: fails with UPSTREAM_ERROR as soon as more than `size` bytes arrive, and at
 * the end when the bytes do not hash to `digest`. Readers act on bytes before the check ends; they must treat an
 * error at the end as a failure of everything they read (the layer index is kept only after a clean end).
 */
export function verifyingDigest(digest: string, size: number, what: string): Transform {
  const [algorithm, expected] = digest.split(':');
  const hash = algorithm === 'sha256' || algorithm === 'sha512' ? createHash(algorithm) : undefined;
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > size) {
        done(new DockerMcpError('UPSTREAM_ERROR', `the registry sent more than the ${size} bytes of ${what}; refused.`));
        return;
      }
      hash?.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (received !== size || (hash && hash.digest('hex') !== expected)) {
        done(
          new DockerMcpError(
            'UPSTREAM_ERROR',
            `the registry sent content for ${what} that does not match its digest (${received} of ${size} bytes); refused.`,
          ),
        );
        return;
      }
      done();
    },
  });
}
