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
