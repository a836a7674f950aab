import type { Layer } from './fetch';

/** What a registry or the Hub API said about its limits in one reply. */
export interface RateLimitSnapshot {
  limit?: number;
  remaining?: number;
  /** Window length in seconds (`;w=21600`). */
  windowSeconds?: number;
  /** `docker-ratelimit-source`: the IP or user id the quota is counted against. */
  source?: string;
  /** Unix seconds when the Hub API window resets (`X-RateLimit-Reset`). */
  resetAt?: number;
  observedAt: string;
}

/**
 * Registry form: `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 76;w=21600`, `docker-ratelimit-source`.
 * Hub API form: `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset`.
 */
export function parseRateLimit(headers: Record<string, string>): RateLimitSnapshot | undefined {
  const limit = headers['ratelimit-limit'] ?? headers['x-ratelimit-limit'];
  const remaining = headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining'];
  if (limit === undefined && remaining === undefined) return undefined;
  const parsedLimit = parseQuota(limit);
  const parsedRemaining = parseQuota(remaining);
  const reset = headers['x-ratelimit-reset'];
  return {
    limit: parsedLimit?.value,
    remaining: parsedRemaining?.value,
    windowSeconds: parsedLimit?.window ?? parsedRemaining?.window,
    source: headers['docker-ratelimit-source'],
    resetAt: reset && /^\d+$/.test(reset) ? Number(reset) : undefined,
    observedAt: new Date().toISOString(),
  };
}

function parseQuota(value: string | undefined): { value: number; window?: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(value);
  if (!match) return undefined;
  return { value: Number(match[1]), window: match[2] ? Number(match[2]) : undefined };
}

/** Records the rate-limit headers of every reply, by host, and tells each listener. */
export function rateLimitCapture(
  snapshots: Map<string, RateLimitSnapshot>,
  listeners: ((host: string, snapshot: RateLimitSnapshot) => void)[],
): Layer {
  return (next) => async (request) => {
    const response = await next(request);
    const snapshot = parseRateLimit(response.headers);
    if (snapshot) {
      const host = new URL(request.url).host;
      snapshots.set(host, snapshot);
      for (const listener of listeners) listener(host, snapshot);
    }
    return response;
  };
}
