import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import { CACHE_KINDS, type CacheKind, type SharedClaim, type SharedEntry, type SharedState, type SharedStore } from './cache';
import type { EntrySigner } from './entrySigning';
import { exec, KEY_PREFIX, type RedisConnection } from './redisConnection';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Deletes the lock only if it is still ours: after its expiry another instance may hold it. */
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
const OWNER_WITHOUT_LOCK: SharedClaim = { owner: true, release: async () => undefined };

export interface RedisSharedCacheOptions {
  connection: RedisConnection;
  log: Logger;
  /**
   * Who is asking (`anonymous`, or a hash of the credentials). Entries that are not digest-addressed are kept per
   * identity, so an answer about a private repository never reaches an instance with other credentials.
   */
  identity: string;
  /**
   * Signs and checks the entries no digest can check. Without it (no DOCKERHUB_MCP_REDIS_KEY) only digest-addressed
   * objects are shared: anyone who can write to Redis could otherwise point `nginx:latest` anywhere for every instance.
   */
  signer?: EntrySigner;
  /** Life of the lock an instance holds while it fetches a key for everyone. */
  lockTtlMs?: number;
  /** Larger values are not shared: they would not cross the network within the bound. */
  maxValueBytes?: number;
  now?: () => number;
}

/** The level below memory and disk that many instances share; every method answers within the connection's bound. */
export class RedisSharedCache implements SharedStore {
  private readonly connection: RedisConnection;
  private readonly lockTtlMs: number;
  private readonly maxValueBytes: number;
  private readonly now: () => number;
  private warnedUnsigned = false;

  constructor(private readonly options: RedisSharedCacheOptions) {
    this.connection = options.connection;
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
    this.maxValueBytes = options.maxValueBytes ?? 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  describe(): { target: string; state: SharedState } {
    return this.connection.describe();
  }

  async get(kind: CacheKind, key: string): Promise<SharedEntry | undefined> {
    const name = this.keyOf(kind, key);
    if (!name) return undefined;
    const reply = await this.connection.run((redis) => exec(redis.pipeline().getBuffer(name).pttl(name)));
    return reply ? this.entryOf(kind, name, reply[0] as Buffer | null, reply[1] as number) : undefined;
  }

  async set(kind: CacheKind, key: string, value: Buffer, ttlMs: number): Promise<void> {
    const name = this.keyOf(kind, key);
    if (!name || value.length > this.maxValueBytes) return;
    const stored = this.seal(kind, name, value, ttlMs);
    await this.connection.run((redis) => (ttlMs > 0 ? redis.set(name, stored, 'PX', ttlMs) : redis.set(name, stored)));
  }

  async claim(kind: CacheKind, key: string): Promise<SharedClaim> {
    const name = this.keyOf(kind, key);
    if (!name) return OWNER_WITHOUT_LOCK;
    const lock = `${KEY_PREFIX}lock:${name.slice(KEY_PREFIX.length)}`;
    const token = randomUUID();
    const release = async () => {
      await this.connection.run((redis) => redis.eval(RELEASE_LOCK, 1, lock, token));
    };
    // The value is read again with the lock: an owner may have finished between our miss and now.
    const reply = await this.connection.run((redis) =>
      exec(redis.pipeline().set(lock, token, 'PX', this.lockTtlMs, 'NX').getBuffer(name).pttl(name)),
    );
    if (!reply) return OWNER_WITHOUT_LOCK;
    const locked = reply[0] === 'OK';
    const entry = this.entryOf(kind, name, reply[1] as Buffer | null, reply[2] as number);
    if (entry) {
      if (locked) await release();
      return { owner: false, wait: async () => entry };
    }
    if (locked) return { owner: true, release };
    return { owner: false, wait: () => this.waitForOwner(kind, name, lock) };
  }

  async clear(): Promise<number> {
    const prefixes = (Object.keys(CACHE_KINDS) as CacheKind[])
      .filter((kind) => !CACHE_KINDS[kind].digestAddressed)
      .map((kind) => `${KEY_PREFIX}${kind}:${this.options.identity}:`);
    const deadline = Date.now() + 10 * this.connection.timeoutMs;
    let cursor = '0';
    let dropped = 0;
    do {
      const page = await this.connection.run((redis) =>
        redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*:${this.options.identity}:*`, 'COUNT', 1000),
      );
      if (!page) break;
      cursor = page[0];
      const names = page[1].filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
      if (names.length > 0) dropped += (await this.connection.run((redis) => redis.unlink(...names))) ?? 0;
    } while (cursor !== '0' && Date.now() < deadline);
    return dropped;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Undefined for what is not shared: a digest key that is no digest, or an unsigned kind without a key. */
  private keyOf(kind: CacheKind, key: string): string | undefined {
    if (CACHE_KINDS[kind].digestAddressed) return DIGEST.test(key) ? `${KEY_PREFIX}${kind}:${key}` : undefined;
    if (!this.options.signer) return undefined;
    return `${KEY_PREFIX}${kind}:${this.options.identity}:${key}`;
  }

  private seal(kind: CacheKind, name: string, value: Buffer, ttlMs: number): Buffer {
    if (CACHE_KINDS[kind].digestAddressed) return value;
    return this.options.signer!.seal(name, value, ttlMs > 0 ? this.now() + ttlMs : 0);
  }

  /**
   * A stored value with the life it has left; kinds without expiry come back without one (PTTL -1). An entry of a
   * signed kind whose MAC fails (written by someone without the key, or moved from another name) is not there.
   */
  private entryOf(kind: CacheKind, name: string, stored: Buffer | null, pttl: number): SharedEntry | undefined {
    if (!stored) return undefined;
    if (CACHE_KINDS[kind].digestAddressed) return pttl > 0 ? { value: stored, ttlMs: pttl } : { value: stored };
    const opened = this.options.signer?.open(name, stored, this.now());
    if (!opened) {
      if (!this.warnedUnsigned) {
        this.warnedUnsigned = true;
        this.options.log.warn('ignored a shared cache entry without a valid signature (DOCKERHUB_MCP_REDIS_KEY)', { kind });
      }
      return undefined;
    }
    const left = [pttl > 0 ? pttl : Infinity, opened.expiresAtMs > 0 ? opened.expiresAtMs - this.now() : Infinity];
    const ttlMs = Math.min(...left);
    return Number.isFinite(ttlMs) ? { value: opened.value, ttlMs } : { value: opened.value };
  }

  /**
   * Polls until the owner's value appears or its lock is gone. The lock is read before the value in one pipeline,
   * and the owner writes the value before it releases the lock, so "no lock and no value" means the owner failed.
   */
  private async waitForOwner(kind: CacheKind, name: string, lock: string): Promise<SharedEntry | undefined> {
    const deadline = Date.now() + this.lockTtlMs;
    for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const reply = await this.connection.run((redis) => exec(redis.pipeline().exists(lock).getBuffer(name).pttl(name)));
      if (!reply) return undefined;
      const entry = this.entryOf(kind, name, reply[1] as Buffer | null, reply[2] as number);
      if (entry || reply[0] === 0) return entry;
    }
    return undefined;
  }
}
