import type { Readable } from 'node:stream';
import type { RegistryAuth } from '../auth/registryAuth';
import type { Cache } from '../cache/cache';
import type { Config } from '../config';
import type { Logger } from '../log';
import { Attestations } from './attestations';
import { Blobs } from './blobs';
import { RegistryEndpoints } from './endpoints';
import { Manifests, type ReadOptions } from './manifests';
import { TagLists } from './tags';
import type {
  AttestationReport,
  AttestationStatement,
  FetchedManifest,
  ImageConfig,
  ImageManifest,
  ImageReference,
  ManifestHead,
  PlatformManifest,
  ResolvedImage,
  TagPage,
} from './types';

export type { ReadOptions } from './manifests';

export interface RegistryClientDeps {
  config: Config;
  cache: Cache;
  log: Logger;
  auth: RegistryAuth;
}

/**
 * Any OCI / Docker registry, Docker Hub's included: the one surface tools use, composed of the parts that do each
 * job (endpoints, manifests, blobs, tags, attestations). Every manifest and blob is checked against its digest.
 */
export class RegistryClient {
  private readonly endpoints: RegistryEndpoints;
  private readonly manifests: Manifests;
  private readonly blobs: Blobs;
  private readonly tags: TagLists;
  private readonly attestations: Attestations;

  constructor(deps: RegistryClientDeps) {
    this.endpoints = new RegistryEndpoints(deps.config, deps.auth);
    this.manifests = new Manifests(this.endpoints, deps.cache, deps.log);
    this.blobs = new Blobs(this.endpoints, deps.cache);
    this.tags = new TagLists(this.endpoints, deps.cache, deps.log);
    this.attestations = new Attestations(this.manifests, this.blobs);
  }

  /** Base URL of the registry serving `registry` (a host as written in references). */
  baseUrl(registry: string): string {
    return this.endpoints.baseUrl(registry);
  }

  headManifest(reference: ImageReference, signal?: AbortSignal): Promise<ManifestHead> {
    return this.manifests.headManifest(reference, signal);
  }

  resolveDigest(reference: ImageReference, signal?: AbortSignal, options?: ReadOptions): Promise<string> {
    return this.manifests.resolveDigest(reference, signal, options);
  }

  getManifest(reference: ImageReference, signal?: AbortSignal, options?: ReadOptions): Promise<FetchedManifest> {
    return this.manifests.getManifest(reference, signal, options);
  }

  getManifestByDigest(reference: ImageReference, digest: string, signal?: AbortSignal): Promise<FetchedManifest> {
    return this.manifests.getManifestByDigest(reference, digest, signal);
  }

  /** One platform's image manifest without its config: for tools that compare layers and digests only. */
  getPlatformManifest(
    reference: ImageReference,
    platform?: string,
    signal?: AbortSignal,
    options?: ReadOptions,
  ): Promise<PlatformManifest> {
    return this.manifests.getPlatformManifest(reference, platform, signal, options);
  }

  /**
   * One platform's image manifest with its platform named: by the index entry, or for a single image by its config
   * (nothing else names its platform), which is then the only config read.
   */
  async getImageManifest(
    reference: ImageReference,
    platform?: string,
    signal?: AbortSignal,
    options?: ReadOptions,
  ): Promise<PlatformManifest> {
    const { config: _config, ...named } = await this.manifests.getPlatformManifest(reference, platform, signal, options, (manifest) =>
      this.blobs.getConfig(reference, manifest, signal),
    );
    return named;
  }

  /** One platform's image: manifest and config, the platform chosen as CONTRACT.md says. */
  async getImage(reference: ImageReference, platform?: string, signal?: AbortSignal, options?: ReadOptions): Promise<ResolvedImage> {
    const image = await this.manifests.getPlatformManifest(reference, platform, signal, options, (manifest) =>
      this.blobs.getConfig(reference, manifest, signal),
    );
    return { ...image, config: image.config ?? (await this.blobs.getConfig(reference, image.manifest, signal)) };
  }

  getConfig(reference: ImageReference, manifest: ImageManifest, signal?: AbortSignal): Promise<ImageConfig> {
    return this.blobs.getConfig(reference, manifest, signal);
  }

  getBlob(reference: ImageReference, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return this.blobs.getBlob(reference, digest, maxBytes, signal);
  }

  openBlobStream(reference: ImageReference, blob: { digest: string; size: number }, signal?: AbortSignal): Promise<Readable> {
    return this.blobs.openBlobStream(reference, blob, signal);
  }

  getAttestations(reference: ImageReference, platform?: string, signal?: AbortSignal): Promise<AttestationReport> {
    return this.attestations.getAttestations(reference, platform, signal);
  }

  getStatementPredicate(
    reference: ImageReference,
    statement: AttestationStatement,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> {
    return this.attestations.getStatementPredicate(reference, statement, signal);
  }

  listTags(reference: ImageReference, options: { limit: number; last?: string }, signal?: AbortSignal): Promise<TagPage> {
    return this.tags.listTags(reference, options, signal);
  }
}
