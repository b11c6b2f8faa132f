import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from './clock.ts';

test('a system clock timer longer than setTimeout allows (2^31 - 1 ms) fires when due, not at once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fortyDaysMs = 40 * 86_400_000;
  const maxTimeoutMs = 2 ** 31 - 1;
  let fired = 0;
  systemClock.setTimer(() => fired++, fortyDaysMs);
  t.mock.timers.tick(1);
  assert.equal(fired, 0, 'setTimeout alone would have fired by now');
  t.mock.timers.tick(maxTimeoutMs - 1);
  t.mock.timers.tick(fortyDaysMs - maxTimeoutMs - 1);
  assert.equal(fired, 0);
  t.mock.timers.tick(1);
  assert.equal(fired, 1);
});

test('cancelling a long system clock timer stops it in any of its steps', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let fired = 0;
  const cancel = systemClock.setTimer(() => fired++, 2 ** 32);
  t.mock.timers.tick(2 ** 31);
  cancel();
  t.mock.timers.tick(2 ** 32);
  assert.equal(fired, 0);
});
