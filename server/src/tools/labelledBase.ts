import { baseFromLabels, BASE_DIGEST_LABEL, BASE_NAME_LABEL } from '../analysis/baseImage';
import { nonPublicAddressOf } from '../net/destinations';
import { isDigest, parseReference, referenceProblem } from '../registry/reference';
import type { ImageReference, ResolvedImage } from '../registry/types';
import type { Services } from '../services';
import { quoted } from '../untrusted';

export interface LabelledBaseReference {
  /** The name as recorded (valid or not). */
  name?: string;
  /** The recorded digest, only when it is a digest. */
  digest?: string;
  /** The name as a reference the server may read; undefined when the name is not one or names a refused place. */
  reference?: ImageReference;
}

/**
 * The base an image's labels name, as a destination the server may read (see checkedBase); undefined without labels.
 */
export async function labelledBaseReference(
  resolved: ResolvedImage,
  services: Services,
  notes: string[],
): Promise<LabelledBaseReference | undefined> {
  const labelled = baseFromLabels(resolved.config);
  if (!labelled) return undefined;
  return checkedBase(labelled, { name: `${BASE_NAME_LABEL} label`, digest: `${BASE_DIGEST_LABEL} label` }, resolved, services, notes);
}

/**
 * A base that an image's own content names (its labels, its provenance), as a destination the server may read.
 * Whoever published the image wrote it, so it chooses nothing by itself: the digest must be a digest, the name a
 * reference, and its registry the image's own, one the user configured, or one on a public address — never
 * loopback, private or link-local. Each refusal is a note; nothing refused is contacted.
 */
export async function checkedBase(
  recorded: { name?: string; digest?: string },
  where: { name: string; digest: string },
  resolved: ResolvedImage,
  services: Services,
  notes: string[],
): Promise<LabelledBaseReference> {
  const found: LabelledBaseReference = {};
  if (recorded.digest !== undefined) {
    if (isDigest(recorded.digest)) found.digest = recorded.digest;
    else notes.push(`The ${where.digest} ${quoted(recorded.digest, 200)} is not a digest; it was ignored.`);
  }
  if (recorded.name === undefined) return found;
  found.name = recorded.name;
  if (referenceProblem(recorded.name)) {
    notes.push(`The ${where.name} ${quoted(recorded.name, 200)} is not an image reference; it was not read.`);
    return found;
  }
  const named = parseReference(recorded.name);
  const refused = await refusedDestination(named, resolved.reference, services);
  if (refused) {
    notes.push(`The ${where.name} names ${quoted(named.familiar, 200)}, ${refused}; it was not contacted.`);
    return found;
  }
  found.reference = named;
  return found;
}

async function refusedDestination(
  named: ImageReference,
  own: ImageReference,
  services: Services,
): Promise<string | undefined> {
  if (named.registry === own.registry) return undefined;
  const configured = named.registry === 'docker.io' || services.config.registryEndpoints.has(named.registry.toLowerCase());
  if (configured) return undefined;
  const hostname = new URL(services.registry.baseUrl(named.registry)).hostname;
  const address = await nonPublicAddressOf(hostname);
  return address ? `a registry at a non-public address (${address}) that is not this image's registry` : undefined;
}
