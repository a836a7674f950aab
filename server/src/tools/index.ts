import type { Config, Toolset } from '../config';
import type { ToolDefinition } from './tool';
import { searchImages } from './searchImages';
import { getImageDetails } from './getImageDetails';
import { getStats } from './getStats';
import { listTags } from './listTags';
import { getTagDetails } from './getTagDetails';
import { getManifest } from './getManifest';
import { inspectImage } from './inspectImage';
import { analyzeLayers } from './analyzeLayers';
import { getImageHistory } from './getImageHistory';
import { getDockerfile } from './getDockerfile';
import { compareImages } from './compareImages';
import { estimatePullSize } from './estimatePullSize';
import { trackBaseUpdates } from './trackBaseUpdates';
import { getAttestations } from './getAttestations';
import { getVulnerabilities } from './getVulnerabilities';
import { checkRateLimit } from './checkRateLimit';
import { listRepositories } from './listRepositories';
import { listNamespaces } from './listNamespaces';
import { cacheInfo } from './cacheInfo';
import { cacheClear } from './cacheClear';
import { createRepository } from './createRepository';
import { updateRepository } from './updateRepository';
import { deleteTag } from './deleteTag';
import { listImageFiles } from './listImageFiles';
import { findInImage } from './findInImage';
import { analyzeEfficiency } from './analyzeEfficiency';

/** Every tool, in the order clients list them. Names are the contract's (CONTRACT.md). */
export const TOOLS: ToolDefinition<any, any>[] = [
  searchImages,
  getImageDetails,
  getStats,
  listTags,
  getTagDetails,
  getManifest,
  inspectImage,
  analyzeLayers,
  getImageHistory,
  getDockerfile,
  compareImages,
  listImageFiles,
  findInImage,
  analyzeEfficiency,
  estimatePullSize,
  trackBaseUpdates,
  getAttestations,
  getVulnerabilities,
  checkRateLimit,
  listRepositories,
  listNamespaces,
  cacheInfo,
  cacheClear,
  createRepository,
  updateRepository,
  deleteTag,
];

/** The toolset of each tool (DOCKERHUB_MCP_TOOLSETS chooses among them). */
export const TOOLSET_OF: Readonly<Record<string, Toolset>> = {
  docker_search_images: 'search',
  docker_get_image_details: 'search',
  docker_get_stats: 'search',
  docker_list_tags: 'images',
  docker_get_tag_details: 'images',
  docker_get_manifest: 'images',
  docker_inspect_image: 'images',
  docker_get_image_history: 'images',
  docker_get_dockerfile: 'images',
  docker_check_rate_limit: 'images',
  docker_analyze_layers: 'analysis',
  docker_compare_images: 'analysis',
  docker_estimate_pull_size: 'analysis',
  docker_track_base_updates: 'analysis',
  docker_get_attestations: 'analysis',
  docker_list_image_files: 'analysis',
  docker_find_in_image: 'analysis',
  docker_analyze_efficiency: 'analysis',
  docker_get_vulnerabilities: 'vulnerabilities',
  docker_list_repositories: 'account',
  docker_list_namespaces: 'account',
  docker_cache_info: 'cache',
  docker_cache_clear: 'cache',
  docker_create_repository: 'write',
  docker_update_repository: 'write',
  docker_delete_tag: 'write',
};

/** Toolsets whose tools need a Docker Hub login (Scout, your namespaces, writes): not listed without one. */
const NEED_CREDENTIALS: ReadonlySet<Toolset> = new Set(['vulnerabilities', 'account', 'write']);

/** The tools that can work with this configuration and credentials, in TOOLS order. */
export function availableTools(config: Pick<Config, 'toolsets' | 'readOnly'>, hasCredentials: boolean): ToolDefinition<any, any>[] {
  return TOOLS.filter((tool) => {
    const toolset = TOOLSET_OF[tool.name];
    if (config.toolsets && !config.toolsets.has(toolset)) return false;
    if (config.readOnly && toolset === 'write') return false;
    return hasCredentials || !NEED_CREDENTIALS.has(toolset);
  });
}
