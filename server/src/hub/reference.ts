import { DockerMcpError, invalidInput } from '../errors';
import { DEFAULT_REGISTRY, familiarRepository, parseReference } from '../registry/reference';
import type { ImageReference } from '../registry/types';

/** A Docker Hub repository named by an image argument: `nginx:1.27` → library / nginx, tag 1.27. */
export interface HubImageName {
  reference: ImageReference;
  namespace: string;
  name: string;
  /** The tag as written, or `latest` when none was (and no digest was). */
  tag?: string;
  /** Whether the argument itself carried a tag (`nginx:latest`), rather than the default being applied. */
  tagWritten: boolean;
  /** What people call the repository: `nginx`, `bitnami/redis`. */
  familiar: string;
}

/**
 * Parses an image argument for a Hub-only tool. Other registries get UNSUPPORTED naming the tools that do work
 * there; Hub repositories are always `namespace/name`.
 */
export function hubImageName(image: string, tool: string, argument = 'image'): HubImageName {
  const reference = parseReference(image, argument);
  if (reference.registry !== DEFAULT_REGISTRY) {
    // A write elsewhere has no counterpart among this server's tools: pointing at read tools would mislead.
    const elsewhere = HUB_WRITE_TOOLS.has(tool)
      ? `this server changes repositories only on Docker Hub; use ${reference.registry}'s own web interface or CLI for that.`
      : `for other registries use ${['docker_list_tags', 'docker_get_manifest', 'docker_inspect_image'].filter((name) => name !== tool).join(', ')}.`;
    throw new DockerMcpError(
      'UNSUPPORTED',
      `${tool} uses Docker Hub's own API, so it works only for docker.io images; "${image}" is on ${reference.registry}: ${elsewhere}`,
    );
  }
  const parts = reference.repository.split('/');
  if (parts.length !== 2) {
    throw invalidInput(argument, `must name a Docker Hub repository as name or namespace/name (got "${image}")`);
  }
  return {
    reference,
    namespace: parts[0],
    name: parts[1],
    tag: reference.tag,
    tagWritten: hasWrittenTag(image),
    familiar: familiarRepository(reference),
  };
}

const HUB_WRITE_TOOLS = new Set(['docker_create_repository', 'docker_update_repository', 'docker_delete_tag']);

/** A tag is written when the last path component has `:tag` before any `@digest`. */
function hasWrittenTag(image: string): boolean {
  const withoutDigest = image.split('@')[0];
  const lastComponent = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return lastComponent.includes(':');
}
