import { deadlineOf, withDeadline } from './deadline';
import { abortedError, CancelledError } from './errors';

interface Flight<V> {
  controller: AbortController;
  callers: number;
  promise: Promise<V>;
}

/**
 * One piece of work in flight per key, shared by every caller that asks for it meanwhile. The work gets its own
 * signal, aborted only when every caller has given up (reference counted): one cancelled caller never cancels the
 * others. A caller that gives up while others wait is answered at once (CancelledError, or TIMEOUT when its
 * deadline passed); the last one gets the aborted work's own error.
 */
export class SingleFlight<V> {
  private readonly flights = new Map<string, Flight<V>>();

  run(key: string, work: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    let flight = this.flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      withDeadline(controller.signal, deadlineOf(signal));
      const created: Flight<V> = { controller, callers: 0, promise: Promise.resolve(undefined as never) };
      created.promise = Promise.resolve()
        .then(() => work(controller.signal))
        .finally(() => {
          if (this.flights.get(key) === created) this.flights.delete(key);
        });
      this.flights.set(key, created);
      flight = created;
    }
    return join(flight, signal);
  }

  /** Keys with work in flight right now. */
  get size(): number {
    return this.flights.size;
  }
}

function join<V>(flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
  flight.callers++;
  if (!signal) return flight.promise;
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => {
      flight.callers--;
      if (flight.callers > 0) return reject(abortedError(signal));
      // The last caller gone: the work is aborted, and its own error (naming the service that was slow) is the answer.
      flight.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    flight.promise.then(
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
