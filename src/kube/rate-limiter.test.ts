import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { defaultControllerRateLimiter, ExponentialRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter } from './rate-limiter.ts';

test('per-key backoff doubles from the base up to the cap, per key, until forgotten', () => {
  const limiter = new ExponentialRateLimiter<string>(5, 100);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => limiter.when('a')), [5, 10, 20, 40, 80, 100]);
  assert.equal(limiter.when('b'), 5);
  assert.equal(limiter.numRequeues('a'), 6);
  limiter.forget('a');
  assert.equal(limiter.numRequeues('a'), 0);
  assert.equal(limiter.when('a'), 5);
});

test('the token bucket lets a burst through, then spaces retries at qps, and refills with time', async () => {
  const clock = new ManualClock();
  const bucket = new TokenBucketRateLimiter<string>(10, 3, clock);
  assert.deepEqual([1, 2, 3].map((i) => bucket.when(`k${i}`)), [0, 0, 0]);
  // Each retry past the burst reserves the next token: 100 ms apart at 10 qps.
  assert.deepEqual([4, 5, 6].map((i) => bucket.when(`k${i}`)), [100, 200, 300]);
  await clock.advance(1000);
  // 1 s refilled 10 tokens, less the 3 owed, capped at the burst of 3.
  assert.deepEqual([7, 8, 9, 10].map((i) => bucket.when(`k${i}`)), [0, 0, 0, 100]);
});

test('max-of takes the longest delay and counts the retry in every limiter', async () => {
  const clock = new ManualClock();
  const limiter = new MaxOfRateLimiter<string>(new ExponentialRateLimiter(5, 1000), new TokenBucketRateLimiter(1, 1, clock));
  assert.equal(limiter.when('a'), 5); // bucket has a token; per-key 5 ms
  assert.equal(limiter.when('b'), 1000); // bucket is empty: 1 s for the next token
  assert.equal(limiter.numRequeues('a'), 1);
  limiter.forget('a');
  assert.equal(limiter.numRequeues('a'), 0);
});

test("the controller default is controller-runtime's: 5 ms doubling per key, 10 qps burst 100 overall", () => {
  const limiter = defaultControllerRateLimiter<string>(new ManualClock());
  assert.deepEqual([1, 2, 3].map(() => limiter.when('a')), [5, 10, 20]);
  for (let i = 0; i < 97; i++) limiter.when(`other-${i}`);
  // The burst of 100 is spent: the next retry of a new key waits for a token (100 ms at 10 qps).
  assert.equal(limiter.when('fresh'), 100);
  const capped = defaultControllerRateLimiter<string>(new ManualClock());
  let last = 0;
  for (let i = 0; i < 40; i++) last = capped.when('stuck');
  assert.equal(last, 1_000_000);
});
