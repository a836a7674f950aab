import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { RateLimitSnapshot } from '../net/rateLimit';
import { registerSecret } from '../net/redact';
import type { Logger } from '../log';
import { CACHE_KINDS, type CacheKind, type SharedClaim, type SharedEntry, type SharedState, type SharedStore } from './cache';

/** Bumped whenever a stored shape changes, so no instance ever reads what another version wrote. */
export const KEY_PREFIX = 'dhm:v1:';
const RATE_LIMITS_KEY = `${KEY_PREFIX}ratelimit`;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Deletes the lock only if it is still ours: after its expiry another instance may hold it. */
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
const OWNER_WITHOUT_LOCK: SharedClaim = { owner: true, release: async () => undefined };

/** Rate-limit headers from the ledger, with how long ago an instance saw them. */
export interface SharedRateLimit extends RateLimitSnapshot {
  ageSeconds: number;
}

export interface RedisStoreOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  log: Logger;
  /**
   * Who is asking (`anonymous`, or a hash of the credentials). Entries that are not digest-addressed are kept per
   * identity, so an answer about a private repository never reaches an instance with other credentials.
   */
  identity: string;
  /** Bound on every command; past it the call goes on without Redis. */
  timeoutMs?: number;
  /** Bound on the first connection, which the first call waits for. */
  connectTimeoutMs?: number;
  /** Life of the lock an instance holds while it fetches a key for everyone. */
  lockTtlMs?: number;
  /** After a command timed out, Redis is left alone this long, so a slow Redis costs one bound, not one per look-up. */
  pauseMs?: number;
  /** Larger values are not shared: they would not cross the network within the bound. */
  maxValueBytes?: number;
}

/**
 * The shared cache level and pull-quota ledger in Redis. ioredis is loaded and connected on first use, so an
 * instance without DOCKERHUB_MCP_REDIS_URL never even evaluates it. Every method answers within its bound; when Redis
 * is down or slow it answers "nothing", logs one warning per outage, and picks up again when Redis is back.
 */
export class RedisStore implements SharedStore {
  /** Where Redis is, without credentials: safe for logs and tool output. */
  readonly target: string;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly lockTtlMs: number;
  private readonly pauseMs: number;
  private readonly maxValueBytes: number;
  private connecting?: Promise<Redis | undefined>;
  private state: SharedState = 'idle';
  private pausedUntil = 0;
  private closed = false;
  private ledgerWrites: Promise<void> = Promise.resolve();

  constructor(private readonly options: RedisStoreOptions) {
    this.target = describeRedisUrl(options.url);
    this.timeoutMs = options.timeoutMs ?? 250;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
    this.pauseMs = options.pauseMs ?? 2000;
    this.maxValueBytes = options.maxValueBytes ?? 1024 * 1024;
    registerSecret(passwordOf(options.url));
  }

  describe(): { target: string; state: SharedState } {
    return { target: this.target, state: this.state };
  }

  async get(kind: CacheKind, key: string): Promise<SharedEntry | undefined> {
    const name = this.keyOf(kind, key);
    if (!name) return undefined;
    const reply = await this.run((redis) => exec(redis.pipeline().getBuffer(name).pttl(name)));
    return reply ? entryOf(reply[0] as Buffer | null, reply[1] as number) : undefined;
  }

  async set(kind: CacheKind, key: string, value: Buffer, ttlMs: number): Promise<void> {
    const name = this.keyOf(kind, key);
    if (!name || value.length > this.maxValueBytes) return;
    await this.run((redis) => (ttlMs > 0 ? redis.set(name, value, 'PX', ttlMs) : redis.set(name, value)));
  }

  async claim(kind: CacheKind, key: string): Promise<SharedClaim> {
    const name = this.keyOf(kind, key);
    if (!name) return OWNER_WITHOUT_LOCK;
    const lock = `${KEY_PREFIX}lock:${name.slice(KEY_PREFIX.length)}`;
    const token = randomUUID();
    const release = async () => {
      await this.run((redis) => redis.eval(RELEASE_LOCK, 1, lock, token));
    };
    // The value is read again with the lock: an owner may have finished between our miss and now.
    const reply = await this.run((redis) =>
      exec(redis.pipeline().set(lock, token, 'PX', this.lockTtlMs, 'NX').getBuffer(name).pttl(name)),
    );
    if (!reply) return OWNER_WITHOUT_LOCK;
    const locked = reply[0] === 'OK';
    const entry = entryOf(reply[1] as Buffer | null, reply[2] as number);
    if (entry) {
      if (locked) await release();
      return { owner: false, wait: async () => entry };
    }
    if (locked) return { owner: true, release };
    return { owner: false, wait: () => this.waitForOwner(name, lock) };
  }

