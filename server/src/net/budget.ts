import { abortedError } from './errors';

interface Waiter {
  bytes: number;
  grant: () => void;
}

/**
 * Bytes of reply bodies being read or just read, across every concurrent request of the process. A reply reserves
 * its size (Content-Length, else its bound) before its body is read, and gives it back once the caller has had a
 * turn to parse it; a reply that does not fit waits, first come first served. So 64 calls that each read a 30 MiB
 * page hold at most `capacity` bytes of pages at a time, not 64 × 30 MiB.
 */
export class ByteBudget {
  private used = 0;
  private peak = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly capacity: number) {}

  /** Resolves with a release function once `bytes` (at most the whole capacity) are free. */
  async reserve(requested: number, signal?: AbortSignal): Promise<() => void> {
    const bytes = Math.max(0, Math.min(requested, this.capacity));
    if (this.queue.length === 0 && this.used + bytes <= this.capacity) return this.take(bytes);
    if (signal?.aborted) throw abortedError(signal);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        this.drain();
        reject(abortedError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
    return this.take(bytes, true);
  }

  /** The most bytes ever reserved at once. */
  get peakBytes(): number {
    return this.peak;
  }

  get inUse(): number {
    return this.used;
  }

  private take(bytes: number, granted = false): () => void {
    if (!granted) this.used += bytes;
    this.peak = Math.max(this.peak, this.used);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.used + this.queue[0].bytes <= this.capacity) {
      const next = this.queue.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}
