// Facts about image references for the editor, asked of the bundled server's tools through the extension's one
// connection (so the explorer, Copilot's server and the editor share the server's cache), and kept here by reference:
// a file with thirty references asks once per distinct one, and nothing is asked again until the facts are old.
// When a later check fails (offline, rate limited) the last known facts stay, with their age. No vscode import: the
// unit tests drive this with a real server.
import { DEFAULT_REGISTRY, familiarRepository, newerInLine, parseReference, referenceProblem, versionLineFilter, type ImageReference } from '../../../server/src/contract';
import type { ReplyError, ToolArguments } from '../../../webview/src/protocol';

/** The tools the editor asks. */
export type EditorTool = 'docker_get_tag_details' | 'docker_get_manifest' | 'docker_list_tags' | 'docker_get_image_details' | 'docker_get_vulnerabilities';

export type ToolOutcome = { ok: true; value: { structured: unknown; text: string } } | { ok: false; error: ReplyError };

/** The extension's shared server connection, as far as the editor uses it. */
export interface FactsConnection {
  callTool(tool: EditorTool, args: ToolArguments): Promise<ToolOutcome>;
}

export interface PlatformFacts {
  platform: string;
  /** Compressed bytes (layers and config), when known. */
  size: number | null;
}

export interface TagFacts {
  /** The digest the tag points to now: the index of a multi-platform tag, the one to pin. */
  digest: string;
  /** When the tag was last pushed (Docker Hub only). */
  pushed: string | null;
  platforms: PlatformFacts[];
  /** Where the facts came from: Docker Hub's tag API, or the registry's manifest. */
  source: 'hub' | 'registry';
}

export interface VulnerabilityCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  total: number;
}

/** What is missing when a tag lookup says NOT_FOUND, and the closest tag the repository has. */
export interface MissingImage {
  missing: 'tag' | 'repository';
  closeMatch: string | null;
}

export type Fact<T> =
  /** `failedRefresh`: a later check failed, and these are the last known facts (as of `fetchedAt`). */
  | { ok: true; value: T; fetchedAt: number; failedRefresh?: ReplyError }
  | { ok: false; error: ReplyError; fetchedAt: number };

/** Errors that say nothing about the image, only about reaching it now: the last known facts stay. */
const PASSING_ERRORS = new Set<string>(['RATE_LIMITED', 'TIMEOUT', 'UPSTREAM_ERROR', 'UNAUTHORIZED', 'FORBIDDEN']);

interface CacheEntry<T> {
  fact?: Fact<T>;
  checkedAt: number;
  loading?: Promise<Fact<T>>;
}

export interface FactCacheTiming {
  /** How long facts are used without asking again. */
  freshForMs: number;
  /** How long after a failed check the next one may go out. */
  retryAfterMs: number;
  now: () => number;
}

/** Facts by key: one load in flight per key, reused while fresh, the last good value kept through failures. */
export class FactCache<T> {
  private readonly entries = new Map<string, CacheEntry<T>>();

  constructor(private readonly timing: FactCacheTiming) {}

  peek(key: string): Fact<T> | undefined {
    return this.entries.get(key)?.fact;
  }

  get(key: string, load: () => Promise<{ ok: true; value: T } | { ok: false; error: ReplyError }>): Promise<Fact<T>> {
    const entry = this.entries.get(key);
    if (entry?.loading) return entry.loading;
    if (entry?.fact && this.timing.now() - entry.checkedAt < this.lifetime(entry.fact)) return Promise.resolve(entry.fact);
    const loading = load().then(
      (outcome) => this.settle(key, outcome),
      (err: unknown) => this.settle(key, { ok: false, error: { code: 'UPSTREAM_ERROR', message: err instanceof Error ? err.message : String(err) } }),
    );
    this.entries.set(key, { fact: entry?.fact, checkedAt: entry?.checkedAt ?? 0, loading });
    return loading;
  }

