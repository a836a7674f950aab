import { Readable } from 'node:stream';
import { Agent, request as undiciRequest } from 'undici';
import { DockerMcpError, oneLine } from '../errors';
import type { Logger } from '../log';
import { CircuitBreaker } from './breaker';
import { parseRateLimit, type RateLimitSnapshot } from './rateLimit';
import { redactHeaders } from './redact';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Follow 3xx (at most 5); Authorization is dropped when the redirect leaves the origin. */
  followRedirects?: boolean;
  /** Largest body accepted; more is refused rather than buffered. */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Final URL after redirects. */
  url: string;
}

/**
 * A reply whose 2xx body is read as it arrives. Any other status has its (bounded) body in `body` as usual and an
 * empty `stream`, so retries, redirects and error mapping treat it like any reply.
 */
export interface HttpStreamResponse extends HttpResponse {
  stream: Readable;
}

/** Error bodies of a streamed request are small JSON; more is not worth reading. */
const STREAM_ERROR_BODY_MAX = 64 * 1024;

export interface HttpClientOptions {
  timeoutMs: number;
  log: Logger;
  maxRetries?: number;
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the caller gets RATE_LIMITED with the wait instead. */
  maxRetryWaitMs?: number;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /** Off only for benchmarks that stand for a client without coalescing. */
  coalesce?: boolean;
  userAgent?: string;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * The one HTTP stack: timeouts, bounded retries with backoff and Retry-After, a circuit breaker per host,
 * coalescing of identical in-flight reads, rate-limit header capture. Non-2xx replies are returned, not thrown:
 * the caller knows what was asked for and names it in the error.
 */
export class HttpClient {
  readonly rateLimits = new Map<string, RateLimitSnapshot>();
  /** Requests that reached the network, by host; what the cache saved is visible here. */
  readonly upstreamRequests = new Map<string, number>();
  private readonly inFlight = new Map<string, SharedFetch>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  private readonly rateLimitListeners: ((host: string, snapshot: RateLimitSnapshot) => void)[] = [];
  private readonly opts: Required<Omit<HttpClientOptions, 'log'>> & { log: Logger };

  constructor(options: HttpClientOptions) {
    this.opts = {
      maxRetries: 3,
      baseDelayMs: 200,
      maxRetryWaitMs: 10_000,
      breakerThreshold: 5,
      breakerCooldownMs: 30_000,
      coalesce: true,
      userAgent: 'dockerhub-mcp',
      ...options,
    };
  }

  onRateLimit(listener: (host: string, snapshot: RateLimitSnapshot) => void): void {
    this.rateLimitListeners.push(listener);
  }

  /** Ends every connection, idle or in flight: at shutdown no reply is worth waiting for. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const idempotentRead = req.method === 'GET' || req.method === 'HEAD';
    if (!idempotentRead || !this.opts.coalesce) return this.withRetries(req, req.signal);
    const key = `${req.method} ${req.url} ${req.headers?.authorization ?? req.headers?.Authorization ?? ''} ${
      req.headers?.accept ?? ''
    }`;
    let shared = this.inFlight.get(key);
    if (!shared) {
      const controller = new AbortController();
      const created: SharedFetch = { controller, waiters: 0, promise: Promise.resolve(undefined as never) };
      created.promise = this.withRetries(req, controller.signal).finally(() => {
        if (this.inFlight.get(key) === created) this.inFlight.delete(key);
      });
      this.inFlight.set(key, created);
      shared = created;
    }
    return joinShared(shared, req.signal);
  }

  private breakerFor(host: string): CircuitBreaker {
    let breaker = this.breakers.get(host);
    if (!breaker) {
      breaker = new CircuitBreaker(this.opts.breakerThreshold, this.opts.breakerCooldownMs);
      this.breakers.set(host, breaker);
    }
    return breaker;
  }

  /**
   * The body of a 2xx reply as a stream, for blobs too large to buffer (layers). Same retries (before the body
   * starts), breaker, redirects and header capture as `request`; not coalesced (a stream has one reader). The timeout
   * bounds the wait for headers and then each pause between chunks, not the whole transfer: a large layer may take
   * minutes and still be healthy. Aborting `signal` closes the connection at once.
   */
  stream(req: HttpRequest): Promise<HttpStreamResponse> {
    return this.withRetries(req, req.signal, (hop, signal) => this.openStream(hop, signal));
  }

