import type { HubAuth } from '../auth/hubAuth';
import type { Cache, CacheKind } from '../cache/cache';
import type { Config } from '../config';
import { DockerMcpError } from '../errors';
import type { HttpClient } from '../net/client';
import type { HttpMethod, HttpResponse } from '../net/fetch';
import type { Logger } from '../log';
import { parseReply } from '../upstreamReply';
import { hubError } from './errors';
import {
  hubOrgSchema,
  hubPageSchema,
  hubRepositoryListEntrySchema,
  hubRepositorySchema,
  hubSearchPageSchema,
  hubTagSchema,
  type HubBadge,
  type HubOrg,
  type HubPage,
  type HubRepository,
  type HubRepositoryListEntry,
  type HubSearchPage,
  type HubTag,
  type HubTagFiltered,
  type RepositoryCreation,
  type RepositoryUpdate,
} from './types';

export interface HubClientDeps {
  config: Config;
  http: HttpClient;
  cache: Cache;
  log: Logger;
  auth: HubAuth;
}

/** Hub refuses page_size above 100. */
export const HUB_MAX_PAGE_SIZE = 100;
/** Hub's search index serves at most this many hits for one query (from + size). */
export const HUB_SEARCH_MAX_RESULTS = 2_500;
/** Official images live in this namespace; `nginx` means `library/nginx`. */
export const OFFICIAL_NAMESPACE = 'library';

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface SearchRequest extends PageRequest {
  query: string;
  /** Only hits carrying one of these badges (Hub's `badges` filter). */
  badges?: Exclude<HubBadge, 'none'>[];
}

export interface TagPageRequest extends PageRequest {
  /** Tag name filter (substring). */
  name?: string;
  /** Only tags with an image of this architecture / os (the filters Docker's Hub MCP server passes). */
  architecture?: string;
  os?: string;
}

export interface RepositoryListRequest extends PageRequest {
  ordering?: 'name' | '-name' | 'last_updated' | '-last_updated' | 'pull_count' | '-pull_count';
}

/**
 * Docker Hub API (hub.docker.com): search, repositories, tags, namespaces and the write operations. One request per
 * call — no method walks pages — and reads are cached by kind for their TTL, keyed by who is asking so a private
 * answer is never served to another identity through a shared cache.
 */
export class HubClient {
  /** Bumped by writes, so cached reads of a changed repository are not served again. */
  private readonly generations = new Map<string, number>();

  constructor(private readonly deps: HubClientDeps) {}

  /**
   * Hub search (`/api/search/v4`, what hub.docker.com and Docker's own Hub MCP server use). Chosen over
   * `/v2/search/repositories/` because only v4 carries each hit's badge (official / verified_publisher) and filters
   * by it upstream, so `verified_only` is honoured without a request per hit.
   */
  async search(request: SearchRequest, signal?: AbortSignal): Promise<HubSearchPage> {
    checkPage(request, HUB_SEARCH_MAX_RESULTS);
    const params = new URLSearchParams({
      query: request.query,
      from: String((request.page - 1) * request.pageSize),
      size: String(request.pageSize),
    });
    if (request.badges?.length) params.set('badges', request.badges.join(','));
    const what = `the Docker Hub search for "${request.query}"`;
    return this.getJson<HubSearchPage>('hubSearch', `/api/search/v4?${params}`, what, signal, (body) => parseReply(hubSearchPageSchema, body, 'Docker Hub', what));
  }

  /**
   * The badge Hub shows for a repository (official, verified_publisher, open_source, none). Only the search API
   * carries it, so this is one search for the name; undefined when the repository is not among the hits
   * (private ones never are).
   */
  async badgeOf(namespace: string, name: string, signal?: AbortSignal): Promise<HubBadge | undefined> {
    if (namespace === OFFICIAL_NAMESPACE) return 'official';
    const page = await this.search({ query: `${namespace}/${name}`, page: 1, pageSize: 25 }, signal);
    const hit = page.results.find((result) => searchHitRepository(result.name) === `${namespace}/${name}`);
    return hit ? (hit.badge ?? 'none') : undefined;
  }