  /** The next get asks again; the facts known until then stay (and are kept if asking fails). */
  expire(): void {
    for (const [key, entry] of this.entries) this.entries.set(key, { ...entry, checkedAt: -Infinity });
  }

  private lifetime(fact: Fact<T>): number {
    return fact.ok && !fact.failedRefresh ? this.timing.freshForMs : this.timing.retryAfterMs;
  }

  private settle(key: string, outcome: { ok: true; value: T } | { ok: false; error: ReplyError }): Fact<T> {
    const now = this.timing.now();
    const previous = this.entries.get(key)?.fact;
    let fact: Fact<T>;
    if (outcome.ok) fact = { ok: true, value: outcome.value, fetchedAt: now };
    else if (previous?.ok && PASSING_ERRORS.has(outcome.error.code)) fact = { ...previous, failedRefresh: outcome.error };
    else fact = { ok: false, error: outcome.error, fetchedAt: now };
    this.entries.set(key, { fact, checkedAt: now });
    return fact;
  }
}

/** What a reference names for the questions the editor asks: its repository and tag, and its pin if any. */
export interface ReferenceParts {
  reference: ImageReference;
  /** `nginx:1.27` (no digest): the tag whose current digest is compared with a pin. */
  tagReference?: string;
  hub: boolean;
}

export function referenceParts(text: string): ReferenceParts | { problem: string } {
  const problem = referenceProblem(text);
  if (problem) return { problem: `"${text}" ${problem}` };
  const reference = parseReference(text);
  const repository = familiarRepository(reference);
  return {
    reference,
    tagReference: reference.tag ? `${repository}:${reference.tag}` : undefined,
    hub: reference.registry === DEFAULT_REGISTRY,
  };
}

const DEFAULT_PLATFORM = 'linux/amd64';
/** How the platform of an image that is not an index is shown. */
export const SINGLE_PLATFORM = 'single-platform image';
const TAG_LIST_LIMIT = 100;
const NO_NEWER: Fact<string | null> = { ok: true, value: null, fetchedAt: 0 };

/** One tag as docker_list_tags answers it, as far as the editor reads it. */
export interface ListedTag {
  name: string;
  digest: string | null;
  platforms: string[];
  /** Compressed size of the listing's platform. */
  size: number | null;
  pushed: string | null;
}

export interface TagListing {
  /** The platform the sizes are of, as the server normalised it; null when the listing had no platform filter. */
  platform: string | null;
  tags: ListedTag[];
}

/** The one place that knows docker_list_tags' answer shape: tags name the digest they point at by its index in `digests`. */
export function listedTags(structured: unknown): TagListing {
  const answer = structured as { platform?: unknown } | null;
  const digests = structuredArray(structured, 'digests');
  return {
    platform: typeof answer?.platform === 'string' ? answer.platform : null,
    tags: structuredArray(structured, 'tags').map((entry) => {
      const row = entry as { name?: unknown; digest_index?: unknown; tag_last_pushed?: unknown };
      const group = (typeof row.digest_index === 'number' ? digests[row.digest_index] : undefined) as
        | { digest?: unknown; platforms?: unknown; full_size?: unknown }
        | undefined;
      return {
        name: String(row.name ?? ''),
        digest: typeof group?.digest === 'string' ? group.digest : null,
        platforms: Array.isArray(group?.platforms) ? group.platforms.map(String) : [],
        size: typeof group?.full_size === 'number' ? group.full_size : null,
        pushed: typeof row.tag_last_pushed === 'string' ? row.tag_last_pushed : null,
      };
    }),
  };
}

/**
 * The Hub `name` filter (a substring match) whose listing holds both the tag and, for a version, the rest of its line:
 * `1.27.` for 1.27.1, `3.12` for the floating 3.12-slim (which `3.12.` would miss), the tag itself for `latest`.
 */
export function listingFilter(tag: string): string {
  const line = versionLineFilter(tag);
  if (!line) return tag;
  return tag.includes(line) ? line : line.slice(0, -1);
}

