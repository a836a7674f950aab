import { unauthorizedMessage } from '../auth/credentials';
import type { RegistryAuth } from '../auth/registryAuth';
import { sha256Digest, type Cache } from '../cache/cache';
import { isLoopbackHost, type Config } from '../config';
import { DockerMcpError, errorFromStatus, oneLine } from '../errors';
import { retryAfter, type HttpClient, type HttpRequest, type HttpResponse } from '../http/client';
import { parseRateLimit } from '../http/rateLimit';
import type { Logger } from '../log';
import { pipeline, type Readable } from 'node:stream';
import { verifyingDigest } from './blobStream';
import { shortDigest } from '../format';
import { bareMediaType, IMAGE_CONFIG_TYPES, MANIFEST_ACCEPT, MediaTypes, parseManifest } from './manifest';
import {
  attestationSubject,
  choosePlatform,
  isAttestation,
  parsePlatform,
  platformEntries,
  platformMatches,
  platformOf,
  platformString,
} from './platform';
import { digestMatches, familiarRepository } from './reference';
import type {
  AttestationReport,
  AttestationStatement,
  Descriptor,
  FetchedManifest,
  ImageConfig,
  ImageManifest,
  ImageReference,
  ManifestHead,
  Platform,
  ResolvedImage,
  TagPage,
} from './types';

export interface RegistryClientDeps {
  config: Config;
  http: HttpClient;
  cache: Cache;
  log: Logger;
  auth: RegistryAuth;
}

/** OCI distribution: registries must accept manifests up to 4 MiB; larger is not a manifest we should buffer. */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
const CONFIG_MAX_BYTES = 8 * 1024 * 1024;
const STATEMENT_MAX_BYTES = 16 * 1024 * 1024;
/** Statements read at once, and the bytes one call reads of them: an index may carry hundreds. */
const STATEMENTS_IN_FLIGHT = 4;
const STATEMENT_BYTES_PER_CALL = 64 * 1024 * 1024;
/** Tags asked for per request: Docker Hub serves at most 100 per page, whatever `n` says. */
const TAG_PAGE_SIZE = 100;
/** A tag listing never walks more pages than this: at most 1000 tags in one call. */
const TAG_PAGES_MAX = 10;
/**
 * Bound of one tag-list page. Distribution ignores `n` and sends every tag at once; 16 MiB is over a million tags of
 * usual length, and no more than that is ever buffered.
 */
const TAG_PAGE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Any OCI / Docker registry, Docker Hub's included. Manifests are read HEAD-first (a HEAD costs no Docker Hub pull)
 * and then by digest, which the cache keeps forever; every manifest and blob is checked against its digest.
 */
export class RegistryClient {
  constructor(private readonly deps: RegistryClientDeps) {}

  /** Base URL of the registry serving `registry` (a host as written in references). */
  baseUrl(registry: string): string {
    if (registry === 'docker.io') return this.deps.config.registryUrl;
    const override = this.deps.config.registryEndpoints.get(registry.toLowerCase());
    if (override) return override;
    const hostname = new URL(`https://${registry}`).hostname;
    return `${isLoopbackHost(hostname) ? 'http' : 'https'}://${registry}`;
  }

  /** HEAD of a tag or digest: digest, media type, size and the raw headers (rate limits). Not cached. */
  async headManifest(reference: ImageReference, signal?: AbortSignal): Promise<ManifestHead> {
    const target = reference.digest ?? reference.tag ?? 'latest';
    const response = await this.send(reference, {
      method: 'HEAD',
      url: this.url(reference, `manifests/${target}`),
      headers: { accept: MANIFEST_ACCEPT },
      signal,
    });
    if (response.status !== 200) throw this.failure(response, reference, `image ${reference.familiar}`);
    const length = Number(response.headers['content-length']);
    return {
      digest: response.headers['docker-content-digest'] ?? reference.digest ?? '',
      mediaType: bareMediaType(response.headers['content-type']) ?? '',
      size: Number.isFinite(length) ? length : 0,
      headers: response.headers,
    };
  }

  /** Tag → digest by HEAD, cached for the tagDigest TTL; a digest reference needs no request at all. */
  async resolveDigest(reference: ImageReference, signal?: AbortSignal): Promise<string> {
    if (reference.digest) return reference.digest;
    const resolved = await this.deps.cache.getJson('tagDigest', reference.canonical, async () => {
      const head = await this.headManifest(reference, signal);
      if (head.digest) return { digest: head.digest };
      // A registry that does not say the digest on HEAD: the GET's bytes say it, and are kept.
      const bytes = await this.fetchManifestBytes(reference, reference.tag ?? 'latest', undefined, signal);
      const digest = sha256Digest(bytes);
      await this.deps.cache.set('manifest', digest, bytes);
      return { digest };
    });
    return resolved.digest;
  }

