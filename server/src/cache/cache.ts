import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { SingleFlight } from '../net/singleFlight';
import type { Logger } from '../log';

/**
 * Kinds of cached things. Digest-addressed kinds are immutable (kept forever, also on disk); the others change
 * upstream and live in memory for a TTL.
 */
export const CACHE_KINDS = {
  manifest: { digestAddressed: true, ttlMs: 0 },
  blob: { digestAddressed: true, ttlMs: 0 },
  tagDigest: { digestAddressed: false, ttlMs: 10 * 60_000 },
  tagList: { digestAddressed: false, ttlMs: 15 * 60_000 },
  hubSearch: { digestAddressed: false, ttlMs: 5 * 60_000 },
  hubTags: { digestAddressed: false, ttlMs: 15 * 60_000 },
  hubRepository: { digestAddressed: false, ttlMs: 60 * 60_000 },
  hubNamespace: { digestAddressed: false, ttlMs: 10 * 60_000 },
  scout: { digestAddressed: false, ttlMs: 60 * 60_000 },
  /** "Manifests of this repository are cached": a hint that a HEAD may save a pull; shared, never counted. */
  repository: { digestAddressed: false, ttlMs: 24 * 60 * 60_000 },
  layerIndex: { digestAddressed: false, ttlMs: 0 },
} as const;
export type CacheKind = keyof typeof CACHE_KINDS;

export interface KindStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export interface CacheStats {
  maxBytes: number;
  memoryBytes: number;
  memoryEntries: number;
  hits: number;
  misses: number;
  hitRate: number;
  byKind: Record<string, KindStats>;
  disk: { enabled: boolean; directory?: string; entries: number; bytes: number };
  /** Present only when a shared store is in use. */
  shared?: SharedStats;
}

export interface SharedStats {
  /** Where the store is, without credentials (e.g. `redis://10.0.0.5:6379/0`). */
  target: string;
  state: SharedState;
  /** Look-ups the shared store answered after memory and disk missed. */
  hits: number;
  /** Values another instance was already fetching, waited for instead of fetched. */
  waits: number;
}

/** `idle`: not used yet (the connection is opened on first use). */
export type SharedState = 'idle' | 'connected' | 'unavailable';

export interface SharedEntry {
  value: Buffer;
  /** Life left, for kinds with a TTL, so a copy never outlives the original. */
  ttlMs?: number;
}

/**
 * Who loads a key that every instance is missing: the owner loads and then releases; the others wait for the
 * owner's value. A store that cannot tell (unreachable) makes every caller an owner.
 */
export type SharedClaim =
  | { owner: true; release(): Promise<void> }
  | { owner: false; wait(): Promise<SharedEntry | undefined> };

/**
 * A level below memory and disk shared by many instances (Redis); optional. Its methods never throw and never take
 * long: a store that is down or slow answers "nothing" and the caller goes on to upstream.
 */
export interface SharedStore {
  get(kind: CacheKind, key: string): Promise<SharedEntry | undefined>;
  set(kind: CacheKind, key: string, value: Buffer, ttlMs: number): Promise<void>;
  claim(kind: CacheKind, key: string): Promise<SharedClaim>;
  /** Drops this identity's entries that can go stale; returns how many. */
  clear(): Promise<number>;
  describe(): { target: string; state: SharedState };
}

export interface CacheOptions {
  maxBytes: number;
  directory?: string;
  log: Logger;
  /** Benchmarks only: stands for a server without any cache. */
  disabled?: boolean;
  shared?: SharedStore;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Folder of the empty files that say a repository has manifests in the cache (named by the hash of its name). */
const REPOSITORY_MARKERS = 'repository';
type DiskFolder = CacheKind | typeof REPOSITORY_MARKERS;
/** The only names this server writes in a cache folder: a digest's hex, or its temporary file before the rename. */
const OWN_FILE = /^[a-f0-9]{64}(\.\d+\.\d+\.tmp)?$/;
/**
 * Another process sharing the folder (or anyone who can write to it) may plant a symlink or a FIFO under a digest's
 * name: a link is never followed, and a FIFO opened without O_NONBLOCK would hold a libuv worker thread forever.
 * Windows has neither flag nor FIFOs.
 */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** The one cache: size-bounded memory LRU with TTL per kind, over a digest-verified disk store. */
export class Cache {
  private readonly memory: LRUCache<string, Buffer>;
  private readonly counters = new Map<CacheKind, { hits: number; misses: number }>();
  private readonly loads = new SingleFlight<Buffer>();
  /** Repositories with manifests in the cache; a bound, since a listing of them is only a hint. */
  private readonly repositories = new LRUCache<string, true>({ max: 10_000 });
  private shared?: SharedStore;
  private sharedHits = 0;
  private sharedWaits = 0;

