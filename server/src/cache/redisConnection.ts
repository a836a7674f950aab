import type { ChainableCommander, Redis } from 'ioredis';
import { registerSecret } from '../http/redact';
import type { Logger } from '../log';
import type { SharedState } from './cache';

/**
 * Bumped whenever a stored shape changes, so no instance ever reads what another version wrote. Signing entries kept
 * v1: an unsigned entry fails the signature check and a signed one is not JSON to an older instance, so each ignores
 * the other's.
 */
export const KEY_PREFIX = 'dhm:v1:';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  log: Logger;
  /** Bound on every command; past it the call goes on without Redis. */
  timeoutMs?: number;
  /** Bound on the first connection, which the first call waits for. */
  connectTimeoutMs?: number;
  /** After a command timed out, Redis is left alone this long, so a slow Redis costs one bound, not one per look-up. */
  pauseMs?: number;
}

/**
 * One connection to Redis, shared by the cache level and the quota ledger. ioredis is loaded and connected on first
 * use, so an instance without DOCKERHUB_MCP_REDIS_URL never even evaluates it. `run` answers within its bound; when
 * Redis is down or slow it answers undefined, logs one warning per outage, and picks up again when Redis is back.
 */
export class RedisConnection {
  /** Where Redis is, without credentials: safe for logs and tool output. */
  readonly target: string;
  readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly pauseMs: number;
  private connecting?: Promise<Redis | undefined>;
  private state: SharedState = 'idle';
  private pausedUntil = 0;
  private closed = false;

  constructor(private readonly options: RedisConnectionOptions) {
    this.target = describeRedisUrl(options.url);
    this.timeoutMs = options.timeoutMs ?? 250;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.pauseMs = options.pauseMs ?? 2000;
    registerSecret(passwordOf(options.url));
  }

  describe(): { target: string; state: SharedState } {
    return { target: this.target, state: this.state };
  }

  async run<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
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

  async close(): Promise<void> {
    this.closed = true;
    const redis = await this.connecting;
    if (!redis) return;
    await withDeadline(redis.quit(), this.timeoutMs).catch(() => undefined);
    redis.disconnect();
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

export async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
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
