// Kept apart from reference.ts so the reference grammar stays free of node:crypto: the webview bundles it.
import { createHash } from 'node:crypto';
import { DIGEST_HEX_LENGTH } from './reference';

/** Compares a digest with the bytes it names (sha256, sha384, sha512). */
export function digestMatches(digest: string, bytes: Buffer): boolean {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  if (!(algorithm in DIGEST_HEX_LENGTH)) return false;
  return createHash(algorithm).update(bytes).digest('hex') === digest.slice(colon + 1);
}