  constructor(private readonly options: CacheOptions) {
    this.memory = new LRUCache<string, Buffer>({
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => value.length + key.length + 64,
      ttlAutopurge: false,
      allowStale: false,
    });
    this.shared = options.shared;
  }

  useSharedStore(store: SharedStore | undefined): void {
    this.shared = store;
  }

  /**
   * The value for (kind, key): memory, then disk, then the shared store, then `load`. Identical concurrent loads
   * are one load, in this process and, through the shared store, across instances. `load` gets the shared load's
   * signal, aborted only when every caller waiting for it has given up (pass the caller's `signal` for that). For
   * digest-addressed kinds `key` is the digest and the bytes are verified against it.
   */
  async getOrLoad(
    kind: CacheKind,
    key: string,
    load: (signal: AbortSignal) => Promise<Buffer>,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    if (this.options.disabled) return load(signal ?? new AbortController().signal);
    const found = await this.get(kind, key);
    if (found) return found;
    return this.loads.run(`${kind}:${key}`, (shared) => this.loadOnce(kind, key, () => load(shared)), signal);
  }

  async getJson<T>(kind: CacheKind, key: string, load: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const encode = async (shared: AbortSignal) => Buffer.from(JSON.stringify(await load(shared)));
    const bytes = await this.getOrLoad(kind, key, encode, signal);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch {
      // Only a copy from the shared store can be unreadable (our own writes are JSON): forget it and ask upstream.
      this.options.log.warn('dropped a cache entry that is not JSON', { kind });
      this.delete(kind, key);
      const fresh = await encode(signal ?? new AbortController().signal);
      await this.set(kind, key, fresh);
      return JSON.parse(fresh.toString('utf8')) as T;
    }
  }

  async get(kind: CacheKind, key: string): Promise<Buffer | undefined> {
    if (this.options.disabled) return undefined;
    const id = `${kind}:${key}`;
    const counter = this.counter(kind);
    const inMemory = this.memory.get(id);
    if (inMemory) {
      counter.hits++;
      return inMemory;
    }
    const spec = CACHE_KINDS[kind];
    const fromDisk = spec.digestAddressed ? await this.readDisk(kind, key) : undefined;
    if (fromDisk) {
      counter.hits++;
      this.remember(kind, id, fromDisk);
      return fromDisk;
    }
    const fromShared = this.shared ? this.accepted(kind, key, await this.shared.get(kind, key)) : undefined;
    if (fromShared) {
      counter.hits++;
      this.sharedHits++;
      await this.keepLocally(kind, key, fromShared);
      return fromShared.value;
    }
    counter.misses++;
    return undefined;
  }

  async set(kind: CacheKind, key: string, value: Buffer): Promise<void> {
    if (this.options.disabled) return;
    const spec = CACHE_KINDS[kind];
    if (spec.digestAddressed && !verifies(key, value)) {
      this.options.log.warn('refused to cache bytes that do not match their digest', { kind, key });
      return;
    }
    this.remember(kind, `${kind}:${key}`, value);
    if (spec.digestAddressed) await this.writeDisk(kind, key, value);
    if (this.shared) await this.shared.set(kind, key, value, spec.ttlMs);
  }

  /** Forgets a tag → digest style entry (e.g. after a delete). */
  delete(kind: CacheKind, key: string): void {
    this.memory.delete(`${kind}:${key}`);
  }

  /** Forgets this process's entries of `kind` whose key `matches` (a tag moved: its listings are stale). */
  deleteWhere(kind: CacheKind, matches: (key: string) => boolean): void {
    const prefix = `${kind}:`;
    for (const id of [...this.memory.keys()]) {
      if (id.startsWith(prefix) && matches(id.slice(prefix.length))) this.memory.delete(id);
    }
  }