function samePlatform(platform: string, wanted: string | null): boolean {
  return wanted !== null && (platform === wanted || platform.startsWith(`${wanted}/`));
}

/**
 * A Hub tag's facts read off a listing, as old as the listing (a failed later check included); undefined when the
 * listing cannot say (the tag was not among its rows, or the filter was refused) and the tag must be asked for itself.
 */
function tagFromListing(listing: Fact<TagListing> | undefined, tag: string): Fact<TagFacts> | undefined {
  if (!listing) return undefined;
  if (!listing.ok) return listing.error.code === 'NOT_FOUND' || PASSING_ERRORS.has(listing.error.code) ? listing : undefined;
  const row = listing.value.tags.find((entry) => entry.name === tag);
  if (!row?.digest) return undefined;
  const platforms = row.platforms.map((platform) => ({ platform, size: samePlatform(platform, listing.value.platform) ? row.size : null }));
  return { ...listing, value: { digest: row.digest, pushed: row.pushed, platforms, source: 'hub' } };
}

function newerFromListing(listing: Fact<TagListing>, tag: string): Fact<string | null> {
  if (!listing.ok) return listing;
  return { ...listing, value: newerInLine(tag, listing.value.tags.map((entry) => entry.name)) ?? null };
}

/**
 * What the editor knows and asks about image references. Opening a file costs one upstream request per distinct Docker
 * Hub reference: one name-filtered tag listing answers the tag's digest, platforms, size and push date and, for a
 * version, the newer releases of its line (references of one line and platform share it). Asked only when needed:
 * the tag's own details (every platform's size) when a person hovers, the repository's description once per
 * repository on hover, Scout's counts with a token, and a second listing for the close match of a missing tag.
 */
export class ImageFacts {
  private readonly listings: FactCache<TagListing>;
  private readonly details: FactCache<TagFacts>;
  private readonly registryTags: FactCache<TagFacts>;
  private readonly descriptions: FactCache<string | null>;
  private readonly vulnerabilityCounts: FactCache<VulnerabilityCounts>;
  private readonly missing: FactCache<MissingImage>;

  constructor(
    private readonly connection: FactsConnection,
    timing: FactCacheTiming,
  ) {
    this.listings = new FactCache(timing);
    this.details = new FactCache(timing);
    this.registryTags = new FactCache(timing);
    this.descriptions = new FactCache(timing);
    this.vulnerabilityCounts = new FactCache(timing);
    this.missing = new FactCache(timing);
  }

  /**
   * The tag's current digest, platforms, size for the platform and push date. On Docker Hub from the tag listing (no
   * pull counted), or the tag's own details when the listing does not hold it; elsewhere the registry's manifest (the
   * index by tag, then the platform's manifest by digest, which the server keeps for good).
   */
  async tag(tagReference: string, hub: boolean, platform?: string): Promise<Fact<TagFacts>> {
    if (!hub) return this.registryTags.get(`${tagReference} ${platform ?? DEFAULT_PLATFORM}`, () => this.registryTag(tagReference, platform ?? DEFAULT_PLATFORM));
    const [repository, tag] = splitTagReference(tagReference);
    return tagFromListing(await this.listing(repository, tag, platform ?? DEFAULT_PLATFORM), tag) ?? this.tagDetails(tagReference);
  }

  peekTag(tagReference: string, hub: boolean, platform?: string): Fact<TagFacts> | undefined {
    if (!hub) return this.registryTags.peek(`${tagReference} ${platform ?? DEFAULT_PLATFORM}`);
    const [repository, tag] = splitTagReference(tagReference);
    return tagFromListing(this.peekListing(repository, tag, platform ?? DEFAULT_PLATFORM), tag) ?? this.details.peek(tagReference);
  }

  /** A Docker Hub tag's own details, with every platform's size: for the hover, and for tags a listing does not hold. */
  tagDetails(tagReference: string): Promise<Fact<TagFacts>> {
    return this.details.get(tagReference, () => this.hubTag(tagReference));
  }

