// The one surface of the server that extension/ and webview/ import: tool names, error codes, output types, and
// the single implementations of reference parsing, formatting and the Docker Hub login. Everything here but
// verifyHubLogin is free of Node built-ins, because the webview (a browser page) bundles it; the login loads the
// HTTP stack only when called, so the page never evaluates it.
import type { z } from 'zod';
import { DockerMcpError, ERROR_CODES, type ErrorCode } from './errors';
import { hasWrittenTag } from './hub/reference';
import { DEFAULT_REGISTRY, familiarRepository, parseReference, referenceProblem } from './registry/reference';
import type { ImageReference } from './registry/types';
import type { analyzeEfficiency } from './tools/analyzeEfficiency';
import type { analyzeLayers } from './tools/analyzeLayers';
import type { cacheClear } from './tools/cacheClear';
import type { cacheInfo } from './tools/cacheInfo';
import type { checkRateLimit } from './tools/checkRateLimit';
import type { compareImages } from './tools/compareImages';
import type { createRepository } from './tools/createRepository';
import type { deleteTag } from './tools/deleteTag';
import type { estimatePullSize } from './tools/estimatePullSize';
import type { findInImage } from './tools/findInImage';
import type { getAttestations } from './tools/getAttestations';
import type { getDockerfile } from './tools/getDockerfile';
import type { getImageDetails } from './tools/getImageDetails';
import type { getImageHistory } from './tools/getImageHistory';
import type { getManifest } from './tools/getManifest';
import type { getStats } from './tools/getStats';
import type { getTagDetails } from './tools/getTagDetails';
import type { getVulnerabilities } from './tools/getVulnerabilities';
import type { inspectImage } from './tools/inspectImage';
import type { listImageFiles } from './tools/listImageFiles';
import type { listNamespaces } from './tools/listNamespaces';
import type { listRepositories } from './tools/listRepositories';
import type { listTags } from './tools/listTags';
import type { searchImages } from './tools/searchImages';
import type { trackBaseUpdates } from './tools/trackBaseUpdates';
import type { updateRepository } from './tools/updateRepository';

export { DockerMcpError, ERROR_CODES, type ErrorCode } from './errors';
export { compactCount, cutText, formatBytes, shortDigest, timeAgo } from './format';
export { newerInLine, versionLineFilter } from './analysis/versionLine';
export { DEFAULT_REGISTRY, familiarRepository, parseReference, referenceProblem, type ImageReference };

