import { sleep, systemClock, type Clock } from '../kube/clock.ts';

/**
 * How often a connected cluster is asked for a sign of life, and how patiently. With the defaults a
 * server that stops answering (a frozen apiserver keeps its connections open, so watches just go quiet)
 * is reported within `unresponsiveBoundMs`: 3 x 5 s + 5 s = 20 s.
 */
export interface LivenessProbeTiming {
  /** From the start of one probe to the start of the next. Default 5000 ms. */
  readonly intervalMs: number;
  /** A probe without an answer after this long has failed; at most `intervalMs`. Default 5000 ms. */
  readonly timeoutMs: number;
  /**
   * Failed probes in a row after which the cluster is unresponsive. Default 3: one slow answer (or a
   * stalled event loop, which can fail at most the probe in flight) is not an outage.
   */
  readonly failureThreshold: number;
}

export const defaultLivenessProbeTiming: LivenessProbeTiming = { intervalMs: 5000, timeoutMs: 5000, failureThreshold: 3 };

/**
 * The longest time from a server's last answer to the verdict: the last good probe answers just before
 * the server stops, the next `failureThreshold` ones start an interval apart and the last one times out.
 */
export function unresponsiveBoundMs(timing: LivenessProbeTiming): number {
  return timing.failureThreshold * timing.intervalMs + timing.timeoutMs;
}

/** Returns `timing`; throws if it could not keep its bound. */
export function checkLivenessProbeTiming(timing: LivenessProbeTiming): LivenessProbeTiming {
  if (!(timing.timeoutMs > 0 && timing.timeoutMs <= timing.intervalMs && Number.isInteger(timing.failureThreshold) && timing.failureThreshold >= 1)) {
    throw new Error(
      `liveness probe: ${JSON.stringify(timing)}: the timeout must be positive and at most the interval (probes never overlap), the threshold a whole number of at least 1`,
    );
  }
  return timing;
}

/** A run of failed probes: how many, when the first started (the server has not answered since), the last error. */
export interface FailingRun {
  readonly failures: number;
  readonly since: number;
  readonly lastError: string;
}

/** The run after a probe that started at `startedAt` and failed with `error` (undefined: it answered). */
export function recordProbe(run: FailingRun | undefined, startedAt: number, error: string | undefined): FailingRun | undefined {
  if (error === undefined) return undefined;
  return { failures: (run?.failures ?? 0) + 1, since: run?.since ?? startedAt, lastError: error };
}

/** What the probes say of the cluster. */
export type Liveness = { readonly responsive: true } | ({ readonly responsive: false } & FailingRun);

export function livenessOf(run: FailingRun | undefined, failureThreshold: number): Liveness {
  return run === undefined || run.failures < failureThreshold ? { responsive: true } : { responsive: false, ...run };
}

export interface LivenessProbeOptions {
  /** Names the cluster in errors. */
  readonly cluster: string;
  /** One cheap request to the cluster; resolves once the server answered, rejects otherwise. */
  readonly probe: (signal: AbortSignal) => Promise<void>;
  /** Told when the verdict changes (not of each probe). */
  readonly onChange: (liveness: Liveness) => void;
  /** Default `defaultLivenessProbeTiming`. */
  readonly timing?: LivenessProbeTiming;
  /** Default the system clock (its timers never keep the process alive). */
  readonly clock?: Clock;
}

/**
 * Probes a cluster until `signal` aborts; resolves then, and rejects only for a timing that
 * `checkLivenessProbeTiming` refuses. Probes never overlap, and each one's deadline holds whatever the
 * request does (a token that is slow to come, say). The cluster starts out responsive: nothing is
 * reported until `failureThreshold` probes fail in a row.
 */
export async function runLivenessProbe(options: LivenessProbeOptions, signal: AbortSignal): Promise<void> {
  const timing = checkLivenessProbeTiming(options.timing ?? defaultLivenessProbeTiming);
  const clock = options.clock ?? systemClock;
  let run: FailingRun | undefined;
  let responsive = true;
  while (!signal.aborted) {
    const startedAt = clock.now();
    const error = await probeOnce(options, timing.timeoutMs, clock, signal);
    if (signal.aborted) return;
    run = recordProbe(run, startedAt, error);
    const liveness = livenessOf(run, timing.failureThreshold);
    if (liveness.responsive !== responsive) options.onChange(liveness);
    responsive = liveness.responsive;
    await sleep(clock, startedAt + timing.intervalMs - clock.now(), signal).catch(() => {});
  }
}

/** Undefined when the server answered in time, else why not. */
async function probeOnce(options: LivenessProbeOptions, timeoutMs: number, clock: Clock, signal: AbortSignal): Promise<string | undefined> {
  // A controller per probe rather than AbortSignal.any: nothing stays attached to the cluster's signal.
  const attempt = new AbortController();
  const stop = (): void => attempt.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  const cancelDeadline = clock.setTimer(() => attempt.abort(new Error(`cluster ${options.cluster}: no answer within ${timeoutMs} ms`)), timeoutMs);
  const aborted = new Promise<never>((_resolve, reject) => attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason as Error), { once: true }));
  try {
    await Promise.race([options.probe(attempt.signal), aborted]);
    return undefined;
  } catch (error) {
    // The deadline's reason, not the request's own account of being aborted.
    const reason: unknown = attempt.signal.aborted ? attempt.signal.reason : error;
    return reason instanceof Error ? reason.message : String(reason);
  } finally {
    cancelDeadline();
    signal.removeEventListener('abort', stop);
    attempt.abort();
  }
}
