import { sha256Digest, type Cache } from '../cache/cache';
import { DockerMcpError } from '../errors';
import type { Logger } from '../log';
import { SingleFlight } from '../net/singleFlight';
import type { RegistryEndpoints } from './endpoints';
import { bareMediaType, MANIFEST_ACCEPT, parseManifest } from './manifest';
import { choosePlatform, parsePlatform, platformMatches, platformString } from './platform';
import { digestMatches } from './digest';
import type { FetchedManifest, ImageConfig, ImageReference, ManifestHead, Platform, PlatformManifest } from './types';

/** OCI distribution: registries must accept manifests up to 4 MiB; larger is not a manifest we should buffer. */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

/** What the cache remembers of a tag: the digest it pointed at and when that was asked (ISO 8601). */
interface TagLookup {
  digest: string;
  resolvedAt: string;
}

export interface ReadOptions {
  /**
   * The answer is about now (has the base moved? is this the tag's current image?): a tag → digest the cache holds is
   * checked again by HEAD, which costs no pull.
   */
  fresh?: boolean;
}

/**
 * Manifests and indexes, and what tags point at. A tag is read in as few round trips as keep the pull count down:
 * one GET by tag when the cache cannot hold its manifest (its bytes are hashed for the digest); a HEAD (free) first
 * only where it may save a counted pull, i.e. on Docker Hub when the cache may already hold the tag's manifest, or to
 * revalidate a tag → digest the cache holds. By digest, everything is cached forever and verified.
 */
export class Manifests {
  /**
   * Revalidations of one tag in flight: calls asking at one moment share one HEAD and one `resolvedAt`, so two
   * identical calls never get two answers that differ only in when each stamped the same HEAD's reply.
   */
  private readonly revalidations = new SingleFlight<TagLookup>();