  /**
   * Remembers that manifests of `repository` (`registry/path`) are cached, in memory, as an empty marker file on disk
   * and in the shared store: a later read of one of its tags is then worth a free HEAD first, since the digest may be
   * one we hold.
   */
  async noteRepository(repository: string): Promise<void> {
    if (this.options.disabled || this.repositories.has(repository)) return;
    this.repositories.set(repository, true);
    const marker = sha256Digest(Buffer.from(repository));
    const path = this.diskPath(REPOSITORY_MARKERS, marker);
    await Promise.all([
      path && !(await isRegularFile(path)) ? this.writeDisk(REPOSITORY_MARKERS, marker, Buffer.alloc(0)) : undefined,
      this.shared?.set('repository', repository, Buffer.from('1'), CACHE_KINDS.repository.ttlMs),
    ]);
  }

  async holdsRepository(repository: string): Promise<boolean> {
    if (this.options.disabled) return false;
    if (this.repositories.has(repository)) return true;
    const path = this.diskPath(REPOSITORY_MARKERS, sha256Digest(Buffer.from(repository)));
    const known = (path && (await isRegularFile(path))) || (await this.shared?.get('repository', repository)) !== undefined;
    if (known) this.repositories.set(repository, true);
    return Boolean(known);
  }

  /**
   * Empties memory and disk. In the shared store only this identity's entries that can go stale are dropped:
   * digest-addressed objects never do, and dropping them would cost every other instance pulls.
   */
  async clear(): Promise<{ memoryEntries: number; diskEntries: number; sharedEntries?: number }> {
    const memoryEntries = this.memory.size;
    this.memory.clear();
    this.repositories.clear();
    this.counters.clear();
    this.sharedHits = 0;
    this.sharedWaits = 0;
    const diskEntries = this.options.directory ? await this.clearDisk(this.options.directory) : 0;
    if (!this.shared) return { memoryEntries, diskEntries };
    return { memoryEntries, diskEntries, sharedEntries: await this.shared.clear() };
  }

  async stats(): Promise<CacheStats> {
    const byKind: Record<string, KindStats> = {};
    for (const kind of Object.keys(CACHE_KINDS) as CacheKind[]) {
      const counter = this.counter(kind);
      byKind[kind] = { hits: counter.hits, misses: counter.misses, entries: 0, bytes: 0 };
    }
    for (const [id, value] of this.memory.entries()) {
      const kind = id.slice(0, id.indexOf(':'));
      const entry = byKind[kind];
      if (entry) {
        entry.entries++;
        entry.bytes += value.length;
      }
    }
    const hits = Object.values(byKind).reduce((sum, k) => sum + k.hits, 0);
    const misses = Object.values(byKind).reduce((sum, k) => sum + k.misses, 0);
    const disk = this.options.directory ? await this.diskUsage() : { entries: 0, bytes: 0 };
    return {
      maxBytes: this.options.maxBytes,
      memoryBytes: this.memory.calculatedSize,
      memoryEntries: this.memory.size,
      hits,
      misses,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      byKind,
      disk: { enabled: Boolean(this.options.directory), directory: this.options.directory, ...disk },
      ...(this.shared ? { shared: { ...this.shared.describe(), hits: this.sharedHits, waits: this.sharedWaits } } : {}),
    };
  }

  /**
   * A load every instance sharing the store is missing: the instance that claims it loads, the others wait for
   * its value. If the owner fails or gives up, a waiter loads for itself.
   */
  private async loadOnce(kind: CacheKind, key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const claim = this.shared ? await this.shared.claim(kind, key) : undefined;
    if (claim && !claim.owner) {
      const entry = this.accepted(kind, key, await claim.wait());
      if (entry) {
        this.sharedWaits++;
        await this.keepLocally(kind, key, entry);
        return entry.value;
      }
      return this.loadAndKeep(kind, key, load);
    }
    try {
      return await this.loadAndKeep(kind, key, load);
    } finally {
      await claim?.release();
    }
  }

  private async loadAndKeep(kind: CacheKind, key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const value = await load();
    await this.set(kind, key, value);
    return value;
  }

  private counter(kind: CacheKind): { hits: number; misses: number } {
    let counter = this.counters.get(kind);
    if (!counter) {
      counter = { hits: 0, misses: 0 };
      this.counters.set(kind, counter);
    }
    return counter;
  }

  private remember(kind: CacheKind, id: string, value: Buffer, ttlMs: number = CACHE_KINDS[kind].ttlMs): void {
    this.memory.set(id, value, ttlMs > 0 ? { ttl: ttlMs } : {});
  }