  /**
   * Whether a namespace exists. Hub answers an empty first page, not 404, for the repositories of an unknown
   * namespace, so the account itself is looked up: users at /v2/users/{name}, organisations at /v2/orgs/{name}.
   */
  async namespaceExists(namespace: string, signal?: AbortSignal): Promise<boolean> {
    for (const path of [`/v2/users/${seg(namespace)}`, `/v2/orgs/${seg(namespace)}`]) {
      try {
        await this.getJson<unknown>('hubNamespace', path, `namespace "${namespace}" on Docker Hub`, signal, () => true);
        return true;
      } catch (err) {
        if (!(err instanceof DockerMcpError) || err.code !== 'NOT_FOUND') throw err;
      }
    }
    return false;
  }

  async getRepository(namespace: string, name: string, signal?: AbortSignal): Promise<HubRepository> {
    const what = this.repositoryWhat(namespace, name);
    return this.getJson<HubRepository>(
      'hubRepository',
      `/v2/namespaces/${seg(namespace)}/repositories/${seg(name)}`,
      what,
      signal,
      (body) => parseReply(hubRepositorySchema, body, 'Docker Hub', what),
      repoKey(namespace, name),
    ).catch((err) => {
      throw this.privateHint(err, namespace);
    });
  }

  /** One page of a repository's tags; attestation entries (`unknown/unknown`) are taken out of each tag's images. */
  async listTags(namespace: string, name: string, request: TagPageRequest, signal?: AbortSignal): Promise<HubPage<HubTagFiltered>> {
    checkPage(request);
    const params = new URLSearchParams({ page: String(request.page), page_size: String(request.pageSize) });
    for (const filter of ['name', 'architecture', 'os'] as const) {
      const value = request[filter];
      if (value) params.set(filter, value);
    }
    const path = `/v2/namespaces/${seg(namespace)}/repositories/${seg(name)}/tags?${params}`;
    const what =
      request.page > 1
        ? `page ${request.page} of the tags of ${repoKey(namespace, name)} (past the last page, or no such repository)`
        : `the tag list of ${this.repositoryWhat(namespace, name)}`;
    try {
      return await this.getJson<HubPage<HubTagFiltered>>('hubTags', path, what, signal, (body) => {
        const page = parseReply(hubPageSchema(hubTagSchema), body, 'Docker Hub', what);
        return { ...page, results: page.results.map(withoutAttestations) };
      }, repoKey(namespace, name));
    } catch (err) {
      throw this.privateHint(this.explainAnonymousPaging(err, request), namespace);
    }
  }

  async getTag(namespace: string, name: string, tag: string, signal?: AbortSignal): Promise<HubTagFiltered> {
    const what = `tag "${tag}" of ${this.repositoryWhat(namespace, name)}`;
    return this.getJson<HubTagFiltered>(
      'hubTags',
      `/v2/namespaces/${seg(namespace)}/repositories/${seg(name)}/tags/${seg(tag)}`,
      what,
      signal,
      (body) => withoutAttestations(parseReply(hubTagSchema, body, 'Docker Hub', what)),
      repoKey(namespace, name),
    ).catch((err) => {
      const hinted = this.privateHint(err, namespace);
      if (!(hinted instanceof DockerMcpError) || hinted.code !== 'NOT_FOUND') throw hinted;
      throw new DockerMcpError('NOT_FOUND', hinted.message, { status: hinted.status, nextStep: 'list-tags' });
    });
  }

  /** One page of a namespace's repositories; private ones are included when the login may see them. */
  async listRepositories(
    namespace: string,
    request: RepositoryListRequest,
    signal?: AbortSignal,
  ): Promise<HubPage<HubRepositoryListEntry>> {
    checkPage(request);
    const params = new URLSearchParams({ page: String(request.page), page_size: String(request.pageSize) });
    if (request.ordering) params.set('ordering', request.ordering);
    const what =
      request.page > 1
        ? `page ${request.page} of the repositories of namespace "${namespace}" (past the last page, or no such namespace)`
        : `namespace "${namespace}" on Docker Hub`;
    return this.getJson<HubPage<HubRepositoryListEntry>>(
      'hubNamespace',
      `/v2/namespaces/${seg(namespace)}/repositories?${params}`,
      what,
      signal,
      (body) => parseReply(hubPageSchema(hubRepositoryListEntrySchema), body, 'Docker Hub', what),
      `namespace:${namespace}`,
    ).catch((err) => {
      throw this.explainAnonymousPaging(err, request);
    });
  }