  /** The newest tag in the line of `tag` (`1.27.1` → `1.27.4`) for the platform, or null: the tag's own listing judged by the server's version-line module. */
  async newerInLine(repository: string, tag: string, hub: boolean, platform?: string): Promise<Fact<string | null>> {
    if (!versionLineFilter(tag)) return NO_NEWER;
    return newerFromListing(await this.listing(repository, tag, hub ? platform ?? DEFAULT_PLATFORM : undefined), tag);
  }

  peekNewerInLine(repository: string, tag: string, hub: boolean, platform?: string): Fact<string | null> | undefined {
    if (!versionLineFilter(tag)) return NO_NEWER;
    const listing = this.peekListing(repository, tag, hub ? platform ?? DEFAULT_PLATFORM : undefined);
    return listing && newerFromListing(listing, tag);
  }

  /** The repository's one-line description (Docker Hub only). */
  description(repository: string): Promise<Fact<string | null>> {
    return this.descriptions.get(repository, async () => {
      const outcome = await this.connection.callTool('docker_get_image_details', { image: repository });
      if (!outcome.ok) return outcome;
      const description = (outcome.value.structured as { description?: unknown } | null)?.description;
      return { ok: true, value: typeof description === 'string' && description.trim() !== '' ? description.trim() : null };
    });
  }

  /** Docker Scout's counts for a pinned reference (Docker Hub, signed in). */
  vulnerabilities(pinnedReference: string, platform?: string): Promise<Fact<VulnerabilityCounts>> {
    const key = `${pinnedReference} ${platform ?? ''}`;
    return this.vulnerabilityCounts.get(key, async () => {
      const outcome = await this.connection.callTool('docker_get_vulnerabilities', { image: pinnedReference, limit: 1, ...(platform ? { platform } : {}) });
      if (!outcome.ok) return outcome;
      const counts = (outcome.value.structured as { counts?: Partial<VulnerabilityCounts> } | null)?.counts ?? {};
      return { ok: true, value: { critical: counts.critical ?? 0, high: counts.high ?? 0, medium: counts.medium ?? 0, low: counts.low ?? 0, total: counts.total ?? 0 } };
    });
  }

  peekVulnerabilities(pinnedReference: string, platform?: string): Fact<VulnerabilityCounts> | undefined {
    return this.vulnerabilityCounts.peek(`${pinnedReference} ${platform ?? ''}`);
  }

  /**
   * After a tag lookup said NOT_FOUND: whether the repository exists, and its tag closest to the one asked for. One
   * tag listing, asked only for references that failed.
   */
  whatIsMissing(repository: string, tag: string): Promise<Fact<MissingImage>> {
    return this.missing.get(`${repository} ${tag}`, async () => {
      const outcome = await this.connection.callTool('docker_list_tags', { image: repository, limit: TAG_LIST_LIMIT });
      if (!outcome.ok) return outcome.error.code === 'NOT_FOUND' ? { ok: true, value: { missing: 'repository', closeMatch: null } } : outcome;
      const names = listedTags(outcome.value.structured).tags.map((entry) => entry.name);
      return { ok: true, value: { missing: 'tag', closeMatch: closestName(tag, names) ?? null } };
    });
  }

  peekWhatIsMissing(repository: string, tag: string): Fact<MissingImage> | undefined {
    return this.missing.peek(`${repository} ${tag}`);
  }

  /**
   * Everything is asked again at the next look (after Clear Cache, a new token or new settings, or Check Workspace);
   * until an answer comes the last known facts stay, and if asking fails they stay with their age.
   */
  expire(): void {
    for (const cache of [this.listings, this.details, this.registryTags, this.descriptions, this.vulnerabilityCounts, this.missing]) cache.expire();
  }