  /** A copy from the shared store is trusted only as far as its digest says, where it has one. */
  private accepted(kind: CacheKind, key: string, entry: SharedEntry | undefined): SharedEntry | undefined {
    if (entry && CACHE_KINDS[kind].digestAddressed && !verifies(key, entry.value)) {
      this.options.log.warn('shared cache held bytes that do not match their digest; ignored and fetched again', { kind, key });
      return undefined;
    }
    return entry;
  }

  private async keepLocally(kind: CacheKind, key: string, entry: SharedEntry): Promise<void> {
    this.remember(kind, `${kind}:${key}`, entry.value, entry.ttlMs);
    if (CACHE_KINDS[kind].digestAddressed) await this.writeDisk(kind, key, entry.value);
  }

  private diskPath(kind: DiskFolder, digest: string): string | undefined {
    if (!this.options.directory || !DIGEST.test(digest)) return undefined;
    return join(this.options.directory, kind, 'sha256', digest.slice('sha256:'.length));
  }

  private async readDisk(kind: CacheKind, digest: string): Promise<Buffer | undefined> {
    const path = this.diskPath(kind, digest);
    if (!path) return undefined;
    const bytes = await readRegularFile(path);
    if (!bytes) return undefined;
    if (!verifies(digest, bytes)) {
      this.options.log.warn('dropped a corrupt cache file', { kind, digest });
      await unlink(path).catch(() => undefined);
      return undefined;
    }
    return bytes;
  }

  private async writeDisk(kind: DiskFolder, digest: string, bytes: Buffer): Promise<void> {
    const path = this.diskPath(kind, digest);
    if (!path) return;
    try {
      const folder = join(path, '..');
      await mkdir(folder, { recursive: true });
      if (!(await isRealDirectory(join(folder, '..'))) || !(await isRealDirectory(folder))) {
        this.options.log.warn('the disk cache folder holds a link where a folder should be; not written', { kind });
        return;
      }
      // Write then rename, so a reader (another instance sharing the folder) never sees half a file.
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      const handle = await open(temporary, CREATE_FLAGS, 0o644);
      try {
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (err) {
      this.options.log.warn('could not write the disk cache', { error: String(err) });
    }
  }

  /**
   * Removes the files this server wrote (digest-named files and its temporary files, regular files only) and the
   * folders it made once they are empty. Anything else in the folder is someone else's and stays.
   */
  private async clearDisk(directory: string): Promise<number> {
    let removed = 0;
    const folders: DiskFolder[] = (Object.keys(CACHE_KINDS) as CacheKind[]).filter((kind) => CACHE_KINDS[kind].digestAddressed);
    // The layer store (layers/store.ts) keeps its file indexes here too, and "clear" promises the whole disk cache.
    for (const kind of [...folders, REPOSITORY_MARKERS, 'layerIndex' as const]) {
      const kindFolder = join(directory, kind);
      const folder = join(kindFolder, 'sha256');
      if (!(await isRealDirectory(kindFolder)) || !(await isRealDirectory(folder))) continue;
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        if (!OWN_FILE.test(name)) continue;
        const path = join(folder, name);
        const info = await lstat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        await unlink(path).then(
          () => {
            if (!name.endsWith('.tmp')) removed++;
          },
          () => undefined,
        );
      }
      // rmdir removes a folder only when it is empty: one holding anything of someone else's stays.
      await rmdir(folder).catch(() => undefined);
      await rmdir(kindFolder).catch(() => undefined);
    }
    return removed;
  }

  private async diskUsage(): Promise<{ entries: number; bytes: number }> {
    let entries = 0;
    let bytes = 0;
    for (const kind of Object.keys(CACHE_KINDS)) {
      const folder = join(this.options.directory!, kind, 'sha256');
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.endsWith('.tmp')) continue;
        const info = await lstat(join(folder, name)).catch(() => undefined);
        if (info?.isFile()) {
          entries++;
          bytes += info.size;
        }
      }
    }
    return { entries, bytes };
  }
}

/** The file's bytes when `path` is a regular file; undefined for a link, a FIFO, a device, a folder or nothing. */
async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

async function isRegularFile(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return Boolean(info?.isFile());
}

async function isRealDirectory(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return Boolean(info?.isDirectory());
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Only sha256 is checked; other algorithms are trusted as sent (none is in use on Docker Hub). */
function verifies(digest: string, bytes: Buffer): boolean {
  if (!digest.startsWith('sha256:')) return true;
  return sha256Digest(bytes) === digest;
}
