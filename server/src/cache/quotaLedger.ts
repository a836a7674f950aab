import type { RateLimitSnapshot } from '../http/rateLimit';
import type { EntrySigner } from './entrySigning';
import { KEY_PREFIX, type RedisConnection } from './redisConnection';

const RATE_LIMITS_KEY = `${KEY_PREFIX}ratelimit`;

/** Rate-limit headers from the ledger, with how long ago an instance saw them. */
export interface SharedRateLimit extends RateLimitSnapshot {
  ageSeconds: number;
}

/**
 * The pull-quota ledger in Redis: the latest rate-limit headers any instance saw, by host. Entries are signed like
 * the cache's; without DOCKERHUB_MCP_REDIS_KEY there is no ledger (a forged one would tell a model it has pulls left).
 */
export class QuotaLedger {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: RedisConnection,
    private readonly signer: EntrySigner | undefined,
  ) {}

  /** Notes the rate-limit headers a host just sent; fire and forget, so no reply ever waits for Redis. */
  record(host: string, snapshot: RateLimitSnapshot): void {
    const signer = this.signer;
    if (!signer) return;
    const sealed = signer.seal(`${RATE_LIMITS_KEY}:${host}`, Buffer.from(JSON.stringify(snapshot)), 0).toString('base64');
    const write = this.connection.run((redis) => redis.hset(RATE_LIMITS_KEY, host, sealed));
    this.writes = Promise.all([this.writes, write]).then(() => undefined);
  }

  /** The latest rate-limit headers any instance saw, by host; undefined when Redis cannot say. */
  async rateLimits(): Promise<Map<string, SharedRateLimit> | undefined> {
    const signer = this.signer;
    if (!signer) return undefined;
    await this.writes;
    const stored = await this.connection.run((redis) => redis.hgetall(RATE_LIMITS_KEY));
    if (!stored) return undefined;
    const limits = new Map<string, SharedRateLimit>();
    for (const [host, text] of Object.entries(stored)) {
      const opened = signer.open(`${RATE_LIMITS_KEY}:${host}`, Buffer.from(text, 'base64'), Date.now());
      if (!opened) continue;
      try {
        const snapshot = JSON.parse(opened.value.toString('utf8')) as RateLimitSnapshot;
        const age = Math.round((Date.now() - Date.parse(snapshot.observedAt)) / 1000);
        if (Number.isFinite(age)) limits.set(host, { ...snapshot, ageSeconds: Math.max(0, age) });
      } catch {
        // Not ours to read; the next write of that host replaces it.
      }
    }
    return limits;
  }
}
