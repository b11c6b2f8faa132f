import { systemClock, type Clock } from './clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions<K> {
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Used by `addRateLimited`. Default `defaultControllerRateLimiter`. */
  readonly rateLimiter?: RateLimiter<K>;
}

/**
 * client-go's rate-limiting work queue, for keys that mark work (a pod, an identity, a cluster):
 * - de-duplicating: a key added while it waits is not queued twice (the dirty set);
 * - a processing set: a key is given to one worker at a time; a key added while it is processed is
 *   queued again once the worker calls `done`, so the change that came in meanwhile is not lost;
 * - delayed adds (`addAfter`, the earliest wins) and per-key backoff through a rate limiter
 *   (`addRateLimited` / `forget`);
 * - `shutDown` stops handing out keys and resolves once the workers have finished what they hold.
 * Keys must compare with `===` (strings, in practice).
 */
export class WorkQueue<K> {
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter<K>;
  /** Keys waiting to be handed out, in order; `#head` is the next. */
  #queue: K[] = [];
  #head = 0;
  /** Keys that need processing: the queued ones and those added again while processing. */
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  /** Delayed keys: when each is due, and how to cancel its timer. */
  readonly #waiting = new Map<K, { readonly readyAt: number; readonly cancel: () => void }>();
  readonly #getters: ((key: K | undefined) => void)[] = [];
  #shuttingDown = false;
  #drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.#clock);
  }

  /** Keys waiting to be handed out (not those being processed or delayed). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  get processing(): number {
    return this.#processing.size;
  }

  /** Keys waiting for their delay to pass. */
  get delayed(): number {
    return this.#waiting.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks `key` as needing work. Ignored after `shutDown`. */
  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const getter = this.#getters.shift();
    if (getter !== undefined) this.#handOut(key, getter);
    else this.#queue.push(key);
  }

  /** Adds `key` after `delayMs`; if it is already waiting, the earlier time wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.#clock.now() + delayMs;
    const waiting = this.#waiting.get(key);
    if (waiting !== undefined) {
      if (waiting.readyAt <= readyAt) return;
      waiting.cancel();
    }
    const cancel = this.#clock.setTimer(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.#waiting.set(key, { readyAt, cancel });
  }

  /** Adds `key` after the delay the rate limiter gives it: call when processing `key` failed. */
  addRateLimited(key: K): void {
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets `key`'s backoff: call when processing `key` succeeded. */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * The next key, once there is one; the caller owns it until `done`. Resolves undefined once the queue
   * is shutting down: then the worker should stop.
   */
  get(): Promise<K | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.length > 0) {
      const key = this.#queue[this.#head] as K;
      this.#head++;
      this.#compact();
      return Promise.resolve(this.#take(key));
    }
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** The worker finished `key` (successfully or not); a key added meanwhile is queued again. */
  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      const getter = this.#getters.shift();
      if (getter !== undefined) this.#handOut(key, getter);
      else this.#queue.push(key);
    }
    if (this.#shuttingDown && this.#processing.size === 0) this.#drained?.();
  }

  /**
   * Stops the queue: adds are ignored, delayed keys are dropped, idle workers get undefined, queued keys
   * are no longer handed out (a controller that lost its lease must start no new work). Resolves once
   * every key being processed is done.
   */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { cancel } of this.#waiting.values()) cancel();
    this.#waiting.clear();
    for (const getter of this.#getters.splice(0)) getter(undefined);
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  #take(key: K): K {
    this.#processing.add(key);
    this.#dirty.delete(key);
    return key;
  }

  #handOut(key: K, getter: (key: K | undefined) => void): void {
    getter(this.#take(key));
  }

  /** Drops handed-out slots once they are most of the array, so the queue's memory follows its length. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
