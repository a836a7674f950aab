/**
 * Per-host circuit breaker: after `threshold` consecutive failures calls are refused for `cooldownMs`, then one
 * trial call is let through; its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
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

  /** Seconds until a call may be tried, or undefined when this call may go ahead. */
  refuseFor(): number | undefined {
    const state = this.state;
    if (state === 'closed') return undefined;
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return undefined;
    }
    const remaining = this.openedAt! + this.cooldownMs - this.now();
    return Math.max(1, Math.ceil(remaining / 1000));
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  /** A call that proved nothing either way (cancelled, refused by us) gives back the trial slot it may hold. */
  release(): void {
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.failures++;
    if (this.trialInFlight || this.failures >= this.threshold) {
      this.openedAt = this.now();
      this.trialInFlight = false;
    }
  }
}
