import { pipeline, type Readable } from 'node:stream';
import type { Cache } from '../cache/cache';
import { DockerMcpError } from '../errors';
import { shortDigest } from '../format';
import { verifyingDigest } from './blobStream';
import type { RegistryEndpoints } from './endpoints';
import { IMAGE_CONFIG_TYPES, parseImageConfig } from './manifest';
import { digestMatches } from './digest';
import { familiarRepository } from './reference';
import type { ImageConfig, ImageManifest, ImageReference } from './types';

const CONFIG_MAX_BYTES = 8 * 1024 * 1024;

/** Blobs by digest (configs, attestation statements): verified, cached forever. */
export class Blobs {
  constructor(
    private readonly endpoints: RegistryEndpoints,
    private readonly cache: Cache,
  ) {}

  /** The image config an image manifest points at. An artifact (Helm chart, signature…) is UNSUPPORTED. */
  async getConfig(reference: ImageReference, manifest: ImageManifest, signal?: AbortSignal): Promise<ImageConfig> {
    const type = manifest.config.mediaType;
    if (type && !IMAGE_CONFIG_TYPES.has(type)) {
      throw new DockerMcpError(
        'UNSUPPORTED',
        `${reference.familiar} is an artifact (config type ${type}), not a container image.`,
      );
    }
    const bytes = await this.getBlob(reference, manifest.config.digest, CONFIG_MAX_BYTES, signal);
    return parseImageConfig(bytes, reference);
  }

  /**
   * A blob too large to buffer (a layer) as a stream, verified while it flows: it fails with UPSTREAM_ERROR past
   * `size` bytes or when the bytes do not hash to `digest`. Not cached; follows the redirect to storage without
   * Authorization, as getBlob does. Destroying the stream or aborting `signal` closes the connection.
   */
  async openBlobStream(reference: ImageReference, blob: { digest: string; size: number }, signal?: AbortSignal): Promise<Readable> {
    const response = await this.endpoints.stream(reference, {
      method: 'GET',
      url: this.endpoints.url(reference, `blobs/${blob.digest}`),
      followRedirects: true,
      signal,
    });
    const what = `blob ${shortDigest(blob.digest)} of ${familiarRepository(reference)}`;
    if (response.status !== 200) throw this.endpoints.failure(response, reference, what);
    const verifier = verifyingDigest(blob.digest, blob.size, what);
    return pipeline(response.stream!, verifier, () => undefined);
  }

  /**
   * A blob by digest: follows the registry's redirect to its storage (without Authorization: a CDN refuses it),
   * verified against the digest, cached forever.
   */
  async getBlob(reference: ImageReference, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return this.cache.getOrLoad(
      'blob',
      digest,
      async (shared) => {
        const response = await this.endpoints.send(reference, {
          method: 'GET',
          url: this.endpoints.url(reference, `blobs/${digest}`),
          followRedirects: true,
          maxBytes,
          signal: shared,
        });
        const what = `blob ${shortDigest(digest)} of ${familiarRepository(reference)}`;
        if (response.status !== 200) throw this.endpoints.failure(response, reference, what);
        if (!digestMatches(digest, response.body)) {
          throw new DockerMcpError('UPSTREAM_ERROR', `the registry sent content for ${what} that does not match its digest; refused.`);
        }
        return response.body;
      },
      signal,
    );
  }
}
