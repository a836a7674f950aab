import { invalidInput } from '../errors';
import type { ImageReference } from './types';

/*
 * Docker's reference grammar, as distribution/reference writes it (regexp.go, normalize.go):
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain '/'] remote-name
 * Parsing and normalisation follow ParseNormalizedNamed, so the same input gets the same answer and the same
 * error text as `docker pull`.
 */
const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_ADDRESS = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME}`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_PATTERN = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${REMOTE_NAME})$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;

export const DEFAULT_REGISTRY = 'docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
/** Names people write for Docker Hub's registry; Docker itself folds only index.docker.io. */
const DOCKER_HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io']);
export const REPOSITORY_NAME_MAX = 255;

/** Digest algorithms go-digest registers by default, with their hex lengths. */
export const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Docker's error for a reference it cannot parse, or undefined when `text` is a valid reference. */
export function referenceProblem(text: string): string | undefined {
  const parsed = parse(text);
  return typeof parsed === 'string' ? `is not a valid image reference: ${parsed}` : undefined;
}

/** Parses and normalises a reference; a bad one is INVALID_INPUT naming `argument`. */
export function parseReference(text: string, argument = 'image'): ImageReference {
  const parsed = parse(text);
  if (typeof parsed === 'string') throw invalidInput(argument, `is not a valid image reference: ${parsed}`);
  return parsed;
}

/** The same repository pinned to a digest (the tag is kept for display). */
export function withDigest(reference: ImageReference, digest: string): ImageReference {
  return build(reference.registry, reference.repository, reference.tag, digest);
}

/** `docker.io/library/nginx` */
export function repositoryName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** `nginx`, `bitnami/redis`, `ghcr.io/owner/app`: what people call the repository. */
export function familiarRepository(reference: ImageReference): string {
  if (reference.registry !== DEFAULT_REGISTRY) return repositoryName(reference);
  const rest = reference.repository.slice(OFFICIAL_PREFIX.length);
  return reference.repository.startsWith(OFFICIAL_PREFIX) && !rest.includes('/') ? rest : reference.repository;
}

export function isDigest(text: string): boolean {
  return digestProblem(text) === undefined;
}

function parse(text: string): ImageReference | string {
  if (IDENTIFIER.test(text)) {
    return `invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`;
  }
  const { domain, remainder } = splitDockerDomain(text);
  const colon = remainder.indexOf(':');
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    return `invalid reference format: repository name (${remote}) must be lowercase`;
  }
  const full = `${domain}/${remainder}`;
  const match = REFERENCE_PATTERN.exec(full);
  if (!match) {
    if (text === '') return 'repository name must have at least one component';
    const lower = full.toLowerCase();
    if (lower !== full && REFERENCE_PATTERN.test(lower)) return 'repository name must be lowercase';
    return 'invalid reference format';
  }
  const [, name, tag, digest] = match;
  const nameMatch = ANCHORED_NAME.exec(name);
  const registry = nameMatch?.[1] ?? '';
  const repository = nameMatch?.[2] ?? name;
  if (repository.length > REPOSITORY_NAME_MAX) {
    return `repository name must not be more than ${REPOSITORY_NAME_MAX} characters`;
  }
  if (digest) {
    const problem = digestProblem(digest);
    if (problem) return problem;
  }
  return build(registry, repository, tag || (digest ? undefined : DEFAULT_TAG), digest || undefined);
}

/** go-digest's Validate: a registered algorithm and lowercase hex of the algorithm's length. */
function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon + 1 === digest.length) return 'invalid checksum digest format';
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) {
    return new RegExp(`^${DIGEST}$`).test(digest) ? 'unsupported digest algorithm' : 'invalid checksum digest format';
  }
  if (encoded.length !== length) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(encoded) ? undefined : 'invalid checksum digest format';
}

/** normalize.go splitDockerDomain, plus registry-1.docker.io folded into docker.io. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: DEFAULT_REGISTRY, remainder: OFFICIAL_PREFIX + name };
  const maybeDomain = name.slice(0, slash);
  const maybeRemainder = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === 'localhost' || /[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    domain = DOCKER_HUB_ALIASES.has(maybeDomain) ? DEFAULT_REGISTRY : maybeDomain;
    remainder = maybeRemainder;
  } else {
    domain = DEFAULT_REGISTRY;
    remainder = name;
  }
  if (domain === DEFAULT_REGISTRY && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

function build(registry: string, repository: string, tag: string | undefined, digest: string | undefined): ImageReference {
  const suffix = `${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const reference: ImageReference = {
    registry,
    repository,
    canonical: `${registry}/${repository}${suffix}`,
    familiar: '',
  };
  if (tag) reference.tag = tag;
  if (digest) reference.digest = digest;
  reference.familiar = `${familiarRepository(reference)}${suffix}`;
  return reference;
}
