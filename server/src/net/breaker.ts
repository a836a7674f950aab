import { DockerMcpError } from '../errors';
import { CancelledError, isConnectionFault } from './errors';
import type { Layer } from './fetch';

/** One failure as the breaker sees it: which path, and whether it shows the host itself is down. */
export interface Failure {
  path: string;
  /** Connection refused or reset: no resource of the host could have answered. */
  hostLevel: boolean;
}

/**
 * A host's circuit breaker, fair to its other resources: it opens after `threshold` consecutive failures only when
 * they show the host is down (a refused or reset connection, or timeouts and 502/503/504 on at least two distinct
 * paths). One repository answering 500, or one manifest timing out, never pauses the host's other resources. Open,
 * it refuses for `cooldownMs`, then lets one trial through; its success closes the circuit, its failure reopens it.
 */
export class CircuitBreaker {
  private streak: Failure[] = [];
  private openedAt?: number;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a call may be tried, or undefined when this call may go ahead. */
  refuseFor(): number | undefined {
    const state = this.state;
    if (state === 'closed') return undefined;
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return undefined;
    }
    return Math.max(1000, this.openedAt! + this.cooldownMs - this.now());
  }

  recordSuccess(): void {
    this.streak = [];
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  /** A call that proved nothing either way (cancelled, refused by us) gives back the trial slot it may hold. */
  release(): void {
    this.trialInFlight = false;
  }

  recordFailure(failure: Failure = { path: '', hostLevel: true }): void {
    this.streak.push(failure);
    if (this.streak.length > this.threshold) this.streak.shift();
    const hostDown =
      this.streak.length >= this.threshold &&
      (this.streak.some((f) => f.hostLevel) || new Set(this.streak.map((f) => f.path)).size >= 2);
    if (this.trialInFlight || hostDown) {
      this.openedAt = this.now();
      this.trialInFlight = false;
    }
  }
}

const HOST_DOWN_STATUS = new Set([502, 503, 504]);

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  serviceName: (url: URL) => string;
  now?: () => number;
}

/** Breakers by host, as a layer: a refusal names the service and says when it will be tried again. */
export function breakers(options: BreakerOptions): Layer {
  const byHost = new Map<string, CircuitBreaker>();
  const now = options.now ?? Date.now;
  return (next) => async (request) => {
    const url = new URL(request.url);
    if (!url.host) return next(request);
    let breaker = byHost.get(url.host);
    if (!breaker) byHost.set(url.host, (breaker = new CircuitBreaker(options.threshold, options.cooldownMs, now)));
    const waitMs = breaker.refuseFor();
    if (waitMs !== undefined) {
      const seconds = Math.ceil(waitMs / 1000);
      const at = new Date(now() + waitMs).toISOString().slice(11, 19);
      throw new DockerMcpError(
        'UPSTREAM_ERROR',
        `${options.serviceName(url)} failed repeatedly, so calls to it are paused; retry in ${seconds} s (at ${at} UTC).`,
      );
    }
    const path = url.pathname;
    try {
      const response = await next(request);
      if (HOST_DOWN_STATUS.has(response.status)) breaker.recordFailure({ path, hostLevel: false });
      else breaker.recordSuccess();
      return response;
    } catch (err) {
      const timedOut = (err as { name?: string })?.name === 'TimeoutError' || request.signal?.reason?.name === 'TimeoutError';
      if (err instanceof CancelledError || (request.signal?.aborted && !timedOut) || (err instanceof DockerMcpError && !timedOut)) {
        // Our own refusal, or a caller that left: says nothing about the host.
        breaker.release();
      } else {
        breaker.recordFailure({ path, hostLevel: isConnectionFault(err) });
      }
      throw err;
    }
  };
}
