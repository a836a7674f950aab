import { z } from 'zod';
import { formatBytes } from '../format';
import type { RateLimitSnapshot } from '../net/rateLimit';
import { defineTool, READ_ONLY } from './tool';

const kindStats = z.object({ hits: z.number(), misses: z.number(), entries: z.number(), bytes: z.number() });
const rateLimit = z.object({
  limit: z.number().optional(),
  remaining: z.number().optional(),
  window_seconds: z.number().optional(),
  source: z.string().optional(),
  reset_at: z.number().optional().describe('Unix seconds (Hub API)'),
  observed_at: z.string(),
});
const sharedRateLimit = rateLimit.extend({ age_seconds: z.number().describe('How long ago it was seen') });

export const cacheInfo = defineTool({
  name: 'docker_cache_info',
  title: 'Cache statistics',
  description:
    "This server's cache: entries and bytes in memory and on disk, hit rates, requests per host, rate-limit headers.",
  input: {},
  output: {
    max_bytes: z.number().describe('Bound of the memory cache'),
    memory_bytes: z.number(),
    memory_entries: z.number(),
    hits: z.number(),
    misses: z.number(),
    hit_rate: z.number().describe('0 to 1'),
    by_kind: z.record(z.string(), kindStats).describe('Kinds with any activity or entries'),
    disk: z.object({ enabled: z.boolean(), directory: z.string().optional(), entries: z.number(), bytes: z.number() }),
    upstream_requests: z.record(z.string(), z.number()).describe('Requests that reached the network, by host'),
    rate_limits: z.record(z.string(), rateLimit).describe('Latest rate-limit headers, by host'),
    shared: z
      .object({
        target: z.string().describe('Redis host, port and database (never the password)'),
        state: z.enum(['idle', 'connected', 'unavailable']).describe('idle: not used yet (it connects on first use)'),
        hits: z.number().describe('Look-ups Redis answered after memory and disk missed'),
        waits: z.number().describe('Values another instance was already fetching, waited for instead of fetched'),
        rate_limits: z
          .record(z.string(), sharedRateLimit)
          .describe('Latest rate-limit headers seen by any instance sharing this Redis, by host, with their age'),
      })
      .optional()
      .describe('The cache level shared by many instances; present only with DOCKERHUB_MCP_REDIS_URL'),
  },
  annotations: READ_ONLY,
  async handler(_args, services) {
    const stats = await services.cache.stats();
    const byKind = Object.fromEntries(
      Object.entries(stats.byKind).filter(([, kind]) => kind.hits + kind.misses + kind.entries > 0),
    );
    const rateLimits = Object.fromEntries(
      [...services.http.rateLimits].map(([host, snapshot]) => [host, rateLimitFields(snapshot)]),
    );
    const shared = stats.shared && {
      ...stats.shared,
      rate_limits: Object.fromEntries(
        [...((await services.quotaLedger?.rateLimits()) ?? [])].map(([host, snapshot]) => [
          host,
          { ...rateLimitFields(snapshot), age_seconds: snapshot.ageSeconds },
        ]),
      ),
    };
    return {
      max_bytes: stats.maxBytes,
      memory_bytes: stats.memoryBytes,
      memory_entries: stats.memoryEntries,
      hits: stats.hits,
      misses: stats.misses,
      hit_rate: Math.round(stats.hitRate * 1000) / 1000,
      by_kind: byKind,
      disk: stats.disk,
      upstream_requests: Object.fromEntries(services.http.upstreamRequests),
      rate_limits: rateLimits,
      ...(shared ? { shared } : {}),
    };
  },
  summarize(result) {
    const kinds = Object.entries(result.by_kind)
      .map(([kind, k]) => `${kind} ${k.entries} (${k.hits}/${k.hits + k.misses} hits)`)
      .join(', ');
    const disk = result.disk.enabled
      ? `disk ${result.disk.entries} file(s), ${formatBytes(result.disk.bytes)} in ${result.disk.directory}`
      : 'no disk cache (DOCKERHUB_MCP_CACHE_DIR unset)';
    const upstream = Object.entries(result.upstream_requests)
      .map(([host, count]) => `${host} ${count}`)
      .join(', ');
    const limits = Object.entries(result.rate_limits)
      .map(([host, r]) => `${host} ${r.remaining ?? '?'}/${r.limit ?? '?'}${r.window_seconds ? ` per ${r.window_seconds} s` : ''}`)
      .join(', ');
    const lines = [
      `Memory ${result.memory_entries} entries, ${formatBytes(result.memory_bytes)} of ${formatBytes(result.max_bytes)}; ${disk}.`,
      `Hit rate ${(result.hit_rate * 100).toFixed(1)}% (${result.hits} hits, ${result.misses} misses)${kinds ? `: ${kinds}` : ''}.`,
      `Upstream requests: ${upstream || 'none yet'}.`,
      `Rate limits seen: ${limits || 'none yet'}.`,
    ];
    if (result.shared) {
      const sharedLimits = Object.entries(result.shared.rate_limits)
        .map(([host, r]) => `${host} ${r.remaining ?? '?'}/${r.limit ?? '?'} ${r.age_seconds} s ago`)
        .join(', ');
      lines.push(
        `Shared cache ${result.shared.target} (${result.shared.state}): ${result.shared.hits} hits, ` +
          `${result.shared.waits} waits for another instance; rate limits seen by any instance: ${sharedLimits || 'none yet'}.`,
      );
    }
    return lines.join('\n');
  },
  example: {},
});

function rateLimitFields(snapshot: RateLimitSnapshot) {
  return {
    ...(snapshot.limit !== undefined ? { limit: snapshot.limit } : {}),
    ...(snapshot.remaining !== undefined ? { remaining: snapshot.remaining } : {}),
    ...(snapshot.windowSeconds !== undefined ? { window_seconds: snapshot.windowSeconds } : {}),
    ...(snapshot.source !== undefined ? { source: snapshot.source } : {}),
    ...(snapshot.resetAt !== undefined ? { reset_at: snapshot.resetAt } : {}),
    observed_at: snapshot.observedAt,
  };
}
