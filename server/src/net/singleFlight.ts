import { deadlineOf, withDeadline } from './deadline';
import { abortedError, CancelledError } from './errors';

interface Flight<V, P, J> {
  controller: AbortController;
  /** What the callers of a batch brought, in order of arrival, until its work takes them. */
  parts: J[];
  callers: number;
  /** Each waiting caller's progress listener; a caller's is removed when it is answered or gives up. */
  listeners: Set<(update: P) => void>;
  promise: Promise<V>;
}

/**
 * One piece of work in flight per key, shared by every caller that asks for it meanwhile. The work gets its own
 * signal, aborted only when every caller has given up (reference counted): one cancelled caller never cancels the
 * others. A caller that gives up while others wait is answered at once (CancelledError, or TIMEOUT when its
 * deadline passed); the last one gets the aborted work's own error. Progress the work reports (`P`, e.g. bytes
 * read) reaches every caller still waiting, whichever of them started it.
 */
export class SingleFlight<V, P = never, J = never> {
  private readonly flights = new Map<string, Flight<V, P, J>>();

  run(
    key: string,
    work: (signal: AbortSignal, progress: (update: P) => void) => Promise<V>,
    signal?: AbortSignal,
    onProgress?: (update: P) => void,
  ): Promise<V> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const flight = this.flights.get(key) ?? this.start(key, signal, (created) => work(created.controller.signal, (update) => {
      for (const listener of created.listeners) listener(update);
    }));
    return join(flight, signal, onProgress);
  }

  /**
   * A batch: callers that ask for `key` before the work takes the parts join it with their `part` (e.g. one token
   * request carrying every scope asked for in the same turn). `take()` closes the batch: callers after it start the
   * next one, while those who joined wait for this work's answer.
   */
  batch(
    key: string,
    part: J,
    work: (signal: AbortSignal, take: () => readonly J[]) => Promise<V>,
    signal?: AbortSignal,
  ): Promise<V> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const flight = this.flights.get(key) ?? this.start(key, signal, (created) => work(created.controller.signal, () => {
      if (this.flights.get(key) === created) this.flights.delete(key);
      return created.parts;
    }));
    if (!flight.parts.includes(part)) flight.parts.push(part);
    return join(flight, signal, undefined);
  }

  private start(key: string, signal: AbortSignal | undefined, work: (flight: Flight<V, P, J>) => Promise<V>): Flight<V, P, J> {
    const controller = new AbortController();
    withDeadline(controller.signal, deadlineOf(signal));
    const created: Flight<V, P, J> = { controller, parts: [], callers: 0, listeners: new Set(), promise: Promise.resolve(undefined as never) };
    created.promise = Promise.resolve()
      .then(() => work(created))
      .finally(() => {
        if (this.flights.get(key) === created) this.flights.delete(key);
      });
    this.flights.set(key, created);
    return created;
  }

  /** Keys with work in flight right now. */
  get size(): number {
    return this.flights.size;
  }
}

function join<V, P, J>(flight: Flight<V, P, J>, signal: AbortSignal | undefined, onProgress: ((update: P) => void) | undefined): Promise<V> {
  flight.callers++;
  // A wrapper, so one listener function passed by two callers is still two listeners.
  const listener = onProgress && ((update: P) => onProgress(update));
  if (listener) flight.listeners.add(listener);
  const leave = () => {
    if (listener) flight.listeners.delete(listener);
  };
  if (!signal) return flight.promise.finally(leave);
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => {
      leave();
      flight.callers--;
      if (flight.callers > 0) return reject(abortedError(signal));
      // The last caller gone: the work is aborted, and its own error (naming the service that was slow) is the answer.
      flight.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    flight.promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        leave();
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        leave();
        reject(err);
      },
    );
  });
}
