import { z } from 'zod';
import { DockerMcpError } from '../errors';
import { parseReply } from '../upstreamReply';
import type { FetchedManifest, ImageConfig, ImageManifest, ImageReference, IndexManifest } from './types';

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

/** A field the server can do without: missing or malformed, it is undefined. */
function spare<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

const annotationsSchema = spare(z.record(z.string(), z.string()));

/*
 * OCI image spec / Docker distribution shapes, with their field names. What locates and sizes content (a
 * descriptor's digest and size, an index's manifests, an image's config and layers) must be there and well typed:
 * a size the server cannot read would make every size it reports wrong, so such a manifest is UPSTREAM_ERROR.
 */
const descriptorSchema = z.object({
  // Absent in some older manifest lists; an entry without one is still fetched by digest.
  mediaType: z.string().catch(''),
  digest: z.string(),
  size: z.number().int().nonnegative(),
  platform: spare(
    z.object({
      architecture: z.string(),
      os: z.string(),
      variant: spare(z.string()),
      'os.version': spare(z.string()),
      'os.features': spare(z.array(z.string())),
    }),
  ),
  annotations: annotationsSchema,
  artifactType: spare(z.string()),
});

const indexSchema = z.object({
  schemaVersion: z.number().catch(2),
  mediaType: spare(z.string()),
  manifests: z.array(descriptorSchema),
  annotations: annotationsSchema,
});

const imageManifestSchema = z.object({
  schemaVersion: z.number().catch(2),
  mediaType: spare(z.string()),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: annotationsSchema,
  subject: spare(descriptorSchema),
  artifactType: spare(z.string()),
});

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
  const looksLikeIndex = 'manifests' in body;
  const looksLikeImage = 'config' in body && 'layers' in body;
  let mediaType = declared && (INDEX_TYPES.has(declared) || IMAGE_TYPES.has(declared)) ? declared : undefined;
  if (!mediaType && looksLikeIndex) mediaType = MediaTypes.ociIndex;
  if (!mediaType && looksLikeImage) mediaType = MediaTypes.ociManifest;
  const size = bytes.length;
  const what = `the manifest of ${reference.familiar} (${digest})`;
  if (mediaType && INDEX_TYPES.has(mediaType) && looksLikeIndex) {
    const index: IndexManifest = parseReply(indexSchema, body, 'The registry', what);
    return { reference, digest, mediaType, size, kind: 'index' as const, index };
  }
  if (mediaType && IMAGE_TYPES.has(mediaType) && looksLikeImage) {
    const image: ImageManifest = parseReply(imageManifestSchema, body, 'The registry', what);
    return { reference, digest, mediaType, size, kind: 'image' as const, image };
  }
  throw new DockerMcpError(
    'UNSUPPORTED',
    `${reference.familiar} has a manifest of type ${declared ?? 'unknown'}, which is not an image manifest or index.`,
  );
}

const stringList = spare(z.array(z.string()).nullable());
const keySet = spare(z.record(z.string(), z.looseObject({})).nullable().transform((value) => value ?? undefined));

/** Docker's image config (what `docker image inspect` shows), only what the server reads; odd fields are left out. */
const imageConfigSchema = z.object({
  architecture: spare(z.string()),
  os: spare(z.string()),
  variant: spare(z.string()),
  created: spare(z.string()),
  author: spare(z.string()),
  config: spare(
    z
      .object({
        User: spare(z.string()),
        Env: spare(z.array(z.string())),
        Entrypoint: stringList,
        Cmd: stringList,
        WorkingDir: spare(z.string()),
        ExposedPorts: keySet,
        Volumes: keySet,
        Labels: spare(z.record(z.string(), z.string()).nullable()),
        StopSignal: spare(z.string()),
        Healthcheck: spare(
          z.object({
            Test: spare(z.array(z.string())),
            Interval: spare(z.number()),
            Timeout: spare(z.number()),
            Retries: spare(z.number()),
          }),
        ),
      })
      .nullable()
      .transform((value) => value ?? undefined),
  ),
  rootfs: spare(z.object({ type: z.string(), diff_ids: z.array(z.string()) })),
  history: spare(
    z.array(
      z.object({
        created: spare(z.string()),
        created_by: spare(z.string()),
        author: spare(z.string()),
        comment: spare(z.string()),
        empty_layer: spare(z.boolean()),
      }),
    ),
  ),
});

/** The image config blob's bytes, parsed: UPSTREAM_ERROR when they are not a JSON object. */
export function parseImageConfig(bytes: Buffer, reference: ImageReference): ImageConfig {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DockerMcpError('UPSTREAM_ERROR', `the image config of ${reference.familiar} is not JSON.`);
  }
  return parseReply(imageConfigSchema, body, 'The registry', `the image config of ${reference.familiar}`);
}
