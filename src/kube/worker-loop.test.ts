import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { ExponentialRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './work-queue.ts';
import { runWorkers } from './worker-loop.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('no key is processed before the caches sync', async () => {
  const queue = new WorkQueue<string>({ clock: new ManualClock() });
  const synced = deferred();
  const seen: string[] = [];
  const stop = new AbortController();
  const loop = runWorkers({ queue, workers: 2, waitForSync: () => synced.promise, reconcile: async (key) => void seen.push(key) }, stop.signal);
  queue.add('a');
  await settle();
  assert.deepEqual(seen, []);
  synced.resolve();
  await settle();
  assert.deepEqual(seen, ['a']);
  stop.abort();
  await loop;
});

test('at most `workers` keys are processed at once, each key by one worker at a time', async () => {
  const queue = new WorkQueue<string>({ clock: new ManualClock() });
  const gates = new Map<string, () => void>();
  let running = 0;
  let peak = 0;
  const order: string[] = [];
  const stop = new AbortController();
  const loop = runWorkers(
    {
      queue,
      workers: 2,
      reconcile: async (key) => {
        running++;
        peak = Math.max(peak, running);
        order.push(key);
        await new Promise<void>((resolve) => gates.set(key, resolve));
        running--;
      },
    },
    stop.signal,
  );
  for (const key of ['a', 'b', 'c', 'a']) queue.add(key);
  await settle();
  assert.deepEqual(order, ['a', 'b']);
  queue.add('a'); // while 'a' is being processed
  gates.get('a')?.();
  await settle();
  assert.deepEqual(order, ['a', 'b', 'c'], "c was waiting; a's new add waits behind it");
  gates.get('b')?.();
  await settle();
  assert.deepEqual(order, ['a', 'b', 'c', 'a']);
  assert.equal(peak, 2);
  gates.get('c')?.();
  gates.get('a')?.();
  stop.abort();
  await loop;
});

test('a failing key is retried with growing delays, never dropped, and its backoff forgotten on success', async () => {
  const clock = new ManualClock();
  const queue = new WorkQueue<string>({ clock, rateLimiter: new ExponentialRateLimiter(5, 1000) });
  let attempts = 0;
  const errors: number[] = [];
  const stop = new AbortController();
  const loop = runWorkers(
    {
      queue,
      workers: 1,
      reconcile: async () => {
        if (++attempts < 5) throw new Error(`attempt ${attempts} failed`);
      },
      onError: (_key, _error, retries) => errors.push(retries),
    },
    stop.signal,
  );
  queue.add('k');
  await settle();
  const delays: number[] = [];
  while (attempts < 5) {
    const delay = clock.pendingDelays()[0];
    assert.ok(delay !== undefined, 'a retry is scheduled');
    delays.push(delay);
    await clock.advance(delay);
  }
  assert.deepEqual(delays, [5, 10, 20, 40]);
  assert.deepEqual(errors, [0, 1, 2, 3]);
  assert.equal(queue.numRequeues('k'), 0, 'forgotten after success');
  stop.abort();
  await loop;
});

test('a key can ask to be looked at again later', async () => {
  const clock = new ManualClock();
  const queue = new WorkQueue<string>({ clock });
  let runs = 0;
  const stop = new AbortController();
  const loop = runWorkers({ queue, workers: 1, reconcile: async () => (++runs === 1 ? { requeueAfterMs: 60_000 } : undefined) }, stop.signal);
  queue.add('k');
  await settle();
  assert.equal(runs, 1);
  await clock.advance(59_999);
  assert.equal(runs, 1);
  await clock.advance(1);
  assert.equal(runs, 2);
  stop.abort();
  await loop;
});

test('aborting stops handing out keys and resolves once the keys in hand are done; reconcile sees the abort', async () => {
  const queue = new WorkQueue<string>({ clock: new ManualClock() });
  const gate = deferred();
  const processed: string[] = [];
  let sawAbort = false;
  const stop = new AbortController();
  let finished = false;
  const loop = runWorkers(
    {
      queue,
      workers: 1,
      reconcile: async (key, signal) => {
        processed.push(key);
        await gate.promise;
        sawAbort = signal.aborted;
      },
    },
    stop.signal,
  ).then(() => (finished = true));
  queue.add('a');
  queue.add('b');
  await settle();
  stop.abort();
  await settle();
  assert.equal(finished, false, "waits for 'a'");
  gate.resolve();
  await loop;
  assert.equal(sawAbort, true);
  assert.deepEqual(processed, ['a'], "'b' is not started after the stop");
});

test('an abort while waiting for sync starts no worker', async () => {
  const queue = new WorkQueue<string>({ clock: new ManualClock() });
  const stop = new AbortController();
  let processed = 0;
  const loop = runWorkers(
    {
      queue,
      workers: 1,
      waitForSync: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      reconcile: async () => void processed++,
    },
    stop.signal,
  );
  queue.add('a');
  stop.abort();
  await loop;
  assert.equal(processed, 0);
});