/** Every tool's name, as clients see it (CONTRACT.md). */
export const TOOL_NAMES = [
  'docker_analyze_efficiency',
  'docker_analyze_layers',
  'docker_cache_clear',
  'docker_cache_info',
  'docker_check_rate_limit',
  'docker_compare_images',
  'docker_create_repository',
  'docker_delete_tag',
  'docker_estimate_pull_size',
  'docker_find_in_image',
  'docker_get_attestations',
  'docker_get_dockerfile',
  'docker_get_image_details',
  'docker_get_image_history',
  'docker_get_manifest',
  'docker_get_stats',
  'docker_get_tag_details',
  'docker_get_vulnerabilities',
  'docker_inspect_image',
  'docker_list_image_files',
  'docker_list_namespaces',
  'docker_list_repositories',
  'docker_list_tags',
  'docker_search_images',
  'docker_track_base_updates',
  'docker_update_repository',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

interface Definitions {
  docker_analyze_efficiency: typeof analyzeEfficiency;
  docker_analyze_layers: typeof analyzeLayers;
  docker_cache_clear: typeof cacheClear;
  docker_cache_info: typeof cacheInfo;
  docker_check_rate_limit: typeof checkRateLimit;
  docker_compare_images: typeof compareImages;
  docker_create_repository: typeof createRepository;
  docker_delete_tag: typeof deleteTag;
  docker_estimate_pull_size: typeof estimatePullSize;
  docker_find_in_image: typeof findInImage;
  docker_get_attestations: typeof getAttestations;
  docker_get_dockerfile: typeof getDockerfile;
  docker_get_image_details: typeof getImageDetails;
  docker_get_image_history: typeof getImageHistory;
  docker_get_manifest: typeof getManifest;
  docker_get_stats: typeof getStats;
  docker_get_tag_details: typeof getTagDetails;
  docker_get_vulnerabilities: typeof getVulnerabilities;
  docker_inspect_image: typeof inspectImage;
  docker_list_image_files: typeof listImageFiles;
  docker_list_namespaces: typeof listNamespaces;
  docker_list_repositories: typeof listRepositories;
  docker_list_tags: typeof listTags;
  docker_search_images: typeof searchImages;
  docker_track_base_updates: typeof trackBaseUpdates;
  docker_update_repository: typeof updateRepository;
}

interface Shapes {
  input: z.ZodRawShape;
  output: z.ZodRawShape;
}
type Output<T extends Shapes> = z.output<z.ZodObject<T['output']>>;
type Input<T extends Shapes> = z.input<z.ZodObject<T['input']>>;

/** Each tool's structuredContent; a changed output schema fails the type check of whatever reads it. */
export type ToolOutputs = { [T in keyof Definitions]: Output<Definitions[T]> };
export type ToolInputs = { [T in keyof Definitions]: Input<Definitions[T]> };

export type SearchResult = ToolOutputs['docker_search_images'];
export type RepositoryDetails = ToolOutputs['docker_get_image_details'];
export type TagPage = ToolOutputs['docker_list_tags'];
export type TagDetails = ToolOutputs['docker_get_tag_details'];
export type Manifest = ToolOutputs['docker_get_manifest'];
export type LayerAnalysis = ToolOutputs['docker_analyze_layers'];
export type ImageConfig = ToolOutputs['docker_inspect_image'];
export type Dockerfile = ToolOutputs['docker_get_dockerfile'];
export type Vulnerabilities = ToolOutputs['docker_get_vulnerabilities'];
export type Attestations = ToolOutputs['docker_get_attestations'];
export type Comparison = ToolOutputs['docker_compare_images'];
export type CacheInfo = ToolOutputs['docker_cache_info'];
export type RateLimit = ToolOutputs['docker_check_rate_limit'];
export type Namespaces = ToolOutputs['docker_list_namespaces'];
export type RepositoryList = ToolOutputs['docker_list_repositories'];
export type ImageFileList = ToolOutputs['docker_list_image_files'];
export type Efficiency = ToolOutputs['docker_analyze_efficiency'];

/** An image reference as the explorer shows it, or undefined when the text is not one. */
export interface DescribedImage {
  reference: ImageReference;
  /** What people call the repository: `nginx`, `bitnami/redis`, `ghcr.io/owner/app`. */
  repository: string;
  onDockerHub: boolean;
  /** A tag was written (`nginx:latest`), rather than `latest` being implied. */
  tagWritten: boolean;
}

export function describeImage(text: string): DescribedImage | undefined {
  const trimmed = text.trim();
  if (referenceProblem(trimmed) !== undefined) return undefined;
  const reference = parseReference(trimmed);
  return {
    reference,
    repository: familiarRepository(reference),
    onDockerHub: reference.registry === DEFAULT_REGISTRY,
    tagWritten: hasWrittenTag(trimmed),
  };
}

/** `nginx@sha256:…`: the repository pinned to a digest, the form `docker pull` takes. */
export function pinnedReference(image: string, digest: string): string {
  const described = describeImage(image);
  return `${described ? described.repository : image.split('@')[0]}@${digest}`;
}

/**
 * The contract code of a thrown error. By its `code`, not `instanceof`: verifyHubLogin's modules load lazily and,
 * under a loader that keeps CommonJS and ES module copies apart, may throw another copy's DockerMcpError.
 */
export function errorCodeOf(err: unknown): ErrorCode | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return (ERROR_CODES as readonly unknown[]).includes(code) ? (code as ErrorCode) : undefined;
}

export interface HubLoginCheck {
  hubApiUrl: string;
  username: string;
  token: string;
  timeoutMs?: number;
}

export interface HubLogin {
  /** The account (or organisation) Docker Hub says the token belongs to. */
  username: string;
  endpoint: string;
}

/**
 * Logs in to Docker Hub once with the server's own login (the same endpoints, fallback and URL rules), so a token
 * can be checked before it is stored. Throws DockerMcpError: UNAUTHORIZED when Docker Hub refused the token,
 * INVALID_INPUT for an unusable API URL, TIMEOUT or UPSTREAM_ERROR when Docker Hub could not be asked.
 */
export async function verifyHubLogin(check: HubLoginCheck): Promise<HubLogin> {
  const [{ ConfigError, loadConfig }, { HttpClient }, { HubAuth }, { createLogger }] = await Promise.all([
    import('./config'),
    import('./net/client'),
    import('./auth/hubAuth'),
    import('./log'),
  ]);
  let config;
  try {
    config = loadConfig({ DOCKERHUB_API_URL: check.hubApiUrl, DOCKERHUB_USERNAME: check.username, DOCKERHUB_TOKEN: check.token });
  } catch (err) {
    if (err instanceof ConfigError) throw new DockerMcpError('INVALID_INPUT', err.message);
    throw err;
  }
  const log = createLogger('error', () => undefined);
  // One attempt: a person is waiting, and a refused token does not become valid by asking again.
  const http = new HttpClient({ timeoutMs: check.timeoutMs ?? 15_000, log, maxRetries: 0 });
  try {
    const auth = new HubAuth({ config, http, log });
    await auth.accessToken();
    const status = auth.status();
    return { username: status.username ?? check.username, endpoint: status.loginEndpoint ?? '/v2/auth/token' };
  } finally {
    // The answer is in; closing the one-shot connection must not hold it back.
    void http.close().catch(() => undefined);
  }
}
