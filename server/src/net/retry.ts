import { DockerMcpError } from '../errors';
import type { Logger } from '../log';
import { deadlineOf, sleep as realSleep, withDeadline } from './deadline';
import { abortedError, networkError, retryAfter, timeoutError } from './errors';
import { isRead, type HttpRequest, type HttpResponse, type Layer } from './fetch';

export interface RetryOptions {
  /** DOCKERHUB_MCP_TIMEOUT_MS: bounds one request with its retries when no call deadline is given, and never more. */
  timeoutMs: number;
  maxRetries: number;
  baseDelayMs: number;
  /** A Retry-After longer than this (or past the deadline) is not waited for: the caller gets RATE_LIMITED instead. */
  maxRetryWaitMs: number;
  log: Logger;
  serviceName: (url: URL) => string;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Deadline and bounded retries with backoff and Retry-After, all under one deadline: the call's (see
 * `callDeadline`), else DOCKERHUB_MCP_TIMEOUT_MS from now. A wait that would end past the deadline is not begun.
 * Only reads are retried.
 */
export function retrying(options: RetryOptions): Layer {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? realSleep;
  return (next) => async (request) => {
    const url = new URL(request.url);
    const service = options.serviceName(url);
    const deadlineAt = Math.min(deadlineOf(request.signal) ?? Infinity, now() + options.timeoutMs);
    const timeout = AbortSignal.timeout(Math.max(1, deadlineAt - now()));
    const signal = withDeadline(request.signal ? AbortSignal.any([request.signal, timeout]) : timeout, deadlineAt);
    const retryable = isRead(request);
    for (let attempt = 0; ; attempt++) {
      // A read that may still be retried gets half of what is left, so one hung attempt leaves time for another.
      const remaining = Math.max(1, deadlineAt - now());
      const last = !retryable || attempt >= options.maxRetries;
      const attemptTimeout = last ? undefined : AbortSignal.timeout(Math.max(1, Math.floor(remaining / 2)));
      const attemptSignal = attemptTimeout ? withDeadline(AbortSignal.any([signal, attemptTimeout]), deadlineAt) : signal;
      let response;
      try {
        response = await (request.stream ? untilHeaders(next, request, attemptSignal) : next({ ...request, signal: attemptSignal }));
      } catch (err) {
        if (signal.aborted) throw abortedError(signal, service, options.timeoutMs);
        if (err instanceof DockerMcpError && !attemptTimeout?.aborted) throw err;
        const failure = attemptTimeout?.aborted ? timeoutError(service, options.timeoutMs, err) : networkError(err, service, options.timeoutMs);
        const delay = attemptTimeout?.aborted ? 0 : backoff(options.baseDelayMs, attempt);
        if (last || now() + delay >= deadlineAt) throw failure;
        options.log.debug('retrying after network fault', { host: url.host, attempt: attempt + 1, reason: failure.message });
        await wait(delay, signal).catch(() => {
          throw abortedError(signal, service, options.timeoutMs);
        });
        continue;
      }
      if (!retryable || !RETRYABLE_STATUS.has(response.status) || attempt >= options.maxRetries) return response;
      const retryAfterMs = retryAfter(response.headers, now());
      if (retryAfterMs !== undefined && retryAfterMs > options.maxRetryWaitMs) return response;
      const delay = retryAfterMs ?? backoff(options.baseDelayMs, attempt);
      if (now() + delay >= deadlineAt) return response;
      options.log.debug('retrying', { host: url.host, status: response.status, attempt: attempt + 1, delayMs: delay });
      await wait(delay, signal).catch(() => {
        throw abortedError(signal, service, options.timeoutMs);
      });
    }
  };
}

function backoff(baseMs: number, attempt: number): number {
  const ceiling = baseMs * 2 ** attempt;
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * A streamed body may flow for longer than the deadline (a layer): the deadline bounds the wait for the headers,
 * then only the caller's own signal and the transport's idle timeout stay on the body.
 */
async function untilHeaders(next: (request: HttpRequest) => Promise<HttpResponse>, request: HttpRequest, deadline: AbortSignal): Promise<HttpResponse> {
  const controller = new AbortController();
  const onDeadline = () => controller.abort(deadline.reason);
  deadline.addEventListener('abort', onDeadline, { once: true });
  const onCancel = () => controller.abort(request.signal!.reason);
  request.signal?.addEventListener('abort', onCancel, { once: true });
  if (deadline.aborted) onDeadline();
  try {
    return await next({ ...request, signal: controller.signal });
  } finally {
    deadline.removeEventListener('abort', onDeadline);
  }
}