  private listing(repository: string, tag: string, platform: string | undefined): Promise<Fact<TagListing>> {
    const name = listingFilter(tag);
    return this.listings.get(`${repository} ${name} ${platform ?? ''}`, async () => {
      const outcome = await this.connection.callTool('docker_list_tags', { image: repository, name, limit: TAG_LIST_LIMIT, ...(platform ? { platform } : {}) });
      return outcome.ok ? { ok: true, value: listedTags(outcome.value.structured) } : outcome;
    });
  }

  private peekListing(repository: string, tag: string, platform: string | undefined): Fact<TagListing> | undefined {
    return this.listings.peek(`${repository} ${listingFilter(tag)} ${platform ?? ''}`);
  }

  private async hubTag(tagReference: string): Promise<{ ok: true; value: TagFacts } | { ok: false; error: ReplyError }> {
    const outcome = await this.connection.callTool('docker_get_tag_details', { image: tagReference });
    if (!outcome.ok) return outcome;
    const details = outcome.value.structured as { digest?: unknown; tag_last_pushed?: unknown } | null;
    if (typeof details?.digest !== 'string') return { ok: false, error: { code: 'UPSTREAM_ERROR', message: `Docker Hub did not say which digest ${tagReference} points to.` } };
    return {
      ok: true,
      value: {
        digest: details.digest,
        pushed: typeof details.tag_last_pushed === 'string' ? details.tag_last_pushed : null,
        platforms: structuredArray(details, 'images').map((entry) => {
          const image = entry as { platform?: unknown; size?: unknown };
          return { platform: String(image.platform ?? '?'), size: typeof image.size === 'number' ? image.size : null };
        }),
        source: 'hub',
      },
    };
  }

  private async registryTag(tagReference: string, platform: string): Promise<{ ok: true; value: TagFacts } | { ok: false; error: ReplyError }> {
    const top = await this.connection.callTool('docker_get_manifest', { image: tagReference });
    if (!top.ok) return top;
    const manifest = top.value.structured as { digest?: unknown; kind?: unknown; compressed_size?: unknown } | null;
    if (typeof manifest?.digest !== 'string') return { ok: false, error: { code: 'UPSTREAM_ERROR', message: `the registry did not say which digest ${tagReference} points to.` } };
    if (manifest.kind !== 'index') {
      const size = typeof manifest.compressed_size === 'number' ? manifest.compressed_size : null;
      // A single manifest names its platform only in its config, which this does not read.
      return { ok: true, value: { digest: manifest.digest, pushed: null, platforms: [{ platform: SINGLE_PLATFORM, size }], source: 'registry' } };
    }
    const platforms: PlatformFacts[] = structuredArray(manifest, 'platforms').map((entry) => ({ platform: String((entry as { platform?: unknown }).platform ?? '?'), size: null }));
    const wanted = platforms.find((entry) => entry.platform === platform || entry.platform.startsWith(`${platform}/`));
    if (wanted) {
      // By digest, so the answer is about the index just read; the server keeps it for good.
      const child = await this.connection.callTool('docker_get_manifest', { image: `${tagReference}@${manifest.digest}`, platform: wanted.platform });
      if (child.ok) {
        const size = (child.value.structured as { compressed_size?: unknown } | null)?.compressed_size;
        if (typeof size === 'number') wanted.size = size;
      }
    }
    return { ok: true, value: { digest: manifest.digest, pushed: null, platforms, source: 'registry' } };
  }
}

/** The name closest to `wanted` by edit distance, when it is close enough to be a slip (a third of its length). */
export function closestName(wanted: string, names: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    if (name === wanted) continue;
    const distance = editDistance(wanted, name);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** `nginx:1.27` → [`nginx`, `1.27`]. */
function splitTagReference(tagReference: string): [string, string] {
  const colon = tagReference.lastIndexOf(':');
  return [tagReference.slice(0, colon), tagReference.slice(colon + 1)];
}

function structuredArray(value: unknown, field: string): unknown[] {
  const list = (value as Record<string, unknown> | null)?.[field];
  return Array.isArray(list) ? list : [];
}
