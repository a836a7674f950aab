const deadlines = new WeakMap<AbortSignal, number>();

/**
 * The signal of one tool call: aborted when the caller cancels or when DOCKERHUB_MCP_TIMEOUT_MS has passed since the
 * call began, whichever comes first. Every request of the call, retries and waits included, lives under it.
 */
export function callDeadline(timeoutMs: number, parent?: AbortSignal, now: () => number = Date.now): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = parent ? AbortSignal.any([parent, timeout]) : timeout;
  deadlines.set(signal, now() + timeoutMs);
  return signal;
}

/** Marks a signal derived from a call's signal (coalesced work, an attempt) with that call's deadline. */
export function withDeadline(signal: AbortSignal, deadlineAt: number | undefined): AbortSignal {
  if (deadlineAt !== undefined) deadlines.set(signal, deadlineAt);
  return signal;
}

/** When the call that owns `signal` must be over (ms since the epoch), if it has a deadline. */
export function deadlineOf(signal: AbortSignal | undefined): number | undefined {
  return signal ? deadlines.get(signal) : undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason when it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
