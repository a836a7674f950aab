import { z } from 'zod';
import { DockerMcpError } from '../errors';
import { day, formatBytes } from '../format';
import { hubImageName } from '../hub/reference';
import { platformString } from '../registry/platform';
import { DEFAULT_REGISTRY, familiarRepository, parseReference } from '../registry/reference';
import type { ImageReference } from '../registry/types';
import type { Services } from '../services';
import { imageArg, limitArg, pageArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

/** Deepest tag a registry's tags/list is read to for one call (page × limit, or the whole list with a name filter). */
const REGISTRY_TAGS_MAX = 1000;

const tag = z.object({
  name: z.string(),
  digest: z.string().nullable(),
  full_size: z.number().nullable().describe('Compressed size in bytes (amd64 or first platform)'),
  platforms: z.array(z.string()).describe('os/arch[/variant] of each platform; attestations left out'),
  tag_last_pushed: z.string().nullable(),
});

const input = {
  image: imageArg('Repository'),
  limit: limitArg(100, 25),
  page: pageArg,
  name: z.string().min(1).max(128).optional().describe('Tag name contains'),
  architecture: z.string().min(1).max(32).optional().describe('CPU architecture, e.g. arm64'),
  os: z.string().min(1).max(32).optional().describe('Operating system, e.g. windows'),
};

const output = {
  image: z.string().describe('Repository as people write it'),
  registry: z.string(),
  source: z.enum(['hub', 'registry']).describe('hub: Docker Hub’s tag API (digests, platforms, dates); registry: the registry’s tag list (names only)'),
  page: z.number(),
  limit: z.number(),
  count: z.number().nullable().describe('Tags matching the filters in the whole repository, when known'),
  has_more: z.boolean(),
  tags: z.array(tag),
};

type Args = z.output<z.ZodObject<typeof input>>;
type Result = z.input<z.ZodObject<typeof output>>;

export const listTags = defineTool({
  name: 'docker_list_tags',
  title: 'List image tags',
  description:
    'Tags of a repository, paged, newest first. Docker Hub: digest, platforms, size and push date per tag, filters by name, architecture, os. Other registries: tag names.',
  input,
  output,
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image);
    if (reference.registry !== DEFAULT_REGISTRY) return registryTags(reference, args, services, signal);
    const hub = hubImageName(args.image, 'docker_list_tags');
    const page = await services.hub.listTags(hub.namespace, hub.name, { page: args.page, pageSize: args.limit, name: args.name, architecture: args.architecture, os: args.os }, signal);
    const tags = page.results.filter(
      (entry) =>
        (!args.name || entry.name.includes(args.name)) &&
        (!args.architecture || entry.images.some((image) => image.architecture === args.architecture)) &&
        (!args.os || entry.images.some((image) => image.os === args.os)),
    );
    const filteredHere = tags.length < page.results.length;
    return {
      image: hub.familiar,
      registry: DEFAULT_REGISTRY,
      source: 'hub' as const,
      page: args.page,
      limit: args.limit,
      // Filters Hub did not apply were applied to this page here, so the total is then not known.
      count: filteredHere ? null : page.count,
      has_more: Boolean(page.next) || args.page * args.limit < page.count,
      tags: tags.map((entry) => ({
        name: entry.name,
        digest: entry.digest ?? null,
        full_size: entry.full_size ?? null,
        platforms: entry.images.map(platformString),
        tag_last_pushed: entry.tag_last_pushed ?? null,
      })),
    };
  },
  summarize(result, args) {
    const filters = [args.name && `name~${args.name}`, args.architecture && `arch=${args.architecture}`, args.os && `os=${args.os}`]
      .filter(Boolean)
      .join(', ');
    const header =
      `${result.image}: ${result.count ?? 'unknown number of'} tags${filters ? ` matching ${filters}` : ''}; page ${result.page}, ` +
      `${result.tags.length} shown${result.has_more ? ', more on the next page' : ''}.`;
    const lines = result.tags.map((entry) =>
      result.source === 'registry'
        ? `- ${entry.name}`
        : `- ${entry.name}: ${entry.digest ?? '?'} ${formatBytes(entry.full_size)}, ${entry.platforms.join(' ') || 'no platforms'}, pushed ${day(entry.tag_last_pushed)}`,
    );
    return [header, ...lines].join('\n');
  },
  example: { image: 'nginx', limit: 10, name: 'alpine' },
});

/**
 * Tags from the registry's own tags/list, which pages by cursor: page N is read as the first N × limit names (or
 * the whole list, up to REGISTRY_TAGS_MAX, when filtering by name) and cut here.
 */
async function registryTags(reference: ImageReference, args: Args, services: Services, signal: AbortSignal): Promise<Result> {
  if (args.architecture || args.os) {
    throw new DockerMcpError(
      'UNSUPPORTED',
      `filtering tags by architecture or os needs Docker Hub's tag metadata; ${reference.registry} only lists tag names. ` +
        'List the tags, then read a tag’s platforms with docker_get_manifest.',
    );
  }
  const wanted = args.name ? REGISTRY_TAGS_MAX : args.page * args.limit;
  if (wanted > REGISTRY_TAGS_MAX) {
    throw new DockerMcpError(
      'INVALID_INPUT',
      `argument "page" reaches past the first ${REGISTRY_TAGS_MAX} tags read from ${reference.registry} in one call; use the name filter to narrow the list.`,
    );
  }
  const listing = await services.registry.listTags(reference, { limit: wanted }, signal);
  const names = args.name ? listing.tags.filter((name) => name.includes(args.name!)) : listing.tags;
  const start = (args.page - 1) * args.limit;
  const pageNames = names.slice(start, start + args.limit);
  const complete = listing.next === undefined;
  return {
    image: familiarRepository(reference),
    registry: reference.registry,
    source: 'registry',
    page: args.page,
    limit: args.limit,
    count: complete ? names.length : null,
    has_more: start + args.limit < names.length || !complete,
    tags: pageNames.map((name) => ({
      name,
      digest: null,
      full_size: null,
      platforms: [],
      tag_last_pushed: null,
    })),
  };
}
