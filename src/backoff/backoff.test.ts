import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { backoffDelayMs, noJitter, waitToRetry, type BackoffPolicy } from './backoff.ts';

const policy: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };

describe('backoffDelayMs', () => {
  it('doubles up to the cap', () => {
    const top = (retry: number): number => backoffDelayMs(retry, policy, () => 1);
    assert.deepEqual([0, 1, 2, 3, 4, 10].map(top), [100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters between half and all of the exponential delay by default', () => {
    assert.equal(backoffDelayMs(2, policy, () => 0), 200);
    assert.equal(backoffDelayMs(2, policy, () => 0.5), 300);
    assert.equal(backoffDelayMs(2, policy, () => 0.999), 400);
  });

  it('jitters within the range the policy gives, or not at all', () => {
    const around = { ...policy, jitter: { min: 0.8, max: 1.2 } };
    assert.equal(backoffDelayMs(2, around, () => 0), 320);
    assert.equal(backoffDelayMs(2, around, () => 0.5), 400);
    assert.equal(backoffDelayMs(10, around, () => 0.999), 1200);
    let draws = 0;
    const exact = (retry: number): number =>
      backoffDelayMs(retry, { ...policy, jitter: noJitter }, () => {
        draws++;
        return 0.5;
      });
    assert.deepEqual([0, 1, 5].map(exact), [100, 200, 1000]);
    assert.equal(draws, 0, 'no random draw without jitter');
  });

  it('stays at the cap however many retries came before', () => {
    assert.equal(backoffDelayMs(5000, policy, () => 1), 1000);
  });
});

describe('waitToRetry', () => {
  it('resolves true once the delay has passed on the clock', async () => {
    const clock = new ManualClock();
    let result: boolean | undefined;
    void waitToRetry(clock, 60_000, new AbortController().signal).then((r) => (result = r));
    await clock.advance(59_999);
    assert.equal(result, undefined);
    await clock.advance(1);
    assert.equal(result, true);
  });

  it('resolves false as soon as the signal is aborted, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    const waiting = waitToRetry(clock, 60_000, stop.signal);
    await clock.advance(10);
    assert.equal(clock.pendingTimers, 1);
    stop.abort(new Error('cluster removed'));
    assert.equal(await waiting, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it('resolves false at once for a signal already aborted', async () => {
    const clock = new ManualClock();
    assert.equal(await waitToRetry(clock, 60_000, AbortSignal.abort()), false);
    assert.equal(clock.pendingTimers, 0);
  });
});
