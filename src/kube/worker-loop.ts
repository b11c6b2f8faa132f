import type { WorkQueue } from './work-queue.ts';

/** What processing a key may ask for besides success: to be looked at again later (a token expiry, say). */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

export interface WorkerLoopOptions<K> {
  readonly queue: WorkQueue<K>;
  /** How many keys are processed at once. */
  readonly workers: number;
  /**
   * Processes one key. Throwing retries it with the queue's backoff; returning forgets its backoff. The
   * signal is aborted when the loop stops (leadership lost, shutdown): long work should give up then.
   */
  readonly reconcile: (key: K, signal: AbortSignal) => Promise<ReconcileResult | undefined> | Promise<void>;
  /** Resolves once the caches the workers read are synced (e.g. every informer's waitForSync). */
  readonly waitForSync?: (signal: AbortSignal) => Promise<void>;
  /** Told of every failed key, before it is retried. */
  readonly onError?: (key: K, error: unknown, retries: number) => void;
}

/**
 * The one worker loop every controller of the project shares (cert-manager's): wait for the caches to
 * sync, then run `workers` workers, each getting a key, processing it, and marking it done: forgotten on
 * success, added rate-limited on failure, so no trigger is ever dropped. Aborting `signal` shuts the
 * queue down; the returned promise resolves once the workers have finished the keys they held.
 */
export async function runWorkers<K>(options: WorkerLoopOptions<K>, signal: AbortSignal): Promise<void> {
  const { queue } = options;
  const stop = (): void => void queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  try {
    if (options.waitForSync !== undefined) {
      try {
        await options.waitForSync(signal);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
    }
    const worker = async (): Promise<void> => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        try {
          const result: ReconcileResult | undefined = (await options.reconcile(key, signal)) ?? undefined;
          queue.forget(key);
          if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
        } catch (error) {
          options.onError?.(key, error, queue.numRequeues(key));
          queue.addRateLimited(key);
        } finally {
          queue.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