  constructor(
    private readonly endpoints: RegistryEndpoints,
    private readonly cache: Cache,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** HEAD of a tag or digest: digest, media type, size and the raw headers (rate limits). Not cached. */
  async headManifest(reference: ImageReference, signal?: AbortSignal): Promise<ManifestHead> {
    const target = reference.digest ?? reference.tag ?? 'latest';
    const response = await this.endpoints.send(reference, {
      method: 'HEAD',
      url: this.endpoints.url(reference, `manifests/${target}`),
      headers: { accept: MANIFEST_ACCEPT },
      signal,
    });
    if (response.status !== 200) throw this.endpoints.failure(response, reference, `image ${reference.familiar}`);
    const length = Number(response.headers['content-length']);
    return {
      digest: response.headers['docker-content-digest'] ?? reference.digest ?? '',
      mediaType: bareMediaType(response.headers['content-type']) ?? '',
      size: Number.isFinite(length) ? length : 0,
      headers: response.headers,
    };
  }

  /** Tag → digest, when only the digest is wanted: the cached look-up, else a HEAD (no manifest is needed). */
  async resolveDigest(reference: ImageReference, signal?: AbortSignal, options: ReadOptions = {}): Promise<string> {
    if (reference.digest) return reference.digest;
    const cached = await this.cachedLookup(reference);
    if (cached && !options.fresh) return cached.digest;
    return (await this.lookUpByHead(reference, cached, signal)).digest;
  }

  /** The manifest or index a reference names; by tag, with when the tag was looked up (`resolvedAt`). */
  async getManifest(reference: ImageReference, signal?: AbortSignal, options: ReadOptions = {}): Promise<FetchedManifest> {
    if (reference.digest) return this.getManifestByDigest(reference, reference.digest, signal);
    const cached = await this.cachedLookup(reference);
    if (cached && !options.fresh) return this.byLookup(reference, cached, signal);
    if (cached || (this.endpoints.countsPulls(reference.registry) && (await this.cache.holdsRepository(repositoryKey(reference))))) {
      return this.byLookup(reference, await this.lookUpByHead(reference, cached, signal), signal);
    }
    let fetched: FetchedManifest | undefined;
    const lookup = await this.cache.getJson<TagLookup>(
      'tagDigest',
      reference.canonical,
      async (shared) => {
        fetched = await this.getByTag(reference, shared);
        return { digest: fetched.digest, resolvedAt: new Date(this.now()).toISOString() };
      },
      signal,
    );
    return fetched ? { ...fetched, resolvedAt: lookup.resolvedAt } : this.byLookup(reference, lookup, signal);
  }

  /** A manifest by digest within `reference`'s repository, verified against the digest. */
  async getManifestByDigest(reference: ImageReference, digest: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const bytes = await this.cache.getOrLoad('manifest', digest, (shared) => this.fetchManifestBytes(reference, digest, digest, shared), signal);
    await this.cache.noteRepository(repositoryKey(reference));
    return parseManifest(bytes, reference, digest);
  }

  /**
   * One platform's image manifest, the platform chosen as CONTRACT.md says; no config is read, except for a
   * single-platform image asked for a platform (only its config names its platform), which comes back with it.
   */
  async getPlatformManifest(
    reference: ImageReference,
    platform: string | undefined,
    signal?: AbortSignal,
    options: ReadOptions = {},
    readConfig?: (manifest: PlatformManifest['manifest']) => Promise<ImageConfig>,
  ): Promise<PlatformManifest & { config?: ImageConfig }> {
    const top = await this.getManifest(reference, signal, options);
    const what = `image ${reference.familiar}`;
    if (top.kind === 'index') {
      const choice = choosePlatform(top.index, platform, what);
      const child = await this.getManifestByDigest(reference, choice.descriptor.digest, signal);
      if (child.kind !== 'image') {
        throw new DockerMcpError('UNSUPPORTED', `${what} nests an index inside its index for ${platformString(choice.platform)}.`);
      }
      return {
        reference,
        indexDigest: top.digest,
        digest: child.digest,
        mediaType: child.mediaType,
        platform: choice.platform,
        platformChoice: choice.choice,
        availablePlatforms: choice.available,
        manifest: child.image,
        configDigest: child.image.config.digest,
        ...(top.resolvedAt ? { resolvedAt: top.resolvedAt } : {}),
      };
    }
    const config = platform || readConfig ? await readConfig?.(top.image) : undefined;
    const own: Platform | undefined = config
      ? { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) }
      : undefined;
    if (platform && own && !platformMatches(parsePlatform(platform), own)) {
      throw new DockerMcpError(
        'NOT_FOUND',
        `${what} has no ${platform} image: it is a single-platform image; available platforms: ${platformString(own)}.`,
      );
    }
    const known = own ?? { os: 'unknown', architecture: 'unknown' };
    return {
      reference,
      digest: top.digest,
      mediaType: top.mediaType,
      platform: known,
      platformChoice: platform ? 'requested' : 'only',
      availablePlatforms: own ? [platformString(own)] : [],
      manifest: top.image,
      configDigest: top.image.config.digest,
      ...(top.resolvedAt ? { resolvedAt: top.resolvedAt } : {}),
      ...(config ? { config } : {}),
    };
  }

  private async byLookup(reference: ImageReference, lookup: TagLookup, signal?: AbortSignal): Promise<FetchedManifest> {
    return { ...(await this.getManifestByDigest(reference, lookup.digest, signal)), resolvedAt: lookup.resolvedAt };
  }

  private async cachedLookup(reference: ImageReference): Promise<TagLookup | undefined> {
    const bytes = await this.cache.get('tagDigest', reference.canonical);
    if (!bytes) return undefined;
    try {
      const lookup = JSON.parse(bytes.toString('utf8')) as Partial<TagLookup>;
      if (typeof lookup.digest === 'string' && typeof lookup.resolvedAt === 'string') return lookup as TagLookup;
    } catch {
      // fall through: an entry we cannot read is as good as none
    }
    this.log.warn('dropped a cache entry that is not JSON', { kind: 'tagDigest' });
    this.cache.delete('tagDigest', reference.canonical);
    return undefined;
  }

