import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep, systemClock, timeoutSignal, type Clock } from './clock.ts';
import { hasStatusCode } from './kube-api-error.ts';
import { microTime, type Lease, type LeaseClient, type LeaseRecord } from './lease-client.ts';

export interface LeaderElectorOptions {
  readonly lease: LeaseClient;
  /** Who this process is; unique per process. Default `defaultLeaderIdentity()`. */
  readonly identity?: string;
  /** How long others wait, after they last saw the lease change, before they take it. Default 15 000 ms. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading. Default 10 000 ms. */
  readonly renewDeadlineMs?: number;
  /** How often to try to acquire or renew. Default 2000 ms. */
  readonly retryPeriodMs?: number;
  /** Hands the lease back on a graceful stop, so another replica takes over at once. Default true. */
  readonly releaseOnCancel?: boolean;
  /**
   * Called once this process leads. `signal` is aborted when it stops leading: all work must stop then.
   * On a graceful stop the lease is released only once the returned promise settles.
   */
  readonly onStartedLeading: (signal: AbortSignal) => Promise<void> | void;
  /** Called when this process stops leading (renewal failed, or a graceful stop), after `signal` aborted. */
  readonly onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to this process). */
  readonly onNewLeader?: (identity: string) => void;
  /** Told of failed attempts (the apiserver down, a conflict) and of errors of `onStartedLeading`. */
  readonly onError?: (error: unknown) => void;
  /** Told after each successful acquisition or renewal, with when its request was sent (the clock's time): sharding's fence. */
  readonly onRenewed?: (sentAt: number) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** `<hostname>_<uuid>`, as controller-runtime names a candidate. */
