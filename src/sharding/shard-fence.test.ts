import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fenceDecision, initialFenceState, listed, renewed, type FenceState } from './shard-fence.ts';

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000 };

test('a new replica writes only once it has held its Lease for a whole leaseDuration, renewed and listed within the window', () => {
  let state: FenceState = initialFenceState;
  assert.equal(fenceDecision(state, timing, 0).write, false);
  state = listed(renewed(state, 1000, timing), 1000);
  assert.match((fenceDecision(state, timing, 2000) as { reason: string }).reason, /joined 1000 ms ago and waits 15000 ms/);
  for (let t = 3000; t <= 16_000; t += 2000) state = listed(renewed(state, t, timing), t);
  assert.deepEqual(fenceDecision(state, timing, 16_000), { write: true });
});

test('a replica stops writing when its renewal or its view of the others is older than the window (duration minus margin)', () => {
  let state: FenceState = initialFenceState;
  for (let t = 0; t <= 20_000; t += 2000) state = listed(renewed(state, t, timing), t);
  assert.equal(fenceDecision(state, timing, 29_999).write, true);
  assert.match((fenceDecision(state, timing, 30_000) as { reason: string }).reason, /last renewed 10000 ms ago/);
  // Renewed, but the list failed since: it may have missed a newcomer.
  state = renewed(state, 29_000, timing);
  assert.match((fenceDecision(state, timing, 30_500) as { reason: string }).reason, /not listed within 10000 ms/);
});

test('a replica that renews after its window closed (frozen, cut off) joins again and waits a leaseDuration', () => {
  let state: FenceState = initialFenceState;
  for (let t = 0; t <= 20_000; t += 2000) state = listed(renewed(state, t, timing), t);
  // SIGSTOP at 20 s, SIGCONT at 60 s: the next renewal and list succeed at once.
  state = listed(renewed(state, 60_000, timing), 60_000);
  assert.equal(fenceDecision(state, timing, 60_001).write, false);
  for (let t = 62_000; t <= 76_000; t += 2000) state = listed(renewed(state, t, timing), t);
  assert.equal(fenceDecision(state, timing, 74_999).write, false);
  assert.equal(fenceDecision(state, timing, 75_000).write, true);
});

test('property: a replica never writes later than the window after a renewal, nor sooner than a leaseDuration after (re)joining', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 14_000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 20_000 }), (gaps, probeOffset) => {
      let state: FenceState = initialFenceState;
      let t = 0;
      let joinedAt = 0;
      let previous: number | undefined;
      for (const gap of gaps) {
        t += gap;
        if (previous === undefined || t - previous >= timing.renewDeadlineMs) joinedAt = t;
        previous = t;
        state = listed(renewed(state, t, timing), t);
      }
      const now = t + probeOffset;
      const write = fenceDecision(state, timing, now).write;
      assert.equal(write, now - t < timing.renewDeadlineMs && now - joinedAt >= timing.leaseDurationMs);
    }),
  );
});
