import { platformString } from '../registry/platform';
import type { ResolvedImage } from '../registry/types';

/**
 * The facts that name one platform's image in every result: `digest` is the platform manifest that was read,
 * `pin_digest` what to pin (the index of a multi-platform tag, which keeps every platform; pinning the platform
 * manifest in a FROM line makes a single-platform base).
 */
export function imageIdentity(image: ResolvedImage): { image: string; digest: string; pin_digest: string; platform: string } {
  return { image: image.reference.familiar, digest: image.digest, pin_digest: pinDigest(image), platform: platformString(image.platform) };
}

export function pinDigest(image: ResolvedImage): string {
  return image.indexDigest ?? image.digest;
}

/**
 * The digests of a result in words a reader cannot mix up: `pin sha256:… (the index, all platforms); read
 * linux/amd64's manifest sha256:…`, or just the digest of a single-platform image.
 */
export function digestsPhrase(result: { digest: string; pin_digest: string; platform: string }): string {
  if (result.pin_digest === result.digest) return result.digest;
  return `pin ${result.pin_digest} (the index: all platforms); read ${result.platform} manifest ${result.digest}`;
}

/** `linux/amd64`, with how it was chosen when the caller did not choose it (CONTRACT.md: say which was picked). */
export function platformPhrase(image: ResolvedImage): string {
  const platform = platformString(image.platform);
  const count = image.availablePlatforms.length;
  switch (image.platformChoice) {
    case 'default':
      return `${platform} (default; ${count} platforms: ${image.availablePlatforms.join(', ')})`;
    case 'first':
      return `${platform} (first of ${count} platforms, no linux/amd64: ${image.availablePlatforms.join(', ')})`;
    default:
      return platform;
  }
}

/** An instruction on one line, cut to `max` characters, for tables and summaries. */
export function oneLineInstruction(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