  private async withRetries<R extends HttpResponse = HttpResponse>(
    req: HttpRequest,
    signal: AbortSignal | undefined,
    send: (hop: HttpRequest, signal: AbortSignal | undefined) => Promise<R> = (hop, hopSignal) =>
      this.once(hop, hopSignal) as Promise<R>,
  ): Promise<R> {
    const host = new URL(req.url).host;
    const breaker = this.breakerFor(host);
    const retryable = req.method === 'GET' || req.method === 'HEAD';
    for (let attempt = 0; ; attempt++) {
      const waitSeconds = breaker.refuseFor();
      if (waitSeconds !== undefined) {
        throw new DockerMcpError(
          'UPSTREAM_ERROR',
          `${host} failed repeatedly, so calls to it are paused; retry in ${waitSeconds} s.`,
        );
      }
      let response: R;
      try {
        response = await this.followingRedirects(req, signal, send);
      } catch (err) {
        if (err instanceof DockerMcpError || signal?.aborted) {
          // Our own refusal (a redirect loop or off http, an oversized body) would come again; a cancelled call says
          // nothing about the host. Neither counts for the breaker, but a trial slot it held must be given back.
          breaker.release();
          throw err instanceof DockerMcpError ? err : abortError();
        }
        const failure = networkError(err, host, this.opts.timeoutMs);
        breaker.recordFailure();
        if (!retryable || attempt >= this.opts.maxRetries) throw failure;
        this.opts.log.debug('retrying after network fault', { host, attempt: attempt + 1, reason: failure.message });
        await sleep(backoff(this.opts.baseDelayMs, attempt), signal);
        continue;
      }
      if (response.status >= 500) breaker.recordFailure();
      else breaker.recordSuccess();
      if (!retryable || !RETRYABLE_STATUS.has(response.status) || attempt >= this.opts.maxRetries) return response;
      const retryAfterMs = retryAfter(response.headers);
      if (retryAfterMs !== undefined && retryAfterMs > this.opts.maxRetryWaitMs) return response;
      const delay = retryAfterMs ?? backoff(this.opts.baseDelayMs, attempt);
      this.opts.log.debug('retrying', { host, status: response.status, attempt: attempt + 1, delayMs: delay });
      await sleep(delay, signal);
    }
  }

  private async followingRedirects<R extends HttpResponse>(
    req: HttpRequest,
    signal: AbortSignal | undefined,
    send: (hop: HttpRequest, signal: AbortSignal | undefined) => Promise<R>,
  ): Promise<R> {
    let url = req.url;
    let headers = { ...(req.headers ?? {}) };
    for (let hop = 0; ; hop++) {
      const response = await send({ ...req, url, headers }, signal);
      const location = response.headers.location;
      if (!req.followRedirects || response.status < 300 || response.status >= 400 || !location) return response;
      if (hop >= 5) throw new DockerMcpError('UPSTREAM_ERROR', `too many redirects from ${new URL(req.url).host}.`);
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new DockerMcpError('UPSTREAM_ERROR', `refused a redirect to a ${next.protocol} URL.`);
      }
      if (next.origin !== new URL(url).origin) {
        // Credentials are for the host that asked for them; a CDN gets a signed URL instead.
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
      }
      url = next.toString();
    }
  }

