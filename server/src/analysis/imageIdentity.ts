import { platformString } from '../registry/platform';
import type { PlatformManifest } from '../registry/types';

/** The facts that name one platform's image in every analysis result, and how old its tag look-up is. */
export function imageIdentity(image: PlatformManifest): { image: string; digest: string; platform: string; resolved_at?: string } {
  return {
    image: image.reference.familiar,
    digest: image.digest,
    platform: platformString(image.platform),
    ...(image.resolvedAt ? { resolved_at: image.resolvedAt } : {}),
  };
}

/** `linux/amd64`, with how it was chosen when the caller did not choose it (CONTRACT.md: say which was picked). */
export function platformPhrase(image: PlatformManifest): string {
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