  /** The manifest or index a reference names: HEAD for the digest, then GET by digest (cached forever). */
  async getManifest(reference: ImageReference, signal?: AbortSignal): Promise<FetchedManifest> {
    const digest = await this.resolveDigest(reference, signal);
    return this.getManifestByDigest(reference, digest, signal);
  }

  /** A manifest by digest within `reference`'s repository, verified against the digest. */
  async getManifestByDigest(reference: ImageReference, digest: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const bytes = await this.deps.cache.getOrLoad('manifest', digest, () =>
      this.fetchManifestBytes(reference, digest, digest, signal),
    );
    return parseManifest(bytes, reference, digest);
  }

  /** One platform's image: manifest and config, the platform chosen as CONTRACT.md says. */
  async getImage(reference: ImageReference, platform?: string, signal?: AbortSignal): Promise<ResolvedImage> {
    const top = await this.getManifest(reference, signal);
    const what = `image ${reference.familiar}`;
    if (top.kind === 'index') {
      const choice = choosePlatform(top.index!, platform, what);
      const child = await this.getManifestByDigest(reference, choice.descriptor.digest, signal);
      if (child.kind !== 'image') {
        throw new DockerMcpError('UNSUPPORTED', `${what} nests an index inside its index for ${platformString(choice.platform)}.`);
      }
      const config = await this.getConfig(reference, child.image!, signal);
      return {
        reference,
        indexDigest: top.digest,
        digest: child.digest,
        mediaType: child.mediaType,
        platform: choice.platform,
        platformChoice: choice.choice,
        availablePlatforms: choice.available,
        manifest: child.image!,
        configDigest: child.image!.config.digest,
        config,
      };
    }
    const config = await this.getConfig(reference, top.image!, signal);
    const own: Platform = {
      os: config.os ?? 'unknown',
      architecture: config.architecture ?? 'unknown',
      ...(config.variant ? { variant: config.variant } : {}),
    };
    if (platform && !platformMatches(parsePlatform(platform), own)) {
      throw new DockerMcpError(
        'NOT_FOUND',
        `${what} has no ${platform} image: it is a single-platform image; available platforms: ${platformString(own)}.`,
      );
    }
    return {
      reference,
      digest: top.digest,
      mediaType: top.mediaType,
      platform: own,
      platformChoice: platform ? 'requested' : 'only',
      availablePlatforms: [platformString(own)],
      manifest: top.image!,
      configDigest: top.image!.config.digest,
      config,
    };
  }

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
    try {
      return JSON.parse(bytes.toString('utf8')) as ImageConfig;
    } catch {
      throw new DockerMcpError('UPSTREAM_ERROR', `the image config of ${reference.familiar} is not JSON.`);
    }
  }

  /**
   * A blob by digest: follows the registry's redirect to its storage (without Authorization: a CDN refuses it),
   * verified against the digest, cached forever.
   */
  async getBlob(reference: ImageReference, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return this.deps.cache.getOrLoad('blob', digest, async () => {
      const response = await this.send(reference, {
        method: 'GET',
        url: this.url(reference, `blobs/${digest}`),
        followRedirects: true,
        maxBytes,
        signal,
      });
      const what = `blob ${shortDigest(digest)} of ${familiarRepository(reference)}`;
      if (response.status !== 200) throw this.failure(response, reference, what);
      if (!digestMatches(digest, response.body)) {
        throw new DockerMcpError('UPSTREAM_ERROR', `the registry sent content for ${what} that does not match its digest; refused.`);
      }
      return response.body;
    });
  }

  /**
   * A blob too large to buffer (a layer) as a stream, verified while it flows: it fails with UPSTREAM_ERROR past
   * `size` bytes or when the bytes do not hash to `digest`. Not cached; follows the redirect to storage without
   * Authorization, as getBlob does. Destroying the stream or aborting `signal` closes the connection.
   */
  async openBlobStream(reference: ImageReference, blob: { digest: string; size: number }, signal?: AbortSignal): Promise<Readable> {
    const response = await this.deps.auth.request(
      { registry: reference.registry, scope: `repository:${reference.repository}:pull` },
      { method: 'GET', url: this.url(reference, `blobs/${blob.digest}`), followRedirects: true, signal },
      (request) => this.deps.http.stream(request),
    );
    const what = `blob ${shortDigest(blob.digest)} of ${familiarRepository(reference)}`;
    if (response.status !== 200) throw this.failure(response, reference, what);
    const verifier = verifyingDigest(blob.digest, blob.size, what);
    return pipeline(response.stream, verifier, () => undefined);
  }

  /**
   * SBOM and provenance of an index (BuildKit's attestation manifests). Which platforms carry them comes from the
   * index alone; the statements are read for one platform (requested, else the default choice), since every
   * attestation manifest read is a manifest GET that Docker Hub counts.
   */
  async getAttestations(reference: ImageReference, platform?: string, signal?: AbortSignal): Promise<AttestationReport> {
    const top = await this.getManifest(reference, signal);
    const report: AttestationReport = {
      reference,
      digest: top.digest,
      mediaType: top.mediaType,
      kind: top.kind,
      platforms: [],
      attestedPlatforms: [],
      statements: [],
    };
    if (top.kind !== 'index') return report;
    const index = top.index!;
    const images = platformEntries(index);
    const platformByDigest = new Map(images.map((descriptor) => [descriptor.digest, platformString(platformOf(descriptor))]));
    report.platforms = images.map((descriptor) => platformString(platformOf(descriptor)));
    const attestations = index.manifests.filter(isAttestation);
    report.attestedPlatforms = attestations
      .map((descriptor) => platformByDigest.get(attestationSubject(descriptor) ?? ''))
      .filter((name): name is string => name !== undefined);
    if (attestations.length === 0 || images.length === 0) return report;
    const choice = choosePlatform(index, platform, `image ${reference.familiar}`);
    report.platform = platformString(choice.platform);
    report.platformChoice = choice.choice;
    const attestation = attestations.find((descriptor) => attestationSubject(descriptor) === choice.descriptor.digest);
    if (!attestation) return report;
    report.attestationDigest = attestation.digest;
    const manifest = await this.getManifestByDigest(reference, attestation.digest, signal);
    if (manifest.kind !== 'image') return report;
    const budget = { bytesLeft: STATEMENT_BYTES_PER_CALL };
    report.statements = await mapWithConcurrency(manifest.image!.layers, STATEMENTS_IN_FLIGHT, (layer) =>
      this.readStatement(reference, layer, budget, signal),
    );
    return report;
  }

  /**
   * One page of tags through `/v2/<name>/tags/list` with Link paging, at most TAG_PAGES_MAX requests.
   * `last` continues after that tag, as the distribution spec defines.
   */
  async listTags(
    reference: ImageReference,
    options: { limit: number; last?: string },
    signal?: AbortSignal,
  ): Promise<TagPage> {
    const limit = Math.max(1, Math.min(options.limit, TAG_PAGE_SIZE * TAG_PAGES_MAX));
    const key = `${reference.registry}/${reference.repository}?n=${limit}&last=${options.last ?? ''}`;
    return this.deps.cache.getJson('tagList', key, async () => {
      const tags: string[] = [];
      const first = new URL(this.url(reference, 'tags/list'));
      first.searchParams.set('n', String(Math.min(limit, TAG_PAGE_SIZE)));
      if (options.last) first.searchParams.set('last', options.last);
      let url: string | undefined = first.toString();
      let more = false;
      for (let page = 0; url && tags.length < limit; page++) {
        if (page >= TAG_PAGES_MAX) {
          more = true;
          break;
        }
        const response = await this.send(reference, {
          method: 'GET',
          url,
          headers: { accept: 'application/json' },
          maxBytes: TAG_PAGE_MAX_BYTES,
          signal,
        });
        if (response.status !== 200) throw this.failure(response, reference, `repository ${familiarRepository(reference)}`);
        const body = parseJson(response.body) as { tags?: unknown } | undefined;
        // `tags: null` is an empty repository; a page that is not a tag list at all must not pass for one.
        if (!body || typeof body !== 'object' || !('tags' in body)) {
          throw new DockerMcpError(
            'UPSTREAM_ERROR',
            `${reference.registry} answered the tag list of ${familiarRepository(reference)} with something that is not a tag list; try again later.`,
          );
        }
        const pageTags = Array.isArray(body.tags) ? body.tags : [];
        // One at a time: spreading a page of millions into push() overflows the stack.
        for (let i = 0; i < pageTags.length && tags.length <= limit; i++) {
          if (typeof pageTags[i] === 'string') tags.push(pageTags[i]);
        }
        const next = nextLink(response.headers.link, url, first);
        if (next === null) {
          // The caller continues with `last` on the registry's own origin instead.
          this.deps.log.warn('ignored a tag-list Link that leaves the repository\'s tag list', { registry: reference.registry });
        }
        url = next ?? undefined;
        more = next !== undefined;
      }
      const page: TagPage = { tags: tags.slice(0, limit) };
      if (more || tags.length > limit) page.next = page.tags[page.tags.length - 1];
      return page;
    });
  }

  /**
   * The predicate of a statement getAttestations summarised, for reading its content; undefined when it was not read
   * (`note`). The blob is cached by digest, so this costs no second download.
   */
  async getStatementPredicate(
    reference: ImageReference,
    statement: AttestationStatement,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> {
    if (statement.note || statement.kind === 'other' || statement.size > STATEMENT_MAX_BYTES) return undefined;
    return predicateOf(parseJson(await this.getBlob(reference, statement.digest, STATEMENT_MAX_BYTES, signal)));
  }

  private async readStatement(
    reference: ImageReference,
    layer: Descriptor,
    budget: { bytesLeft: number },
    signal?: AbortSignal,
  ): Promise<AttestationStatement> {
    const predicateType = layer.annotations?.['in-toto.io/predicate-type'] ?? 'unknown';
    const statement: AttestationStatement = { predicateType, kind: statementKind(predicateType), digest: layer.digest, size: layer.size };
    if (statement.kind === 'other') return statement;
    if (layer.mediaType && layer.mediaType !== MediaTypes.inToto) {
      statement.note = `stored as ${layer.mediaType}; not read`;
      return statement;
    }
    if (layer.size > STATEMENT_MAX_BYTES) {
      statement.note = `larger than ${STATEMENT_MAX_BYTES / 1024 / 1024} MiB; not read`;
      return statement;
    }
    if (layer.size > budget.bytesLeft) {
      statement.note = `not read: this call already read ${STATEMENT_BYTES_PER_CALL / 1024 / 1024} MiB of statements`;
      return statement;
    }
    budget.bytesLeft -= Math.max(0, layer.size);
    // The declared size is the bound: a blob longer than its descriptor says is refused, not buffered.
    const bytes = await this.getBlob(reference, layer.digest, Math.max(0, layer.size), signal);
    const predicate = predicateOf(parseJson(bytes));
    if (!predicate) {
      statement.note = 'not an in-toto statement';
      return statement;
    }
    return { ...statement, ...summarisePredicate(statement.kind, predicateType, predicate) };
  }

  private async fetchManifestBytes(
    reference: ImageReference,
    target: string,
    digest: string | undefined,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const response = await this.send(reference, {
      method: 'GET',
      url: this.url(reference, `manifests/${target}`),
      headers: { accept: MANIFEST_ACCEPT },
      maxBytes: MANIFEST_MAX_BYTES,
      signal,
    });
    if (response.status !== 200) throw this.failure(response, reference, `image ${reference.familiar}`);
    if (digest && !digestMatches(digest, response.body)) {
      throw new DockerMcpError(
        'UPSTREAM_ERROR',
        `the registry sent a manifest for ${reference.familiar} that does not match digest ${digest}; refused.`,
      );
    }
    return response.body;
  }

  private url(reference: ImageReference, path: string): string {
    return `${this.baseUrl(reference.registry)}/v2/${reference.repository}/${path}`;
  }

  private send(reference: ImageReference, request: HttpRequest): Promise<HttpResponse> {
    return this.deps.auth.request({ registry: reference.registry, scope: `repository:${reference.repository}:pull` }, request);
  }

  /** A non-2xx reply as the contract's error, naming what was asked for; 401 says what would help. */
  private failure(response: HttpResponse, reference: ImageReference, what: string): DockerMcpError {
    const detail = registryErrorDetail(response.body);
    if (response.status === 401) {
      const suffix = detail ? ` (${oneLine(detail)})` : '';
      const status = { status: 401 };
      const identity = this.deps.auth.identity(reference.registry);
      // Anonymous and refused for an official image: it does not exist (they are all public), unless the token itself was bad.
      if (
        identity.as === 'anonymous' &&
        reference.registry === 'docker.io' &&
        reference.repository.startsWith('library/') &&
        !/invalid_token/.test(response.headers['www-authenticate'] ?? '')
      ) {
        return new DockerMcpError('NOT_FOUND', `${what} does not exist on Docker Hub: official images are public${suffix}.`, { status: 404 });
      }
      return new DockerMcpError('UNAUTHORIZED', unauthorizedMessage(what, identity, suffix), status);
    }
    if (response.status === 404) {
      const hint = reference.digest ? 'check the digest' : 'docker_list_tags lists the tags that exist';
      return new DockerMcpError('NOT_FOUND', `${what} was not found${detail ? ` (${oneLine(detail)})` : ''}; ${hint}.`, { status: 404 });
    }
    const wait = retryAfter(response.headers);
    const windowSeconds = response.status === 429 ? parseRateLimit(response.headers)?.windowSeconds : undefined;
    return errorFromStatus(response.status, what, detail, wait === undefined ? undefined : Math.ceil(wait / 1000), windowSeconds);
  }
}

