import { z } from 'zod';
import { DockerMcpError } from '../errors';
import { day, formatBytes, shortDigest } from '../format';
import { compareVersions, parseVersionTag, versionLine } from '../analysis/versionLine';
import { hubImageName } from '../hub/reference';
import type { HubTagFiltered } from '../hub/types';
import { normalisePlatform, parsePlatform, platformMatches, platformString } from '../registry/platform';
import { DEFAULT_REGISTRY, familiarRepository, parseReference } from '../registry/reference';
import type { ImageReference } from '../registry/types';
import type { Services } from '../services';
import { cursorArg, cursorAt, nextCursorOutput, nextPagePhrase, pageNumber, pageOf, startOf, type Position } from './cursor';
import { imageArg, limitArg, platformArg, textArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

/** Tags of a registry's tags/list read to filter, sort or follow a version line in one call. */
const REGISTRY_TAGS_MAX = 1000;
/** Docker Hub tags read for one sorted or version-line answer: five pages of 100, newest first. */
const HUB_PAGE_SIZE = 100;
const HUB_PAGES_MAX = 5;

/** What one digest is: read once however many listed tags point at it. */
const digestGroup = z.object({
  digest: z.string().nullable().describe('What the tags point at: the index of a multi-platform tag. Pin this one'),
  platform_digest: z
    .string()
    .nullable()
    .describe('With a platform filter: that platform\'s image manifest, whose size is shown (what was read, not what to pin)'),
  full_size: z
    .number()
    .nullable()
    .describe('Compressed size in bytes of the filtered platform, else of linux/amd64 or the first platform, as Docker Hub reports it'),
  platforms: z.array(z.string()).describe('os/arch[/variant] of each platform; attestations left out'),
});

const tag = z.object({
  name: z.string(),
  digest_index: z.number().int().nullable().describe('Index in `digests` of what the tag points at; tags with the same index are aliases'),
  tag_last_pushed: z.string().nullable(),
});

const TOOL = 'docker_list_tags';

const VERSION_TAG = /^v?\d{1,9}(\.\d{1,9})*(-[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

const input = {
  image: imageArg(),
  limit: limitArg(100, 25),
  cursor: cursorArg,
  name: textArg(128).optional().describe('Tag name contains'),
  platform: platformArg.describe('Sizes and digests of this platform'),
  architecture: textArg(32).optional().describe('e.g. arm64'),
  os: textArg(32).optional().describe('e.g. windows'),
  sort: z.enum(['pushed', 'name', 'size']).default('pushed').describe('Newest, name/version, or smallest first'),
  newer_than: textArg(128)
    .refine((value) => VERSION_TAG.test(value), 'must be a version tag such as 1.27.1, 3.12 or 3.12-slim')
    .optional()
    .describe('Only newer releases of this version tag\'s line'),
};

const output = {
  image: z.string().describe('Repository as people write it'),
  registry: z.string(),
  source: z.enum(['hub', 'registry']).describe('hub: Docker Hub’s tag API (digests, platforms, dates); registry: the registry’s tag list (names only)'),
  platform: z.string().nullable().describe('The platform filter, normalised; sizes are this platform\'s'),
  sort: z.enum(['pushed', 'name', 'size']),
  page: z.number(),
  limit: z.number(),
  count: z.number().nullable().describe('Tags matching the filters in the whole repository, when known'),
  next_cursor: nextCursorOutput,
  digests: z.array(digestGroup).describe('Each digest the listed tags point at, once (Docker Hub only)'),
  tags: z.array(tag),
  version_line: z
    .object({
      tag: z.string(),
      line: z.string().describe('e.g. 1.27.x or 3.12.x-slim'),
      same_as: z.string().nullable().describe('The release a floating tag points at (same digest)'),
      newer: z.array(z.string()).describe('Newer releases of the line, newest first'),
      newest: z.string().nullable(),
      newest_later_line: z.string().nullable().describe('Newest release of the same variant in a later line'),
    })
    .nullable()
    .describe('With newer_than: the tag\'s version line'),
  notes: z.array(z.string()),
};

type Args = z.output<z.ZodObject<typeof input>>;
type Result = z.input<z.ZodObject<typeof output>>;
type DigestGroup = z.input<typeof digestGroup>;
/** A tag as read, before the answer names each digest once. */
type ReadTag = DigestGroup & { name: string; tag_last_pushed: string | null };
/** The part of an answer that differs between Docker Hub, other registries and the ways of reading. */
type Listing = Pick<Result, 'image' | 'registry' | 'source' | 'platform' | 'count' | 'next_cursor' | 'version_line' | 'notes'> & { tags: ReadTag[] };

export const listTags = defineTool({
  name: TOOL,
  title: 'List image tags',
  description:
    'Tags of a repository, paged. Docker Hub: digest to pin, platforms, size, push date; filters, sort, newer releases of a line. Elsewhere: names.',
  input,
  output,
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image);
    const start = startOf(TOOL, args);
    const listing =
      reference.registry === DEFAULT_REGISTRY ? await hubTags(args, start, services, signal) : await registryTags(reference, args, start, services, signal);
    return answer(listing, args, start);
  },
  summarize(result, args) {
    const filters = [args.name && !args.newer_than && `name~${args.name}`, result.platform && `platform ${result.platform}`]
      .filter(Boolean)
      .join(', ');
    const order = result.sort === 'size' ? ', smallest first' : result.sort === 'name' ? ', by name' : '';
    const lines: string[] = [];
    const line = result.version_line;
    if (line) {
      const what = line.same_as ? `${line.tag} (= ${line.same_as})` : line.tag;
      lines.push(
        line.newer.length > 0
          ? `${result.image}:${what}: ${plural(line.newer.length, 'newer release')} in its line ${line.line}, newest ${line.newest}.`
          : `${result.image}:${what}: no newer release in its line ${line.line}${line.newest ? `; the newest is ${line.newest}` : ''}.`,
      );
      if (line.newest_later_line) lines.push(`A later line exists: ${line.newest_later_line}.`);
    } else {
      lines.push(
        `${result.image}: ${result.count === null ? 'unknown number of tags' : plural(result.count, 'tag')}${filters ? ` matching ${filters}` : ''}${order}; page ${result.page}, ` +
          `${result.tags.length} shown${nextPagePhrase(result.next_cursor)}.`,
      );
    }
    // A digest's facts are written on the first of its tags; the others name that tag.
    const firstTagOf = new Map<number, string>();
    for (const entry of result.tags) {
      const index = entry.digest_index;
      const group = index === null ? undefined : result.digests[index];
      if (index === null || !group) {
        lines.push(`- ${entry.name}`);
        continue;
      }
      const pushed = `pushed ${day(entry.tag_last_pushed)}`;
      const first = firstTagOf.get(index);
      if (first !== undefined) {
        lines.push(`- ${entry.name}: same as ${first}, ${pushed}`);
        continue;
      }
      firstTagOf.set(index, entry.name);
      const digest = group.platform_digest && group.platform_digest !== group.digest
        ? `pin ${group.digest ?? '?'} (${result.platform} image ${shortDigest(group.platform_digest)})`
        : `${group.digest ?? '?'}`;
      lines.push(`- ${entry.name}: ${digest} ${formatBytes(group.full_size)}, ${group.platforms.join(' ') || 'no platforms'}, ${pushed}`);
    }
    lines.push(...result.notes);
    return lines.join('\n');
  },
  example: { image: 'python', limit: 5, platform: 'linux/arm64', sort: 'size' },
});

interface PlatformFilter {
  os?: string;
  architecture?: string;
  variant?: string;
  /** As shown: `linux/arm64`, `arm64`, `os windows`. */
  text: string;
}

/** `platform`, `architecture` and `os` as one filter, each normalised as docker --platform does. */
function platformFilter(args: Args): PlatformFilter | undefined {
  let os = args.os?.trim().toLowerCase();
  let architecture: string | undefined;
  let variant: string | undefined;
  if (args.architecture) {
    const normalised = normalisePlatform(args.architecture);
    if (!normalised) {
      throw new DockerMcpError(
        'INVALID_INPUT',
        `argument "architecture" is not an architecture Docker understands: use amd64, arm64 (aarch64), arm, 386, ppc64le, s390x, riscv64, or a platform such as linux/arm64.`,
      );
    }
    const parts = parsePlatform(normalised);
    architecture = parts.architecture;
    variant = parts.variant;
    if (args.architecture.includes('/')) os = parts.os;
  }
  if (args.platform) {
    const parts = parsePlatform(args.platform);
    ({ os, architecture, variant } = parts);
  }
  if (!os && !architecture) return undefined;
  const text = architecture ? [os, architecture, variant].filter(Boolean).join('/') : `os ${os}`;
  return { ...(os ? { os } : {}), ...(architecture ? { architecture } : {}), ...(variant ? { variant } : {}), text };
}

/**
 * Docker Hub's tags: one page as Hub pages them, or, to sort or follow a version line, up to HUB_PAGES_MAX pages of the
 * newest tags read and paged here.
 */
async function hubTags(args: Args, start: Position, services: Services, signal: AbortSignal): Promise<Listing> {
  const hub = hubImageName(args.image, 'docker_list_tags');
  const filter = platformFilter(args);
  const notes: string[] = [];
  const readAll = args.sort !== 'pushed' || args.newer_than !== undefined;
  const request = { name: args.newer_than ? undefined : args.name, architecture: filter?.architecture, os: filter?.os };
  let entries: HubTagFiltered[];
  let total: number;
  let complete: boolean;
  if (readAll) {
    entries = [];
    total = 0;
    complete = false;
    for (let page = 1; page <= HUB_PAGES_MAX; page++) {
      const read = await services.hub.listTags(hub.namespace, hub.name, { page, pageSize: HUB_PAGE_SIZE, ...request }, signal);
      entries.push(...read.results);
      total = read.count;
      if (!read.next || page * HUB_PAGE_SIZE >= read.count) {
        complete = true;
        break;
      }
    }
    if (!complete) notes.push(`Only the newest ${entries.length} of ${total} tags were read to sort them.`);
  } else {
    const read = await services.hub.listTags(hub.namespace, hub.name, { page: pageNumber(start.offset, args.limit), pageSize: args.limit, ...request }, signal);
    entries = read.results;
    total = read.count;
    complete = !read.next && start.offset + args.limit >= read.count;
  }
  const readTags = entries.flatMap((entry) => {
    const shown = readTag(entry, filter);
    return shown && (!request.name || entry.name.includes(request.name)) ? [shown] : [];
  });
  const listed = { image: hub.familiar, registry: DEFAULT_REGISTRY, source: 'hub' as const, platform: filter?.text ?? null, notes };
  if (!readAll) {
    // Filters Hub did not apply were applied to this page here, so the total is then not known.
    const next_cursor = complete ? null : cursorAt(TOOL, args, { offset: start.offset + args.limit });
    return { ...listed, count: readTags.length < entries.length ? null : total, next_cursor, tags: readTags, version_line: null };
  }
  let selected = readTags;
  let versionLineResult: Result['version_line'] = null;
  if (args.newer_than) {
    const line = versionLine(args.newer_than, readTags);
    if (!line) throw new DockerMcpError('INVALID_INPUT', `argument "newer_than" must be a version tag such as 1.27.1 or 3.12-slim.`);
    if (!readTags.some((entry) => entry.name === args.newer_than)) {
      notes.push(`${hub.familiar}:${args.newer_than} was not among the tags read${filter ? ` for ${filter.text}` : ''}.`);
    }
    versionLineResult = { tag: args.newer_than, line: line.line, same_as: line.same_as, newer: line.newer, newest: line.newest, newest_later_line: line.newest_later_line };
    const newer = new Set(line.newer);
    selected = readTags.filter((entry) => newer.has(entry.name)).sort((a, b) => line.newer.indexOf(a.name) - line.newer.indexOf(b.name));
  } else if (args.sort !== 'pushed') {
    selected = sortTags(readTags, args.sort);
  }
  const page = pageOf(TOOL, args, selected, start.offset);
  return { ...listed, count: complete ? selected.length : null, next_cursor: page.next_cursor, tags: page.entries, version_line: versionLineResult };
}

/** The answer: each digest the page's tags point at listed once, in the order its first tag appears. */
function answer(listing: Listing, args: Args, start: Position): Result {
  const { tags, ...rest } = listing;
  const digests: DigestGroup[] = [];
  const indexOf = new Map<string, number>();
  const rows = tags.map((entry) => {
    if (listing.source === 'registry') return { name: entry.name, digest_index: null, tag_last_pushed: entry.tag_last_pushed };
    // A tag Hub gives no digest for is a group of its own: its platforms and size are still facts.
    const key = entry.digest === null ? `tag ${entry.name}` : `${entry.digest} ${entry.platform_digest ?? ''}`;
    let index = indexOf.get(key);
    if (index === undefined) {
      index = digests.push({ digest: entry.digest, platform_digest: entry.platform_digest, full_size: entry.full_size, platforms: entry.platforms }) - 1;
      indexOf.set(key, index);
    }
    return { name: entry.name, digest_index: index, tag_last_pushed: entry.tag_last_pushed };
  });
  return { ...rest, sort: args.sort, page: pageNumber(start.offset, args.limit), limit: args.limit, digests, tags: rows };
}

/** A tag as read: with a platform filter, that platform's digest and size; undefined when it lacks the platform. */
function readTag(entry: HubTagFiltered, filter: PlatformFilter | undefined): ReadTag | undefined {
  const base = {
    name: entry.name,
    digest: entry.digest ?? null,
    platforms: entry.images.map(platformString),
    tag_last_pushed: entry.tag_last_pushed ?? null,
  };
  if (!filter) return { ...base, platform_digest: null, full_size: entry.full_size ?? null };
  const image = entry.images.find(
    (candidate) =>
      (!filter.os || candidate.os === filter.os) &&
      (!filter.architecture ||
        platformMatches(
          { os: candidate.os, architecture: filter.architecture, ...(filter.variant ? { variant: filter.variant } : {}) },
          { os: candidate.os, architecture: candidate.architecture, ...(candidate.variant ? { variant: candidate.variant } : {}) },
        )),
  );
  if (!image) return undefined;
  return { ...base, platform_digest: image.digest ?? null, full_size: image.size ?? null };
}

/** By size (smallest first, unknown last) or by name, with version tags in version order. */
function sortTags(tags: ReadTag[], sort: 'name' | 'size'): ReadTag[] {
  const byName = (a: ReadTag, b: ReadTag) => {
    const va = parseVersionTag(a.name);
    const vb = parseVersionTag(b.name);
    if (va && vb && va.variant === vb.variant) return compareVersions(va.numbers, vb.numbers);
    return a.name.localeCompare(b.name, 'en', { numeric: true });
  };
  if (sort === 'name') return [...tags].sort(byName);
  return [...tags].sort((a, b) => (a.full_size ?? Infinity) - (b.full_size ?? Infinity) || byName(a, b));
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Tags from the registry's own tags/list, which pages by the last tag read: a page is one request continuing after the
 * previous page's last tag. To filter by name, sort or follow a version line, up to REGISTRY_TAGS_MAX names are read
 * and paged here.
 */
async function registryTags(reference: ImageReference, args: Args, start: Position, services: Services, signal: AbortSignal): Promise<Listing> {
  if (args.architecture || args.os || args.platform || args.sort === 'size') {
    throw new DockerMcpError(
      'UNSUPPORTED',
      `filtering or sorting tags by platform or size needs Docker Hub's tag metadata; ${reference.registry} only lists tag names. ` +
        'List the tags, then read a tag’s platforms and sizes with docker_get_manifest.',
    );
  }
  const readAll = Boolean(args.name || args.newer_than || args.sort === 'name');
  const listing = readAll
    ? await services.registry.listTags(reference, { limit: REGISTRY_TAGS_MAX }, signal)
    : await services.registry.listTags(reference, { limit: args.limit, ...(start.last === undefined ? {} : { last: start.last }) }, signal);
  const complete = listing.next === undefined;
  const notes: string[] = [];
  let entries: ReadTag[] = (args.name && !args.newer_than ? listing.tags.filter((name) => name.includes(args.name!)) : listing.tags).map((name) => ({
    name,
    digest: null,
    platform_digest: null,
    full_size: null,
    platforms: [],
    tag_last_pushed: null,
  }));
  let versionLineResult: Result['version_line'] = null;
  if (args.newer_than) {
    const line = versionLine(args.newer_than, entries);
    if (!line) throw new DockerMcpError('INVALID_INPUT', `argument "newer_than" must be a version tag such as 1.27.1 or 3.12-slim.`);
    versionLineResult = { tag: args.newer_than, line: line.line, same_as: null, newer: line.newer, newest: line.newest, newest_later_line: line.newest_later_line };
    entries = line.newer.map((name) => entries.find((entry) => entry.name === name)!);
    notes.push(`${reference.registry} lists tag names only, so a floating tag such as ${args.newer_than} cannot be matched to the release it points at.`);
  } else if (args.sort === 'name') {
    entries = sortTags(entries, 'name');
  }
  if (!complete && readAll) notes.push(`Only the first ${listing.tags.length} tags were read.`);
  const page = readAll
    ? pageOf(TOOL, args, entries, start.offset)
    : { entries, next_cursor: listing.next === undefined ? null : cursorAt(TOOL, args, { offset: start.offset + args.limit, last: listing.next }) };
  return {
    image: familiarRepository(reference),
    registry: reference.registry,
    source: 'registry',
    platform: null,
    count: complete ? (readAll ? entries.length : start.offset + entries.length) : null,
    next_cursor: page.next_cursor,
    tags: page.entries,
    version_line: versionLineResult,
    notes,
  };
}