  /** Organisations the logged-in user belongs to (one page; Hub lists the personal namespace separately). */
  async listOrgs(request: PageRequest, signal?: AbortSignal): Promise<HubPage<HubOrg>> {
    this.deps.auth.requireCredentials('listing your namespaces');
    checkPage(request);
    const params = new URLSearchParams({ page: String(request.page), page_size: String(request.pageSize) });
    const what = 'the organisations of the logged-in user';
    return this.getJson<HubPage<HubOrg>>('hubNamespace', `/v2/user/orgs?${params}`, what, signal, (body) =>
      parseReply(hubPageSchema(hubOrgSchema), body, 'Docker Hub', what),
    );
  }

  async createRepository(namespace: string, creation: RepositoryCreation, signal?: AbortSignal): Promise<Partial<HubRepository>> {
    this.deps.auth.requireCredentials(`creating a repository in "${namespace}"`);
    const response = await this.send('POST', `/v2/namespaces/${seg(namespace)}/repositories`, signal, {
      namespace,
      ...creation,
    });
    if (response.status === 409) {
      throw new DockerMcpError(
        'CONFLICT',
        `repository ${namespace}/${creation.name} already exists; choose another name.`,
        { status: 409, nextStep: 'update-repository' },
      );
    }
    if (!ok(response)) throw hubError(response, `namespace "${namespace}" (creating repository "${creation.name}")`);
    this.changed(namespace, creation.name);
    return writtenRepository(response);
  }

  async updateRepository(namespace: string, name: string, update: RepositoryUpdate, signal?: AbortSignal): Promise<Partial<HubRepository>> {
    this.deps.auth.requireCredentials(`updating ${repoKey(namespace, name)}`);
    const response = await this.send('PATCH', `/v2/namespaces/${seg(namespace)}/repositories/${seg(name)}`, signal, update);
    if (!ok(response)) throw hubError(response, `repository ${repoKey(namespace, name)}`);
    this.changed(namespace, name);
    return writtenRepository(response);
  }

  /** Hub has no DELETE on the newer namespaces path; this is the route the Hub UI and Docker's hub-tool use. */
  async deleteTag(namespace: string, name: string, tag: string, signal?: AbortSignal): Promise<void> {
    this.deps.auth.requireCredentials(`deleting tag "${tag}" of ${repoKey(namespace, name)}`);
    const response = await this.send('DELETE', `/v2/repositories/${seg(namespace)}/${seg(name)}/tags/${seg(tag)}/`, signal);
    if (!ok(response)) throw hubError(response, `tag "${tag}" of ${repoKey(namespace, name)}`);
    this.changed(namespace, name);
  }

  /** The URL people open for a repository. */
  webUrl(namespace: string, name: string): string {
    const site = this.deps.config.hubApiUrl;
    return namespace === OFFICIAL_NAMESPACE ? `${site}/_/${name}` : `${site}/r/${namespace}/${name}`;
  }

  private repositoryWhat(namespace: string, name: string): string {
    return `repository ${repoKey(namespace, name)} on Docker Hub`;
  }

  /** Hub answers 404, not 401, for a private repository asked for anonymously; say what would help. */
  /** Official images (`library/`) are public by definition, so only other namespaces get the private-repository hint. */
  private privateHint(err: unknown, namespace: string): unknown {
    if (!(err instanceof DockerMcpError) || err.code !== 'NOT_FOUND' || namespace === 'library') return err;
    const refused = this.deps.auth.refusedLogin;
    if (this.deps.auth.hasCredentials && !refused) return err;
    return new DockerMcpError(
      'NOT_FOUND',
      refused
        ? `${err.message} It was looked up anonymously because Docker Hub refused the configured token, so a private repository cannot be seen: ${refused}`
        : `${err.message} If it is a private repository, set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN.`,
      { status: err.status },
    );
  }

