import type { HistoryEntry, ImageConfig } from '../registry/types';
import { dockerMaterialReference, type ProvenanceMaterial } from './attestationContent';
import { commonPrefixLength } from './compare';
import { referenceProblem } from '../registry/reference';

export const BASE_NAME_LABEL = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest';

export interface LabelledBase {
  /** `org.opencontainers.image.base.name`, e.g. `docker.io/library/alpine:3.20`. */
  name?: string;
  /** `org.opencontainers.image.base.digest`: what the base reference pointed at when the image was built. */
  digest?: string;
}

/** The base the image's OCI labels name (BuildKit writes them with `--label` or by default); undefined without them. */
export function baseFromLabels(config: ImageConfig): LabelledBase | undefined {
  const labels = config.config?.Labels ?? {};
  const name = labels[BASE_NAME_LABEL]?.trim();
  const digest = labels[BASE_DIGEST_LABEL]?.trim();
  if (!name && !digest) return undefined;
  return { ...(name ? { name } : {}), ...(digest ? { digest } : {}) };
}

/**
 * The base a provenance attestation records: the first `pkg:docker/…` material that is not the Dockerfile frontend,
 * with the digest the build resolved it to. BuildKit lists the FROM images of the final stage among the materials.
 */
export function baseFromProvenance(materials: ProvenanceMaterial[]): { name: string; digest?: string } | undefined {
  for (const material of materials) {
    const name = dockerMaterialReference(material.uri);
    if (!name || referenceProblem(name)) continue;
    return { name, ...(material.digest ? { digest: material.digest } : {}) };
  }
  return undefined;
}

export interface LayerPrefixMatch {
  /** `full`: every candidate layer is at the bottom of the image, in order; `partial`: only the first few are. */
  match: 'full' | 'partial' | 'none';
  /** Bottom layers the image and the candidate share, position by position. */
  sharedLayers: number;
  candidateLayers: number;
  imageLayers: number;
}

/** Whether a candidate base's layers (digests, bottom first) are the bottom of the image's layers. */
export function matchBaseByLayers(imageLayers: string[], candidateLayers: string[]): LayerPrefixMatch {
  const sharedLayers = commonPrefixLength(imageLayers, candidateLayers);
  const match =
    candidateLayers.length > 0 && sharedLayers === candidateLayers.length ? 'full' : sharedLayers > 0 ? 'partial' : 'none';
  return { match, sharedLayers, candidateLayers: candidateLayers.length, imageLayers: imageLayers.length };
}

/**
 * How many leading history entries of the image are the base's own: the base's whole history when it is the start of
 * the image's (same instructions, same empty-layer marks); undefined otherwise. Timestamps are not compared, as
 * reproducible builds rewrite them.
 */
export function baseHistoryLength(imageHistory: HistoryEntry[], baseHistory: HistoryEntry[]): number | undefined {
  if (baseHistory.length === 0 || baseHistory.length > imageHistory.length) return undefined;
  const same = baseHistory.every(
    (entry, i) => (entry.created_by ?? '') === (imageHistory[i].created_by ?? '') && !entry.empty_layer === !imageHistory[i].empty_layer,
  );
  return same ? baseHistory.length : undefined;
}
