import { backoffDelayMs, noJitter, type BackoffPolicy } from '../backoff/backoff.ts';
import { systemClock, type Clock } from './clock.ts';

/** Decides how long a key waits before it is retried (client-go's workqueue.RateLimiter). */
export interface RateLimiter<K> {
  /** The delay before `key`'s next retry; counts the retry. */
  when(key: K): number;
  /** `key` succeeded: its next failure starts the backoff afresh. */
  forget(key: K): void;
  /** How many retries `key` has had since it was last forgotten. */
  numRequeues(key: K): number;
}

/** Per key: `baseDelayMs * 2^failures`, capped at `maxDelayMs` (client-go's ItemExponentialFailureRateLimiter). */
export class ExponentialRateLimiter<K> implements RateLimiter<K> {
  readonly #backoff: BackoffPolicy;
  readonly #failures = new Map<K, number>();

  constructor(baseDelayMs: number, maxDelayMs: number) {
    this.#backoff = { initialDelayMs: baseDelayMs, maxDelayMs, multiplier: 2, jitter: noJitter };
  }

  when(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return backoffDelayMs(failures, this.#backoff, Math.random);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * One bucket for all keys: `burst` retries at once, then `qps` per second (client-go's
 * BucketRateLimiter over golang.org/x/time/rate). Each retry reserves a token and waits until it is due,
 * so a storm of failures is spread out rather than refused.
 */
export class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedAt: number;

  constructor(qps: number, burst: number, clock: Clock = systemClock) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket: qps must be > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  when(_key: K): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#qps);
    this.#updatedAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#qps) * 1000);
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest delay any of `limiters` asks for (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(key: K): number {
    // Every limiter counts the retry, so none may be skipped.
    return Math.max(...this.#limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: K): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: K): number {
    return Math.max(...this.#limiters.map((limiter) => limiter.numRequeues(key)));
  }
}

/**
 * controller-runtime's default: per key 5 ms doubling up to 1000 s, and overall 10 retries a second
 * with bursts of 100. A key that keeps failing is retried about every 17 minutes, never dropped.
 */
export function defaultControllerRateLimiter<K>(clock: Clock = systemClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ExponentialRateLimiter(5, 1_000_000), new TokenBucketRateLimiter(10, 100, clock));
}