/** `{errors:[{code,message}]}` → `manifest unknown`; anything else → nothing (no raw pages reach a caller). */
export function registryErrorDetail(body: Buffer): string | undefined {
  const parsed = parseJson(body) as { errors?: { code?: unknown; message?: unknown }[] } | undefined;
  const first = Array.isArray(parsed?.errors) ? parsed.errors[0] : undefined;
  if (!first) return undefined;
  const text = typeof first.message === 'string' && first.message ? first.message : first.code;
  return typeof text === 'string' ? oneLine(text, 160) : undefined;
}

/** `map` over `items` with at most `limit` calls pending at once; results in the items' order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `<…>; rel="next"` → absolute URL, resolved against the request that carried it; undefined when there is none, null
 * when it points anywhere but this repository's tag list on the registry's own origin (another host would get the
 * registry's token and its tags would pass for this repository's; a `file:` or `data:` URL is no request at all).
 */
export function nextLink(header: string | undefined, current: string, tagList: URL): string | undefined | null {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (!match || !/rel="?next"?/i.test(match[2])) continue;
    let next: URL;
    try {
      next = new URL(match[1], current);
    } catch {
      return null;
    }
    return next.origin === tagList.origin && next.pathname === tagList.pathname ? next.toString() : null;
  }
  return undefined;
}