  private async once(req: HttpRequest, outerSignal: AbortSignal | undefined): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = outerSignal ? AbortSignal.any([outerSignal, timeout]) : timeout;
    const { status, headers, body: raw } = await this.send(req, { signal });
    const body = await readBody(raw, req.maxBytes ?? DEFAULT_MAX_BYTES, new URL(req.url).host);
    this.opts.log.debug('http reply', { method: req.method, url: req.url, status, bytes: body.length });
    return { status, headers, body, url: req.url };
  }

  private async openStream(req: HttpRequest, signal: AbortSignal | undefined): Promise<HttpStreamResponse> {
    const { status, headers, body: raw } = await this.send(req, {
      signal,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    this.opts.log.debug('http stream', { method: req.method, url: req.url, status });
    if (status >= 200 && status < 300) return { status, headers, body: Buffer.alloc(0), url: req.url, stream: raw };
    const body = await readBody(raw, STREAM_ERROR_BODY_MAX, new URL(req.url).host).catch(() => Buffer.alloc(0));
    return { status, headers, body, url: req.url, stream: Readable.from([]) };
  }

  /** One round trip: counts it, sends the user agent, logs redacted headers, captures rate-limit headers. */
  private async send(
    req: HttpRequest,
    limits: { signal?: AbortSignal; headersTimeout?: number; bodyTimeout?: number },
  ): Promise<{ status: number; headers: Record<string, string>; body: Readable }> {
    const url = new URL(req.url);
    this.upstreamRequests.set(url.host, (this.upstreamRequests.get(url.host) ?? 0) + 1);
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent, ...(req.headers ?? {}) };
    this.opts.log.debug('http', { method: req.method, url: req.url, headers: redactHeaders(headers) });
    const res = await undiciRequest(url, {
      method: req.method,
      headers,
      body: req.body,
      ...limits,
      dispatcher: this.agent,
      maxRedirections: 0,
    } as Parameters<typeof undiciRequest>[1]);
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const snapshot = parseRateLimit(responseHeaders);
    if (snapshot) {
      this.rateLimits.set(url.host, snapshot);
      for (const listener of this.rateLimitListeners) listener(url.host, snapshot);
    }
    return { status: res.statusCode, headers: responseHeaders, body: res.body };
  }
}

interface SharedFetch {
  controller: AbortController;
  waiters: number;
  promise: Promise<HttpResponse>;
}

/** A caller joins a shared fetch; the fetch is aborted only when every caller has gone. */
function joinShared(shared: SharedFetch, signal: AbortSignal | undefined): Promise<HttpResponse> {
  shared.waiters++;
  if (!signal) return shared.promise;
  if (signal.aborted) {
    leave(shared);
    return Promise.reject(abortError());
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const onAbort = () => {
      leave(shared);
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    shared.promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function leave(shared: SharedFetch): void {
  shared.waiters--;
  if (shared.waiters <= 0) shared.controller.abort();
}

/**
 * A request its caller gave up on. It says nothing about upstream, and where one fetch serves many callers (the
 * cache's shared loads) the others still want the answer: they can tell it apart from a real failure and ask again.
 */
export class CancelledError extends DockerMcpError {
  constructor() {
    super('UPSTREAM_ERROR', 'the request was cancelled.');
  }
}

function abortError(): DockerMcpError {
  return new CancelledError();
}

async function readBody(body: AsyncIterable<Buffer> & { destroy?: () => void }, maxBytes: number, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy?.();
      throw new DockerMcpError('UPSTREAM_ERROR', `${host} sent more than ${maxBytes} bytes; refused.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function networkError(err: unknown, host: string, timeoutMs: number): DockerMcpError {
  const name = (err as { name?: string })?.name;
  const code = (err as { code?: string })?.code;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new DockerMcpError('TIMEOUT', `${host} did not answer within ${timeoutMs} ms; try again later.`, { cause: err });
  }
  const reason = code ?? (err instanceof Error ? oneLine(err.message, 80) : 'network error');
  return new DockerMcpError('UPSTREAM_ERROR', `could not reach ${host} (${reason}); check the network and try again.`, {
    cause: err,
  });
}

/** Milliseconds from `Retry-After` (seconds or HTTP date) or Hub's older `X-Retry-After` (unix time). */
export function retryAfter(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after'];
  if (value !== undefined) {
    if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const unix = headers['x-retry-after'];
  if (unix !== undefined && /^\d+$/.test(unix.trim())) return Math.max(0, Number(unix.trim()) * 1000 - Date.now());
  return undefined;
}

function backoff(baseMs: number, attempt: number): number {
  const ceiling = baseMs * 2 ** attempt;
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