  /** HEAD for the digest; a registry that does not say it on HEAD gets the GET by tag. */
  private lookUpByHead(reference: ImageReference, previous: TagLookup | undefined, signal?: AbortSignal): Promise<TagLookup> {
    return this.revalidations.run(reference.canonical, (shared) => this.revalidate(reference, previous, shared), signal);
  }

  private async revalidate(reference: ImageReference, previous: TagLookup | undefined, signal: AbortSignal): Promise<TagLookup> {
    const head = await this.headManifest(reference, signal);
    const digest = head.digest || (await this.getByTag(reference, signal)).digest;
    const lookup = { digest, resolvedAt: new Date(this.now()).toISOString() };
    await this.cache.set('tagDigest', reference.canonical, Buffer.from(JSON.stringify(lookup)));
    if (previous && previous.digest !== digest) {
      // The tag moved: every cached listing of this repository's tags would now disagree with this answer.
      forgetTagListings(this.cache, reference);
    }
    return lookup;
  }

  /** One GET by tag: the digest is the hash of the bytes (checked against what the registry says), the bytes kept. */
  private async getByTag(reference: ImageReference, signal?: AbortSignal): Promise<FetchedManifest> {
    const { bytes, headers } = await this.fetchManifest(reference, reference.tag ?? 'latest', signal);
    const digest = sha256Digest(bytes);
    const stated = headers['docker-content-digest'];
    if (stated?.startsWith('sha256:') && stated !== digest) {
      throw new DockerMcpError(
        'UPSTREAM_ERROR',
        `the registry sent a manifest for ${reference.familiar} that does not match digest ${stated}; refused.`,
      );
    }
    await this.cache.set('manifest', digest, bytes);
    await this.cache.noteRepository(repositoryKey(reference));
    return parseManifest(bytes, reference, digest, headers['content-type']);
  }

  private async fetchManifestBytes(reference: ImageReference, target: string, digest: string, signal?: AbortSignal): Promise<Buffer> {
    const { bytes } = await this.fetchManifest(reference, target, signal);
    if (!digestMatches(digest, bytes)) {
      throw new DockerMcpError(
        'UPSTREAM_ERROR',
        `the registry sent a manifest for ${reference.familiar} that does not match digest ${digest}; refused.`,
      );
    }
    return bytes;
  }

  private async fetchManifest(
    reference: ImageReference,
    target: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Buffer; headers: Record<string, string> }> {
    const response = await this.endpoints.send(reference, {
      method: 'GET',
      url: this.endpoints.url(reference, `manifests/${target}`),
      headers: { accept: MANIFEST_ACCEPT },
      maxBytes: MANIFEST_MAX_BYTES,
      signal,
    });
    if (response.status !== 200) throw this.endpoints.failure(response, reference, `image ${reference.familiar}`);
    return { bytes: response.body, headers: response.headers };
  }
}

/** Cached tag lists of the repository: the registry's own, and for docker.io Docker Hub's tag pages. */
function forgetTagListings(cache: Cache, reference: ImageReference): void {
  cache.deleteWhere('tagList', (key) => key.startsWith(`${repositoryKey(reference)}?`));
  if (reference.registry !== 'docker.io') return;
  const [namespace, name] = reference.repository.split('/');
  const hubPath = `/v2/namespaces/${encodeURIComponent(namespace)}/repositories/${encodeURIComponent(name)}/tags`;
  // Hub keys are `<api url><path>|<who>|g<n>`: the path is followed by its query, a tag's name or the separator.
  cache.deleteWhere('hubTags', (key) => {
    const at = key.indexOf(hubPath);
    return at >= 0 && ['?', '/', '|'].includes(key.charAt(at + hubPath.length));
  });
}

function repositoryKey(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}
