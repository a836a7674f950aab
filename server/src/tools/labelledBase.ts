import { baseFromLabels, BASE_DIGEST_LABEL, BASE_NAME_LABEL } from '../analysis/baseImage';
import { nonPublicAddressOf } from '../destinations';
import { isDigest, parseReference, referenceProblem } from '../registry/reference';
import type { ImageReference, ResolvedImage } from '../registry/types';
import type { Services } from '../services';
import { quoted } from '../untrusted';

export interface LabelledBaseReference {
  /** The name label as written (valid or not). */
  name?: string;
  /** The digest label, only when it is a digest. */
  digest?: string;
  /** The name as a reference the server may read; undefined when the name is not one or names a refused place. */
  reference?: ImageReference;
}

/**
 * The base an image's labels name, as a destination the server may read. Labels are written by whoever published the
 * image, so they choose nothing by themselves: the digest must be a digest, the name a reference, and its registry
 * the image's own, one the user configured, or one on a public address — never loopback, private or link-local.
 * Each refusal is a note; nothing refused is contacted.
 */
export async function labelledBaseReference(
  resolved: ResolvedImage,
  services: Services,
  notes: string[],
): Promise<LabelledBaseReference | undefined> {
  const labelled = baseFromLabels(resolved.config);
  if (!labelled) return undefined;
  const found: LabelledBaseReference = {};
  if (labelled.digest !== undefined) {
    if (isDigest(labelled.digest)) found.digest = labelled.digest;
    else notes.push(`The ${BASE_DIGEST_LABEL} label ${quoted(labelled.digest, 200)} is not a digest; it was ignored.`);
  }
  if (labelled.name === undefined) return found;
  found.name = labelled.name;
  if (referenceProblem(labelled.name)) {
    notes.push(`The ${BASE_NAME_LABEL} label ${quoted(labelled.name, 200)} is not an image reference; it was not read.`);
    return found;
  }
  const named = parseReference(labelled.name);
  const refused = await refusedDestination(named, resolved.reference, services);
  if (refused) {
    notes.push(`The ${BASE_NAME_LABEL} label names ${quoted(named.familiar, 200)}, ${refused}; it was not contacted.`);
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
