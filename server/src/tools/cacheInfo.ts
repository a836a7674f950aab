import { z } from 'zod';
import { formatBytes } from '../hub/format';
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

export const cacheInfo = defineTool({
  name: 'docker_cache_info',
  title: 'Cache statistics',
  description:
    'Statistics of this server\'s cache: entries and bytes in memory and on disk, hit rate overall and by kind ' +
    '(manifests and blobs by digest, kept forever; tag digests, tag lists and Docker Hub answers for minutes), how ' +
    'many requests reached each upstream host, and the last rate-limit headers each host sent. Use it to see ' +
    'whether repeated calls are served locally or to check the pull quota already observed; it makes no request.',
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
  },
  annotations: READ_ONLY,
  async handler(_args, services) {
    const stats = await services.cache.stats();
    const byKind = Object.fromEntries(
      Object.entries(stats.byKind).filter(([, kind]) => kind.hits + kind.misses + kind.entries > 0),
    );
    const rateLimits = Object.fromEntries(
      [...services.http.rateLimits].map(([host, snapshot]) => [
        host,
        {
          ...(snapshot.limit !== undefined ? { limit: snapshot.limit } : {}),
          ...(snapshot.remaining !== undefined ? { remaining: snapshot.remaining } : {}),
          ...(snapshot.windowSeconds !== undefined ? { window_seconds: snapshot.windowSeconds } : {}),
          ...(snapshot.source !== undefined ? { source: snapshot.source } : {}),
          ...(snapshot.resetAt !== undefined ? { reset_at: snapshot.resetAt } : {}),
          observed_at: snapshot.observedAt,
        },
      ]),
    );
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
    return [
      `Memory ${result.memory_entries} entries, ${formatBytes(result.memory_bytes)} of ${formatBytes(result.max_bytes)}; ${disk}.`,
      `Hit rate ${(result.hit_rate * 100).toFixed(1)}% (${result.hits} hits, ${result.misses} misses)${kinds ? `: ${kinds}` : ''}.`,
      `Upstream requests: ${upstream || 'none yet'}.`,
      `Rate limits seen: ${limits || 'none yet'}.`,
    ].join('\n');
  },
  example: {},
});
