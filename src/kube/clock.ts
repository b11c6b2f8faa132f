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

/** The longest delay setTimeout takes (about 24.8 days): beyond it, it fires at once. */
const maxTimeoutMs = 2 ** 31 - 1;

/** The real clock. Timers do not keep the process alive: something else (a socket, a worker) does. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    // A configured period (syncPeriod, gcInterval) may be longer than setTimeout allows: wait in steps.
    let timer: NodeJS.Timeout;
    const wait = (remainingMs: number): void => {
      timer = remainingMs > maxTimeoutMs ? setTimeout(() => wait(remainingMs - maxTimeoutMs), maxTimeoutMs) : setTimeout(callback, Math.max(0, remainingMs));
      timer.unref();
    };
    wait(delayMs);
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