  private explainAnonymousPaging(err: unknown, request: PageRequest): unknown {
    if (!(err instanceof DockerMcpError) || err.code !== 'FORBIDDEN' || this.deps.auth.hasCredentials) return err;
    return new DockerMcpError(
      'FORBIDDEN',
      `Docker Hub refuses anonymous paging this deep (page ${request.page} × ${request.pageSize}); ` +
        'narrow the list with a filter, or set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN.',
      { status: 403 },
    );
  }

  private changed(namespace: string, name: string): void {
    for (const key of [repoKey(namespace, name), `namespace:${namespace}`]) {
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    }
  }

  private async getJson<T>(
    kind: CacheKind,
    path: string,
    what: string,
    signal: AbortSignal | undefined,
    shape: (body: unknown) => T,
    generationKey?: string,
  ): Promise<T> {
    const who = this.deps.auth.hasCredentials ? `user:${this.deps.config.username}` : 'anonymous';
    const generation = generationKey ? (this.generations.get(generationKey) ?? 0) : 0;
    const key = `${this.deps.config.hubApiUrl}${path}|${who}|g${generation}`;
    return this.deps.cache.getJson<T>(
      kind,
      key,
      async (shared) => {
        const response = await this.send('GET', path, shared);
        if (!ok(response)) throw hubError(response, what);
        return shape(parseBody(response, what));
      },
      signal,
    );
  }

  private send(method: HttpMethod, path: string, signal?: AbortSignal, body?: unknown): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.deps.auth.request({
      method,
      url: `${this.deps.config.hubApiUrl}${path}`,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  }
}

function ok(response: HttpResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function parseBody(response: HttpResponse, what: string): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new DockerMcpError('UPSTREAM_ERROR', `Docker Hub answered ${what} with a body that is not JSON; try again later.`);
  }
}

/** What a write answers only fills in details: the write was done, so an odd reply costs those details, not the call. */
const writtenRepositorySchema = hubRepositorySchema.partial().catch({});

function writtenRepository(response: HttpResponse): Partial<HubRepository> {
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    body = {};
  }
  return writtenRepositorySchema.parse(body);
}

/** Hub lists attestation manifests among a tag's images as `unknown/unknown`; they are not platforms. */
export function withoutAttestations(tag: HubTag): HubTagFiltered {
  const images = Array.isArray(tag.images) ? tag.images : [];
  const platforms = images.filter((image) => !(image.os === 'unknown' && image.architecture === 'unknown'));
  return { ...tag, images: platforms, attestation_images: images.length - platforms.length };
}

/** Search names official images without `library/`; this gives `namespace/name` for every hit. */
export function searchHitRepository(name: string): string {
  return name.includes('/') ? name : `${OFFICIAL_NAMESPACE}/${name}`;
}

function checkPage(request: PageRequest, maxResults?: number): void {
  if (!Number.isInteger(request.pageSize) || request.pageSize < 1 || request.pageSize > HUB_MAX_PAGE_SIZE) {
    throw new DockerMcpError('INVALID_INPUT', `page size must be between 1 and ${HUB_MAX_PAGE_SIZE} (Docker Hub's limit).`);
  }
  if (!Number.isInteger(request.page) || request.page < 1) {
    throw new DockerMcpError('INVALID_INPUT', `page ${request.page} does not exist: pages count from 1.`);
  }
  if (maxResults !== undefined && request.page * request.pageSize > maxResults) {
    throw new DockerMcpError(
      'INVALID_INPUT',
      `page ${request.page} of ${request.pageSize} goes past the ${maxResults} results Docker Hub serves for one search; refine the query instead.`,
    );
  }
}

function repoKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function seg(part: string): string {
  return encodeURIComponent(part);
}
