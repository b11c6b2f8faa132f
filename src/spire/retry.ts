import { backoffDelayMs, type BackoffPolicy } from '../backoff/backoff.ts';

/** How often and how patiently a call to spire-server is retried: `maxAttempts`, and the backoff between them. */
export interface RetryPolicy extends BackoffPolicy {
  /** Attempts in all, the first included. Default 10. */
  readonly maxAttempts: number;
}

/**
 * 10 attempts, 100 ms doubling up to 5 s between them, each delay jittered down to between half and all of
 * it (the default jitter): about 15 s of retrying in all, long enough to ride out a spire-server restart, short enough that a server
 * that is gone is reported while the caller can still act.
 */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 10,
  initialDelayMs: 100,
  maxDelayMs: 5000,
  multiplier: 2,
};

/** What a retry loop needs from the world: injected so that tests need no real time. */
export interface RetryEnvironment {
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
  random(): number;
}

/** Told before each retry: which attempt failed, with what, and how long until the next. */
export interface RetryEvent {
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
}

/** Thrown when every attempt failed with a retryable error: `cause` is the last error. */
export class RetriesExhaustedError extends Error {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(`gave up after ${attempts} attempts: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RetriesExhaustedError';
    this.attempts = attempts;
  }
}

/**
 * Runs `operation` until it succeeds, fails with an error `retryable` rejects (thrown as it is), or
 * `policy.maxAttempts` attempts have failed (RetriesExhaustedError). An abort of `signal` ends the wait
 * between attempts with the signal's reason.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  retryable: (error: unknown) => boolean,
  policy: RetryPolicy,
  environment: RetryEnvironment,
  options: { readonly signal?: AbortSignal; readonly onRetry?: (event: RetryEvent) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      const delayMs = backoffDelayMs(attempt - 1, policy, environment.random);
      options.onRetry?.({ attempt, error, delayMs });
      await environment.sleep(delayMs, options.signal);
    }
  }
}
