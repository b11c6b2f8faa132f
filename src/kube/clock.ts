/**
 * Time as the controller machinery sees it: injected so that backoff, silent-watch detection and the
 * work queue's delays can be tested without real time passing.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now; the returned function cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

/** The real clock. Timers do not keep the process alive: something else (a socket, a worker) does. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Resolves after `delayMs` on `clock`, or rejects with the signal's reason once it is aborted. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An abort signal that fires after `delayMs` on `clock` (AbortSignal.timeout follows real time only). */
export function timeoutSignal(clock: Clock, delayMs: number, reason: () => Error): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const cancel = clock.setTimer(() => controller.abort(reason()), delayMs);
  return { signal: controller.signal, cancel };
}