function statementKind(predicateType: string): AttestationStatement['kind'] {
  if (/spdx\.dev|cyclonedx\.org|syft/i.test(predicateType)) return 'sbom';
  if (/slsa\.dev\/provenance/i.test(predicateType)) return 'provenance';
  return 'other';
}

/** The predicate of an in-toto statement, plain or wrapped in a DSSE envelope. */
function predicateOf(statement: unknown): Record<string, unknown> | undefined {
  let value = statement as Record<string, unknown> | undefined;
  if (value && typeof value.payload === 'string') {
    value = parseJson(Buffer.from(value.payload, 'base64')) as Record<string, unknown> | undefined;
  }
  const predicate = value?.predicate;
  return predicate && typeof predicate === 'object' ? (predicate as Record<string, unknown>) : undefined;
}

function summarisePredicate(
  kind: AttestationStatement['kind'],
  predicateType: string,
  predicate: Record<string, any>,
): Partial<AttestationStatement> {
  if (kind === 'sbom') {
    if (Array.isArray(predicate.packages)) {
      return { format: typeof predicate.spdxVersion === 'string' ? predicate.spdxVersion : 'SPDX', packages: predicate.packages.length };
    }
    if (Array.isArray(predicate.components)) {
      return { format: `CycloneDX ${predicate.specVersion ?? ''}`.trim(), packages: predicate.components.length };
    }
    return {};
  }
  if (/provenance\/v1/.test(predicateType)) {
    return compact({
      builderId: predicate.runDetails?.builder?.id,
      buildType: predicate.buildDefinition?.buildType,
      materials: Array.isArray(predicate.buildDefinition?.resolvedDependencies)
        ? predicate.buildDefinition.resolvedDependencies.length
        : undefined,
      finishedOn: predicate.runDetails?.metadata?.finishedOn,
    });
  }
  return compact({
    builderId: predicate.builder?.id,
    buildType: predicate.buildType,
    materials: Array.isArray(predicate.materials) ? predicate.materials.length : undefined,
    finishedOn: predicate.metadata?.buildFinishedOn,
  });
}

/** Keeps only meaningful values: an empty builder id says nothing. */
function compact(values: Record<string, unknown>): Partial<AttestationStatement> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => (typeof value === 'string' && value !== '') || typeof value === 'number'),
  ) as Partial<AttestationStatement>;
}