  async clear(): Promise<number> {
    const prefixes = (Object.keys(CACHE_KINDS) as CacheKind[])
      .filter((kind) => !CACHE_KINDS[kind].digestAddressed)
      .map((kind) => `${KEY_PREFIX}${kind}:${this.options.identity}:`);
    const deadline = Date.now() + 10 * this.timeoutMs;
    let cursor = '0';
    let dropped = 0;
    do {
      const page = await this.run((redis) =>
        redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*:${this.options.identity}:*`, 'COUNT', 1000),
      );
      if (!page) break;
      cursor = page[0];
      const names = page[1].filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
      if (names.length > 0) dropped += (await this.run((redis) => redis.unlink(...names))) ?? 0;
    } while (cursor !== '0' && Date.now() < deadline);
    return dropped;
  }

  /** Notes the rate-limit headers a host just sent; fire and forget, so no reply ever waits for Redis. */
  recordRateLimit(host: string, snapshot: RateLimitSnapshot): void {
    const write = this.run((redis) => redis.hset(RATE_LIMITS_KEY, host, JSON.stringify(snapshot)));
    this.ledgerWrites = Promise.all([this.ledgerWrites, write]).then(() => undefined);
  }

  /** The latest rate-limit headers any instance saw, by host; undefined when Redis cannot say. */
  async rateLimits(): Promise<Map<string, SharedRateLimit> | undefined> {
    await this.ledgerWrites;
    const stored = await this.run((redis) => redis.hgetall(RATE_LIMITS_KEY));
    if (!stored) return undefined;
    const limits = new Map<string, SharedRateLimit>();
    for (const [host, text] of Object.entries(stored)) {
      try {
        const snapshot = JSON.parse(text) as RateLimitSnapshot;
        const age = Math.round((Date.now() - Date.parse(snapshot.observedAt)) / 1000);
        if (Number.isFinite(age)) limits.set(host, { ...snapshot, ageSeconds: Math.max(0, age) });
      } catch {
        // Not ours to read; the next write of that host replaces it.
      }
    }
    return limits;
  }

  async close(): Promise<void> {
    this.closed = true;
    const redis = await this.connecting;
    if (!redis) return;
    await withDeadline(redis.quit(), this.timeoutMs).catch(() => undefined);
    redis.disconnect();
  }

  private keyOf(kind: CacheKind, key: string): string | undefined {
    if (CACHE_KINDS[kind].digestAddressed) return DIGEST.test(key) ? `${KEY_PREFIX}${kind}:${key}` : undefined;
    return `${KEY_PREFIX}${kind}:${this.options.identity}:${key}`;
  }

  /**
   * Polls until the owner's value appears or its lock is gone. The lock is read before the value in one pipeline,
   * and the owner writes the value before it releases the lock, so "no lock and no value" means the owner failed.
   */
  private async waitForOwner(name: string, lock: string): Promise<SharedEntry | undefined> {
    const deadline = Date.now() + this.lockTtlMs;
    for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const reply = await this.run((redis) => exec(redis.pipeline().exists(lock).getBuffer(name).pttl(name)));
      if (!reply) return undefined;
      const entry = entryOf(reply[1] as Buffer | null, reply[2] as number);
      if (entry || reply[0] === 0) return entry;
    }
    return undefined;
  }

  private async run<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (this.closed || Date.now() < this.pausedUntil) return undefined;
    const redis = await this.connected();
    if (!redis) return undefined;
    try {
      const result = await withDeadline(command(redis), this.timeoutMs);
      this.markUp();
      return result;
    } catch (err) {
      this.pausedUntil = Date.now() + this.pauseMs;
      this.markDown(err);
      return undefined;
    }
  }

  /** The client when it is ready. Only the very first call waits, for the first connection; later calls never do. */
  private async connected(): Promise<Redis | undefined> {
    this.connecting ??= this.open();
    const redis = await this.connecting;
    if (redis?.status === 'ready') return redis;
    this.markDown(new Error(`not connected (${redis?.status ?? 'no client'})`));
    return undefined;
  }

  private async open(): Promise<Redis | undefined> {
    let redis: Redis;
    try {
      const { Redis: RedisClient } = await import('ioredis');
      redis = new RedisClient(this.options.url, {
        lazyConnect: true,
        // A command while disconnected fails at once instead of queueing: the caller goes on to upstream.
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 0,
        commandTimeout: this.timeoutMs,
        connectTimeout: this.connectTimeoutMs,
        retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
        connectionName: 'dockerhub-mcp',
      });
    } catch (err) {
      this.markDown(err);
      return undefined;
    }
    // Without a listener ioredis prints every reconnection failure to stderr itself.
    redis.on('error', (err: Error) => this.markDown(err));
    redis.on('ready', () => this.markUp());
    await withDeadline(redis.connect(), this.connectTimeoutMs).catch(() => undefined);
    if (this.closed) redis.disconnect();
    return redis;
  }

  private markUp(): void {
    if (this.state === 'unavailable') this.options.log.info('shared cache is back', { target: this.target });
    this.state = 'connected';
    this.pausedUntil = 0;
  }

  private markDown(err: unknown): void {
    if (this.state === 'unavailable' || this.closed) return;
    this.state = 'unavailable';
    this.options.log.warn('shared cache unavailable; going on with the local cache and upstream until it answers again', {
      target: this.target,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}

/** `rediss://host:port/db` without user or password. */
export function describeRedisUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const database = url.pathname.replace(/^\/+/, '') || '0';
    return `${url.protocol}//${url.host}/${database}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

function passwordOf(raw: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(raw).password);
    return password || undefined;
  } catch {
    return undefined;
  }
}

/** A stored value with the life it has left; kinds without expiry come back without one (PTTL -1). */
function entryOf(value: Buffer | null, pttl: number): SharedEntry | undefined {
  if (!value) return undefined;
  return pttl > 0 ? { value, ttlMs: pttl } : { value };
}

async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Error('pipeline discarded');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
