import { DockerMcpError, errorFromStatus, oneLine } from '../errors';
import type { HttpResponse } from './fetch';
import { parseRateLimit } from './rateLimit';

/**
 * A request its caller gave up on. It says nothing about upstream, and where one fetch serves many callers (the
 * cache's shared loads) the others still want the answer: they can tell it apart from a real failure and ask again.
 */
export class CancelledError extends DockerMcpError {
  constructor() {
    super('UPSTREAM_ERROR', 'the request was cancelled.');
  }
}

/** The error for a signal that fired: the call's deadline passed (TIMEOUT), or the caller went away. */
export function abortedError(signal: AbortSignal | undefined, service = 'upstream', timeoutMs?: number): DockerMcpError {
  const reason = signal?.reason as { name?: string } | undefined;
  if (reason?.name === 'TimeoutError') return timeoutError(service, timeoutMs);
  return new CancelledError();
}

export function timeoutError(service: string, timeoutMs?: number, cause?: unknown): DockerMcpError {
  const within = timeoutMs === undefined ? 'in time' : `within ${timeoutMs} ms`;
  return new DockerMcpError('TIMEOUT', `${service} did not answer ${within}; try again later.`, {
    cause,
  });
}

/** A fault below HTTP (refused, reset, DNS, TLS, timeout) as the contract's error, naming the service. */
export function networkError(err: unknown, service: string, timeoutMs: number): DockerMcpError {
  const name = (err as { name?: string })?.name;
  const code = (err as { code?: string })?.code;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return timeoutError(service, timeoutMs, err);
  }
  const reason = code ?? (err instanceof Error ? oneLine(err.message, 80) : 'network error');
  return new DockerMcpError('UPSTREAM_ERROR', `could not reach ${service} (${reason}); check the network and try again.`, {
    cause: err,
  });
}

/** Faults that show the host itself is down or unreachable, as opposed to one resource failing. */
export function isConnectionFault(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(
    code ?? '',
  );
}

/** A wait longer than this is no wait a person can plan with; it is reported as "later", never as a date. */
const LONGEST_RETRY_AFTER_MS = 366 * 24 * 3600 * 1000;

/** Milliseconds from `Retry-After` (seconds or HTTP date) or Hub's older `X-Retry-After` (unix time). */
export function retryAfter(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const value = headers['retry-after']?.trim();
  let ms: number | undefined;
  if (value !== undefined) {
    if (/^\d+$/.test(value)) ms = Number(value) * 1000;
    else {
      const date = Date.parse(value);
      if (!Number.isNaN(date)) ms = Math.max(0, date - now);
    }
  }
  const unix = headers['x-retry-after']?.trim();
  if (ms === undefined && unix !== undefined && /^\d+$/.test(unix)) ms = Math.max(0, Number(unix) * 1000 - now);
  if (ms === undefined || !Number.isFinite(ms)) return ms === undefined ? undefined : LONGEST_RETRY_AFTER_MS;
  return Math.min(ms, LONGEST_RETRY_AFTER_MS);
}

/**
 * The one mapping of an HTTP reply to the contract's codes, for every client: status, Retry-After for 429, and the
 * one line of upstream detail the client could read from the body. Clients name what was asked for; tools add what
 * to try next.
 */
export function errorFromResponse(response: HttpResponse, what: string, detail?: string): DockerMcpError {
  const waitMs = response.status === 429 || response.status === 503 ? retryAfter(response.headers) : undefined;
  const windowSeconds = response.status === 429 ? parseRateLimit(response.headers)?.windowSeconds : undefined;
  return errorFromStatus(response.status, what, detail, waitMs === undefined ? undefined : Math.ceil(waitMs / 1000), windowSeconds);
}