export function defaultLeaderIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** client-go's JitterFactor for acquisition: waits between retryPeriod and 2.2 x retryPeriod. */
const acquireJitter = 1.2;

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's LeaderElector: the candidate
 * acquires the lease when it is free, released, or not renewed for leaseDuration since this process last
 * saw it change (its own clock only: no comparison of clocks across hosts); the leader renews every
 * retryPeriod, and if a renewal round does not succeed within renewDeadline it stops leading: the
 * signal given to onStartedLeading aborts and onStoppedLeading is called, while the lease is still
 * valid for others (leaseDuration > renewDeadline), so two leaders never work at once. A graceful stop
 * releases the lease. `run` resolves once this process stops leading or `signal` is aborted; a process
 * that lost the lease should exit (controller-runtime's behaviour), or run again to rejoin.
 */
export class LeaderElector {
  readonly identity: string;
  readonly #lease: LeaseClient;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #releaseOnCancel: boolean;
  readonly #options: LeaderElectorOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  #observed: Lease | undefined;
  #observedRecordText = '';
  /** When this process last saw the lease's record change, on its own clock. */
  #observedAt = 0;
  #reportedLeader: string | undefined;

  constructor(options: LeaderElectorOptions) {
    this.identity = options.identity ?? defaultLeaderIdentity();
    this.#lease = options.lease;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    if (this.#leaseDurationMs <= this.#renewDeadlineMs) throw new Error('leader election: leaseDuration must be longer than renewDeadline');
    if (this.#renewDeadlineMs <= acquireJitter * this.#retryPeriodMs) throw new Error('leader election: renewDeadline must be longer than 1.2 x retryPeriod');
    if (this.#leaseDurationMs < 1000) throw new Error('leader election: leaseDuration must be at least 1s (the Lease counts whole seconds)');
  }

  /** Whether the last record this process saw names it as holder. */
  isLeader(): boolean {
    return this.#observed?.record.holderIdentity === this.identity;
  }

  /** The holder the last record named; empty if none. */
  get observedLeader(): string {
    return this.#observed?.record.holderIdentity ?? '';
  }

  /** Acquires, leads, renews; see the class comment. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#acquire(signal))) return;
    const leading = new AbortController();
    const work = Promise.resolve()
      .then(() => this.#options.onStartedLeading(leading.signal))
      .catch((error: unknown) => this.#options.onError?.(error));
    await this.#renew(signal);
    leading.abort(new Error(signal.aborted ? 'leader election stopped' : `lost ${this.#lease.description}`));
    this.#options.onStoppedLeading?.();
    if (signal.aborted && this.#releaseOnCancel) {
      // The next leader may start at once, so our work must have stopped first.
      await work;
      await this.#release();
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#attempt(this.#renewDeadlineMs, signal)) return true;
      const delay = this.#retryPeriodMs * (1 + this.#random() * acquireJitter);
      try {
        await sleep(this.#clock, delay, signal);
      } catch {
        return false;
      }
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a round fails to renew within renewDeadline, or on abort. */
  async #renew(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await sleep(this.#clock, this.#retryPeriodMs, signal);
      } catch {
        return;
      }
      const deadline = this.#clock.now() + this.#renewDeadlineMs;
      // client-go's PollImmediateUntil under a renewDeadline timeout: retry every retryPeriod until then.
      for (;;) {
        if (await this.#attempt(deadline - this.#clock.now(), signal)) break;
        if (signal.aborted) return;
        try {
          await sleep(this.#clock, Math.min(this.#retryPeriodMs, deadline - this.#clock.now()), signal);
        } catch {
          return;
        }
        if (this.#clock.now() >= deadline) {
          this.#options.onError?.(new Error(`${this.#lease.description}: not renewed within ${this.#renewDeadlineMs} ms; stopping leading`));
          return;
        }
      }
    }
  }

  /** One tryAcquireOrRenew, abandoned after `budgetMs`. */
  async #attempt(budgetMs: number, signal: AbortSignal): Promise<boolean> {
    const timeout = timeoutSignal(this.#clock, budgetMs, () => new Error(`${this.#lease.description}: no answer within ${budgetMs} ms`));
    const sentAt = this.#clock.now();
    try {
      const held = await this.#tryAcquireOrRenew(AbortSignal.any([signal, timeout.signal]));
      if (held) this.#options.onRenewed?.(sentAt);
      return held;
    } catch (error) {
      if (!signal.aborted) this.#options.onError?.(error);
      return false;
    } finally {
      timeout.cancel();
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.#clock.now();
    const record: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.#leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    // The leader's fast path: update the lease as last seen, without reading it first.
    if (this.isLeader() && this.#leaseValid(now) && this.#observed !== undefined) {
      const mine = { ...record, acquireTime: this.#observed.record.acquireTime, leaseTransitions: this.#observed.record.leaseTransitions };
      try {
        this.#observe(await this.#lease.update(this.#observed, mine, signal));
        return true;
      } catch (error) {
        if (signal.aborted) throw error;
        // Fall back to reading the lease (someone else may have written it).
      }
    }
    const current = await this.#lease.get(signal);
    if (current === undefined) {
      this.#observe(await this.#lease.create(record, signal));
      return true;
    }
    this.#observe(current);
    if (current.record.holderIdentity !== '' && this.#leaseValid(now) && !this.isLeader()) return false;
    const next = this.isLeader()
      ? { ...record, acquireTime: current.record.acquireTime, leaseTransitions: current.record.leaseTransitions }
      : { ...record, leaseTransitions: current.record.leaseTransitions + 1 };
    this.#observe(await this.#lease.update(current, next, signal));
    return true;
  }

  /** Hands the lease back: empty holder, a 1 s duration, so the next candidate takes it at once. */
  async #release(): Promise<void> {
    if (!this.isLeader() || this.#observed === undefined) return;
    const now = this.#clock.now();
    const released: LeaseRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: this.#observed.record.leaseTransitions,
    };
    const timeout = timeoutSignal(this.#clock, this.#renewDeadlineMs, () => new Error(`${this.#lease.description}: release timed out`));
    try {
      try {
        this.#observe(await this.#lease.update(this.#observed, released, timeout.signal));
      } catch (error) {
        // A renewal cancelled in flight may still have been applied, so the lease we hold is newer than
        // the one we saw: read it again and release that, if it is still ours.
        if (!hasStatusCode(error, 409)) throw error;
        const current = await this.#lease.get(timeout.signal);
        if (current === undefined || current.record.holderIdentity !== this.identity) return;
        this.#observe(await this.#lease.update(current, released, timeout.signal));
      }
    } catch (error) {
      // Not fatal: the lease runs out after leaseDuration and another replica takes it then.
      this.#options.onError?.(error);
    } finally {
      timeout.cancel();
    }
  }

  #leaseValid(now: number): boolean {
    const durationMs = (this.#observed?.record.leaseDurationSeconds ?? 0) * 1000;
    return this.#observedAt + durationMs > now;
  }

  #observe(lease: Lease): void {
    const text = JSON.stringify(lease.record);
    if (text !== this.#observedRecordText) {
      this.#observedRecordText = text;
      this.#observedAt = this.#clock.now();
    }
    this.#observed = lease;
    const holder = lease.record.holderIdentity;
    if (holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      if (holder !== '') this.#options.onNewLeader?.(holder);
    }
  }
}
