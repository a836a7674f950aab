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
 * Parses an image argument for a Hub-only operation (`what` names it in the error). Other registries get
 * UNSUPPORTED, whose next step (what does work there) the tool layer words; Hub repositories are always
 * `namespace/name`.
 */
export function hubImageName(image: string, what: string, argument = 'image'): HubImageName {
  const reference = parseReference(image, argument);
  if (reference.registry !== DEFAULT_REGISTRY) {
    throw new DockerMcpError(
      'UNSUPPORTED',
      `${what} uses Docker Hub's own API, so it works only for docker.io images; "${image}" is on ${reference.registry}.`,
      { nextStep: 'docker-hub-only' },
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

/** A tag is written when the last path component has `:tag` before any `@digest`. */
export function hasWrittenTag(image: string): boolean {
  const withoutDigest = image.split('@')[0];
  const lastComponent = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return lastComponent.includes(':');
}
