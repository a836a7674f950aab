import type { Logger } from '../log';
import { breakers } from './breaker';
import { ByteBudget } from './budget';
import type { DestinationPolicy } from './destinations';
import { compose, isRead, type Fetch, type HttpRequest, type HttpResponse, type Layer } from './fetch';
import { logged, userAgent } from './logging';
import { rateLimitCapture, type RateLimitSnapshot } from './rateLimit';
import { redirects } from './redirects';
import { retrying } from './retry';
import { SingleFlight } from './singleFlight';
import { undiciTransport, type Transport } from './transport';

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
  /** The HTTP transport's destination policy; none on stdio, where the user runs their own server. */
  policy?: DestinationPolicy;
  /** How a person knows the service at a URL ("Docker Hub's registry", "ghcr.io"); the host by default. */
  serviceName?: (url: URL) => string;
  /** Bytes of reply bodies in flight across all requests. */
  budgetBytes?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const DEFAULT_BUDGET_BYTES = 128 * 1024 * 1024;

/**
 * The one HTTP stack, as layers over one round trip (outermost first): retries under the call's deadline,
 * coalescing of identical reads, redirects, a fair breaker per host, the destination policy, rate-limit capture,
 * user agent, logging, undici. `request` is the composed `Fetch`; the auth layers (registry challenge, Hub token)
 * go on top of it in services.ts. Non-2xx replies are returned, not thrown: the caller knows what was asked for
 * and names it in the error (`errorFromResponse`).
 */
export class HttpClient {
  readonly rateLimits = new Map<string, RateLimitSnapshot>();
  /** Requests that reached the network, by host; what the cache saved is visible here. */
  readonly upstreamRequests = new Map<string, number>();
  readonly budget: ByteBudget;
  request: Fetch;
  private readonly rateLimitListeners: ((host: string, snapshot: RateLimitSnapshot) => void)[] = [];
  private readonly transport: Transport;

  constructor(options: HttpClientOptions) {
    const serviceName = options.serviceName ?? ((url: URL) => url.host);
    this.budget = new ByteBudget(options.budgetBytes ?? DEFAULT_BUDGET_BYTES);
    this.transport = undiciTransport({
      budget: this.budget,
      idleTimeoutMs: options.timeoutMs,
      counts: this.upstreamRequests,
      lookup: options.policy?.connectLookup,
    });
    const layers: Layer[] = [
      retrying({
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries ?? 3,
        // Backoff in proportion to the deadline, so a short DOCKERHUB_MCP_TIMEOUT_MS still leaves room for every retry.
        baseDelayMs: options.baseDelayMs ?? Math.min(200, options.timeoutMs / 40),
        maxRetryWaitMs: options.maxRetryWaitMs ?? 10_000,
        log: options.log,
        serviceName,
        now: options.now,
        sleep: options.sleep,
      }),
      ...(options.coalesce === false ? [] : [coalesced()]),
      redirects(),
      breakers({
        threshold: options.breakerThreshold ?? 5,
        cooldownMs: options.breakerCooldownMs ?? 30_000,
        serviceName,
        now: options.now,
      }),
      ...(options.policy ? [options.policy.layer()] : []),
      rateLimitCapture(this.rateLimits, this.rateLimitListeners),
      userAgent(options.userAgent ?? 'dockerhub-mcp'),
      logged(options.log),
    ];
    this.request = compose(this.transport.fetch, ...layers);
  }

  /** A request whose 2xx body is handed over unread, as `stream` (see `HttpRequest.stream`). */
  stream(request: HttpRequest): Promise<HttpResponse> {
    return this.request({ ...request, stream: true });
  }

  onRateLimit(listener: (host: string, snapshot: RateLimitSnapshot) => void): void {
    this.rateLimitListeners.push(listener);
  }

  /** Ends every connection, idle or in flight: at shutdown no reply is worth waiting for. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** Identical reads in flight are one request: same method, URL, credentials and Accept. */
export function coalesced(): Layer {
  const flights = new SingleFlight<HttpResponse>();
  return (next) => (request: HttpRequest) => {
    if (!isRead(request) || request.stream) return next(request);
    const headers = request.headers ?? {};
    const key = `${request.method} ${request.url} ${headers.authorization ?? headers.Authorization ?? ''} ${headers.accept ?? ''} ${
      request.followRedirects ? 'follow' : ''
    }`;
    return flights.run(key, (signal) => next({ ...request, signal }), request.signal);
  };
}
