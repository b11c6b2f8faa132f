import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { checkLivenessProbeTiming, defaultLivenessProbeTiming, livenessOf, recordProbe, runLivenessProbe, unresponsiveBoundMs, type Liveness } from './liveness-probe.ts';

/** A server the test freezes and thaws: frozen, a request gets no answer at all (it ignores its signal). */
class FakeServer {
  frozen = false;
  refusing = false;
  readonly starts: number[] = [];
  readonly signals: AbortSignal[] = [];
  readonly #clock: ManualClock;
  constructor(clock: ManualClock) {
    this.#clock = clock;
  }
  probe = (signal: AbortSignal): Promise<void> => {
    this.starts.push(this.#clock.now());
    this.signals.push(signal);
    if (this.refusing) return Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443'));
    return this.frozen ? new Promise(() => {}) : Promise.resolve();
  };
}

function start(clock: ManualClock, server: FakeServer): { changes: { at: number; liveness: Liveness }[]; abort: AbortController; done: Promise<void> } {
  const changes: { at: number; liveness: Liveness }[] = [];
  const abort = new AbortController();
  const done = runLivenessProbe({ cluster: 'workload-2', probe: server.probe, clock, onChange: (liveness) => changes.push({ at: clock.now(), liveness }) }, abort.signal);
  return { changes, abort, done };
}

test('the defaults bound detection at 20 s: three probes 5 s apart, each with 5 s to answer', () => {
  assert.equal(unresponsiveBoundMs(defaultLivenessProbeTiming), 20_000);
});

test('a server that stops answering is reported unresponsive after the third silent probe, within the bound, and since the first', async () => {
  const clock = new ManualClock();
  const server = new FakeServer(clock);
  const { changes, abort, done } = start(clock, server);
  await clock.advance(0);
  assert.deepEqual(server.starts, [clock.now()], 'the first probe at once');
  // The worst case: frozen right after an answer.
  const frozenAt = clock.now() + 1;
  await clock.advance(1);
  server.frozen = true;
  await clock.advance(15_000);
  assert.equal(changes.length, 0, 'two silent probes are not an outage');
  await clock.advance(20_000);
  assert.equal(changes.length, 1);
  const [change] = changes;
  assert.ok(change);
  assert.ok(change.at - frozenAt <= unresponsiveBoundMs(defaultLivenessProbeTiming), `reported ${change.at - frozenAt} ms after the freeze`);
  assert.deepEqual(change.liveness, { responsive: false, failures: 3, since: frozenAt - 1 + 5000, lastError: 'cluster workload-2: no answer within 5000 ms' });
  // Every silent request was aborted at its deadline, so no socket waits for ever.
  assert.ok(server.signals.slice(1, 4).every((signal) => signal.aborted));
  abort.abort();
  await done;
});

test('the first answer after an outage reports it responsive again, once; failures in between report nothing more', async () => {
  const clock = new ManualClock();
  const server = new FakeServer(clock);
  server.frozen = true;
  const { changes, abort, done } = start(clock, server);
  await clock.advance(60_000);
  assert.deepEqual(changes.map((c) => c.liveness.responsive), [false]);
  server.frozen = false;
  await clock.advance(5000);
  assert.deepEqual(changes.map((c) => c.liveness.responsive), [false, true]);
  await clock.advance(30_000);
  assert.equal(changes.length, 2);
  abort.abort();
  await done;
});

test('errors count as failures; fewer than three in a row are forgotten at the next answer', async () => {
  const clock = new ManualClock();
  const server = new FakeServer(clock);
  server.refusing = true;
  const { changes, abort, done } = start(clock, server);
  await clock.advance(5000);
  server.refusing = false;
  await clock.advance(5000);
  server.refusing = true;
  await clock.advance(5000);
  assert.equal(changes.length, 0, 'two failures, an answer, one failure');
  await clock.advance(10_000);
  assert.deepEqual(changes.map((c) => c.liveness), [{ responsive: false, failures: 3, since: server.starts[3], lastError: 'connect ECONNREFUSED 10.0.0.1:443' }]);
  abort.abort();
  await done;
});

test('probes start an interval apart and never overlap', async () => {
  const clock = new ManualClock();
  const server = new FakeServer(clock);
  server.frozen = true;
  const { abort, done } = start(clock, server);
  const t0 = clock.now();
  await clock.advance(20_000);
  assert.deepEqual(server.starts.map((at) => at - t0), [0, 5000, 10_000, 15_000, 20_000]);
  // Each probe had ended (at its deadline) before the next began.
  assert.ok(server.signals.slice(0, -1).every((signal) => signal.aborted));
  abort.abort();
  await done;
});

test('aborting the cluster stops the probe in flight and leaves no timer behind', async () => {
  const clock = new ManualClock();
  const server = new FakeServer(clock);
  server.frozen = true;
  const { changes, abort, done } = start(clock, server);
  await clock.advance(2000);
  abort.abort(new Error('cluster workload-2 removed'));
  await done;
  await settle();
  assert.equal(server.signals.at(-1)?.aborted, true);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(changes.length, 0);
  await clock.advance(60_000);
  assert.equal(server.starts.length, 1);
});

test('a deadline longer than the interval, or a threshold below 1, is refused', async () => {
  await assert.rejects(
    runLivenessProbe({ cluster: 'workload-2', probe: async () => {}, onChange: () => {}, timing: { intervalMs: 1000, timeoutMs: 2000, failureThreshold: 3 } }, new AbortController().signal),
    /liveness probe: \{"intervalMs":1000,"timeoutMs":2000,"failureThreshold":3\}: the timeout must be positive and at most the interval/,
  );
  assert.throws(() => checkLivenessProbeTiming({ intervalMs: 1000, timeoutMs: 1000, failureThreshold: 0 }), /the threshold a whole number of at least 1/);
  assert.equal(checkLivenessProbeTiming(defaultLivenessProbeTiming), defaultLivenessProbeTiming);
});

test('recordProbe and livenessOf: the run keeps its first start and its last error; an answer ends it', () => {
  const one = recordProbe(undefined, 100, 'a');
  const two = recordProbe(one, 200, 'b');
  assert.deepEqual(two, { failures: 2, since: 100, lastError: 'b' });
  assert.deepEqual(livenessOf(two, 3), { responsive: true });
  assert.deepEqual(livenessOf(two, 2), { responsive: false, failures: 2, since: 100, lastError: 'b' });
  assert.equal(recordProbe(two, 300, undefined), undefined);
  assert.deepEqual(livenessOf(undefined, 1), { responsive: true });
});
