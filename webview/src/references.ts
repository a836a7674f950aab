// Just enough of Docker's reference grammar to lay out views and write `docker pull` lines; the server parses and
// validates every reference for real and answers INVALID_INPUT with Docker's own wording.

export interface ReferenceParts {
  /** As written, without tag or digest: nginx, bitnami/redis, ghcr.io/owner/app. */
  repository: string;
  /** The registry host, `docker.io` when none is written. */
  registry: string;
  tag?: string;
  digest?: string;
}

export function splitReference(text: string): ReferenceParts {
  const trimmed = text.trim();
  const at = trimmed.indexOf('@');
  const digest = at >= 0 ? trimmed.slice(at + 1) : undefined;
  const name = at >= 0 ? trimmed.slice(0, at) : trimmed;
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  const repository = hasTag ? name.slice(0, colon) : name;
  const firstSlash = repository.indexOf('/');
  const first = firstSlash >= 0 ? repository.slice(0, firstSlash) : '';
  // Docker's rule: the first component names a registry when it has a dot or a port, or is localhost.
  const registry = first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
  return { repository, registry, tag: hasTag ? name.slice(colon + 1) : undefined, digest };
}

export function isDockerHub(reference: string): boolean {
  const { registry } = splitReference(reference);
  return registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io';
}

/** Whether text typed into the search box is an image reference to open rather than words to search for. */
export function looksLikeReference(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return false;
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/@\-[\]]*$/.test(trimmed)) return false;
  const parts = splitReference(trimmed);
  return parts.tag !== undefined || parts.digest !== undefined || parts.registry !== 'docker.io';
}

export function withTag(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}

export function withDigest(image: string, digest: string): string {
  return `${splitReference(image).repository}@${digest}`;
}
