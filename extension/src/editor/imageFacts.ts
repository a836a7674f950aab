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

  clear(): void {
    this.entries.clear();
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

export class ImageFacts {
  private readonly tags: FactCache<TagFacts>;
  private readonly newer: FactCache<string | null>;
  private readonly descriptions: FactCache<string | null>;
  private readonly vulnerabilityCounts: FactCache<VulnerabilityCounts>;
  private readonly missing: FactCache<MissingImage>;

  constructor(
    private readonly connection: FactsConnection,
    timing: FactCacheTiming,
  ) {
    this.tags = new FactCache(timing);
    this.newer = new FactCache(timing);
    this.descriptions = new FactCache(timing);
    this.vulnerabilityCounts = new FactCache(timing);
    this.missing = new FactCache(timing);
  }

  /**
   * The tag's current digest, platforms, sizes and push date. Docker Hub's tag API answers for Hub images (no pull
   * counted); elsewhere the registry's manifest (HEAD for the digest, then the index by digest, which the server
   * keeps for good), plus one platform's manifest for its size.
   */
  tag(tagReference: string, hub: boolean, platform?: string): Promise<Fact<TagFacts>> {
    const key = hub ? tagReference : `${tagReference} ${platform ?? DEFAULT_PLATFORM}`;
    return this.tags.get(key, () => (hub ? this.hubTag(tagReference) : this.registryTag(tagReference, platform ?? DEFAULT_PLATFORM)));
  }

  peekTag(tagReference: string, hub: boolean, platform?: string): Fact<TagFacts> | undefined {
    return this.tags.peek(hub ? tagReference : `${tagReference} ${platform ?? DEFAULT_PLATFORM}`);
  }

  /**
   * The newest tag in the line of `tag` (`1.27.1` → `1.27.4`), or null. The server's one version-line module judges
   * the names; they are listed with Hub's name filter for the line (one request), where list_tags' `newer_than` would
   * read up to five pages of a repository's newest tags to match a floating tag to its release.
   */
  newerInLine(repository: string, tag: string): Promise<Fact<string | null>> {
    const filter = versionLineFilter(tag);
    if (!filter) return Promise.resolve({ ok: true, value: null, fetchedAt: 0 });
    return this.newer.get(`${repository} ${tag}`, async () => {
      const outcome = await this.connection.callTool('docker_list_tags', { image: repository, name: filter, limit: TAG_LIST_LIMIT });
      if (!outcome.ok) return outcome;
      const names = structuredArray(outcome.value.structured, 'tags').map((entry) => String((entry as { name?: unknown }).name ?? ''));
      return { ok: true, value: newerInLine(tag, names) ?? null };
    });
  }

  peekNewerInLine(repository: string, tag: string): Fact<string | null> | undefined {
    return versionLineFilter(tag) ? this.newer.peek(`${repository} ${tag}`) : { ok: true, value: null, fetchedAt: 0 };
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
      const names = structuredArray(outcome.value.structured, 'tags').map((entry) => String((entry as { name?: unknown }).name ?? ''));
      return { ok: true, value: { missing: 'tag', closeMatch: closestName(tag, names) ?? null } };
    });
  }

  peekWhatIsMissing(repository: string, tag: string): Fact<MissingImage> | undefined {
    return this.missing.peek(`${repository} ${tag}`);
  }

  /** Forgets everything: after Clear Cache, a new token or new settings, the next look asks again. */
  clear(): void {
    for (const cache of [this.tags, this.newer, this.descriptions, this.vulnerabilityCounts, this.missing]) cache.clear();
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

function structuredArray(value: unknown, field: string): unknown[] {
  const list = (value as Record<string, unknown> | null)?.[field];
  return Array.isArray(list) ? list : [];
}
