// The arguments and structuredContent of the tools the explorer calls, taken from the server's own tool definitions
// (type imports only: nothing of the server is bundled into the page). A changed output shape fails the type check.
import type { z } from 'zod';
import type { analyzeLayers } from '../../server/src/tools/analyzeLayers';
import type { cacheClear } from '../../server/src/tools/cacheClear';
import type { cacheInfo } from '../../server/src/tools/cacheInfo';
import type { checkRateLimit } from '../../server/src/tools/checkRateLimit';
import type { compareImages } from '../../server/src/tools/compareImages';
import type { getAttestations } from '../../server/src/tools/getAttestations';
import type { getDockerfile } from '../../server/src/tools/getDockerfile';
import type { getImageDetails } from '../../server/src/tools/getImageDetails';
import type { getManifest } from '../../server/src/tools/getManifest';
import type { getTagDetails } from '../../server/src/tools/getTagDetails';
import type { getVulnerabilities } from '../../server/src/tools/getVulnerabilities';
import type { inspectImage } from '../../server/src/tools/inspectImage';
import type { listTags } from '../../server/src/tools/listTags';
import type { searchImages } from '../../server/src/tools/searchImages';
import type { ExplorerTool } from './protocol';

interface Shapes {
  input: z.ZodRawShape;
  output: z.ZodRawShape;
}
type Output<T extends Shapes> = z.output<z.ZodObject<T['output']>>;
type Input<T extends Shapes> = z.input<z.ZodObject<T['input']>>;

interface Definitions {
  docker_search_images: typeof searchImages;
  docker_get_image_details: typeof getImageDetails;
  docker_list_tags: typeof listTags;
  docker_get_tag_details: typeof getTagDetails;
  docker_get_manifest: typeof getManifest;
  docker_analyze_layers: typeof analyzeLayers;
  docker_inspect_image: typeof inspectImage;
  docker_get_dockerfile: typeof getDockerfile;
  docker_get_vulnerabilities: typeof getVulnerabilities;
  docker_get_attestations: typeof getAttestations;
  docker_compare_images: typeof compareImages;
  docker_cache_info: typeof cacheInfo;
  docker_cache_clear: typeof cacheClear;
  docker_check_rate_limit: typeof checkRateLimit;
}

export type ToolOutputs = { [T in ExplorerTool]: Output<Definitions[T]> };
export type ToolInputs = { [T in ExplorerTool]: Input<Definitions[T]> };

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
