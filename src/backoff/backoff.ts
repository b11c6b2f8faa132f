import { sleep, type Clock } from '../kube/clock.ts';

/** The range of the factor each delay is multiplied by, drawn uniformly from `min` to `max`. */
export interface Jitter {
  readonly min: number;
  readonly max: number;
}

/**
 * "Equal jitter": between half and all of the exponential value, so that clients that failed together
 * do not retry together, while no delay collapses to nothing or passes the cap.
 */
export const equalJitter: Jitter = { min: 0.5, max: 1 };

/** Exactly the exponential value (client-go's per-item rate limiter has no randomness). */
export const noJitter: Jitter = { min: 1, max: 1 };

/** How long to wait after failures in a row: exponential, capped, jittered. */
export interface BackoffPolicy {
  /** The delay before the first retry, before jitter. */
  readonly initialDelayMs: number;
  /** The cap on any one delay, before jitter. */
  readonly maxDelayMs: number;
  /** Each delay is this many times the one before. */
  readonly multiplier: number;
  /** Default {@link equalJitter}. */
  readonly jitter?: Jitter;
}

/**
 * The delay before retry number `retry` (0 for the first retry), in whole milliseconds:
 * `min(maxDelayMs, initialDelayMs * multiplier^retry)` times a factor drawn from the policy's jitter.
 * `random` returns a number in [0, 1).
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
  const { min, max } = policy.jitter ?? equalJitter;
  if (min === max) return Math.round(exponential * min);
  return Math.round(exponential * min + random() * (exponential * (max - min)));
}

/**
 * Waits `delayMs` on `clock` before a retry. Resolves true when the wait is over, and false as soon as
 * `signal` is aborted: a caller that is told to stop never sits out a backoff. Never rejects. On the
 * system clock the timer does not keep the process alive.
 */
export async function waitToRetry(clock: Clock, delayMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(clock, delayMs, signal);
    return !signal.aborted;
  } catch {
    return false;
  }
}
