import { DockerMcpError } from '../errors';
import type { Descriptor, FetchedManifest, ImageManifest, ImageReference, IndexManifest } from './types';

export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  inToto: 'application/vnd.in-toto+json',
} as const;

/**
 * Sent on every manifest request. Distribution downgrades a list to schema1 without Accept, answers a schema2-only
 * Accept with one platform's manifest, and 404s an OCI index without OCI types: all four, always.
 */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
].join(', ');

const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
const IMAGE_TYPES = new Set<string>([MediaTypes.ociManifest, MediaTypes.dockerManifest]);
export const IMAGE_CONFIG_TYPES = new Set<string>([MediaTypes.dockerConfig, MediaTypes.ociConfig]);

/** Short names for the four formats, for summaries and compact output. */
export function formatName(mediaType: string): string {
  switch (mediaType) {
    case MediaTypes.ociIndex:
      return 'OCI index';
    case MediaTypes.dockerManifestList:
      return 'Docker manifest list';
    case MediaTypes.ociManifest:
      return 'OCI manifest';
    case MediaTypes.dockerManifest:
      return 'Docker manifest v2';
    default:
      return mediaType;
  }
}

/** `application/json; charset=utf-8` → `application/json` */
export function bareMediaType(contentType: string | undefined): string | undefined {
  const bare = contentType?.split(';')[0].trim().toLowerCase();
  return bare ? bare : undefined;
}

/**
 * Parses manifest bytes. The body's own mediaType wins over the Content-Type header (registries fall back to
 * application/json); an OCI manifest may carry none, so its shape decides.
 */
export function parseManifest(
  bytes: Buffer,
  reference: ImageReference,
  digest: string,
  contentType?: string,
): FetchedManifest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new DockerMcpError('UPSTREAM_ERROR', `the registry sent a manifest for ${reference.familiar} that is not JSON.`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new DockerMcpError('UPSTREAM_ERROR', `the registry sent a manifest for ${reference.familiar} that is not an object.`);
  }
  const declared = typeof body.mediaType === 'string' ? body.mediaType : bareMediaType(contentType);
  if (body.schemaVersion === 1 || declared === MediaTypes.dockerSchema1 || declared === MediaTypes.dockerSchema1Signed) {
    throw new DockerMcpError(
      'UNSUPPORTED',
      `${reference.familiar} is stored as a Docker schema 1 manifest, which is deprecated and not supported; push it again with a current Docker.`,
    );
  }
  const looksLikeIndex = Array.isArray(body.manifests);
  const looksLikeImage = typeof body.config === 'object' && body.config !== null && Array.isArray(body.layers);
  let mediaType = declared && (INDEX_TYPES.has(declared) || IMAGE_TYPES.has(declared)) ? declared : undefined;
  if (!mediaType && looksLikeIndex) mediaType = MediaTypes.ociIndex;
  if (!mediaType && looksLikeImage) mediaType = MediaTypes.ociManifest;
  const size = bytes.length;
  if (mediaType && INDEX_TYPES.has(mediaType) && looksLikeIndex) {
    const index = body as unknown as IndexManifest;
    return { reference, digest, mediaType, size, kind: 'index' as const, index: { ...index, manifests: descriptors(index.manifests) } };
  }
  if (mediaType && IMAGE_TYPES.has(mediaType) && looksLikeImage && isDescriptor(body.config)) {
    const image = body as unknown as ImageManifest;
    return { reference, digest, mediaType, size, kind: 'image' as const, image: { ...image, layers: descriptors(image.layers) } };
  }
  throw new DockerMcpError(
    'UNSUPPORTED',
    `${reference.familiar} has a manifest of type ${declared ?? 'unknown'}, which is not an image manifest or index.`,
  );
}

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor;
  return Boolean(d) && typeof d.digest === 'string' && typeof d.size === 'number';
}

/** Entries without a digest and size cannot be fetched; an entry without a media type is kept. */
function descriptors(list: unknown[]): Descriptor[] {
  return list.filter(isDescriptor).map((d) => (typeof d.mediaType === 'string' ? d : { ...d, mediaType: '' }));
}
