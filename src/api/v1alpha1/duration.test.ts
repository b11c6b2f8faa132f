import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDurationSchema, parseGoDuration, positiveDurationMsSchema } from './duration.ts';

const second = 1_000_000_000n;

function nanoseconds(text: string): bigint {
  const parsed = parseGoDuration(text);
  assert.ok(parsed.ok, `${text} should parse`);
  return parsed.nanoseconds;
}

test('Go durations parse to exact nanoseconds', () => {
  assert.equal(nanoseconds('1h'), 3600n * second);
  assert.equal(nanoseconds('5m'), 300n * second);
  assert.equal(nanoseconds('90s'), 90n * second);
  assert.equal(nanoseconds('1h30m'), 5400n * second);
  assert.equal(nanoseconds('1.5h'), 5400n * second);
  assert.equal(nanoseconds('.5s'), 500_000_000n);
  assert.equal(nanoseconds('300ms'), 300_000_000n);
  assert.equal(nanoseconds('2us'), 2_000n);
  assert.equal(nanoseconds('2µs'), 2_000n);
  assert.equal(nanoseconds('7ns'), 7n);
  assert.equal(nanoseconds('0'), 0n);
  assert.equal(nanoseconds('-2m'), -120n * second);
  assert.equal(nanoseconds('+1s'), second);
  assert.equal(nanoseconds('1h0m0s'), 3600n * second);
});

test('text that Go refuses is refused, with the reason', () => {
  for (const text of ['', '1', '1x', 'h', '1h 30m', '.s', '1.h.', '- 1s', '1e3s', '10', '0.5']) {
    const parsed = parseGoDuration(text);
    assert.equal(parsed.ok, false, `${JSON.stringify(text)} should not parse`);
  }
  const unit = parseGoDuration('3d');
  assert.ok(!unit.ok);
  assert.equal(unit.reason, 'invalid duration "3d": unknown unit "d"');
  const range = parseGoDuration('3000000h');
  assert.ok(!range.ok);
  assert.match(range.reason, /out of range/);
});

test('the schema explains how to write a duration, also for a bare number', () => {
  const text = goDurationSchema.safeParse('1x');
  assert.ok(!text.success);
  assert.match(text.error.issues[0]?.message ?? '', /^invalid duration "1x": unknown unit "x" \(Go syntax, e.g. 1h, 5m, 90s, 1h30m\)$/);
  const number = goDurationSchema.safeParse(3600);
  assert.ok(!number.success);
  assert.match(number.error.issues[0]?.message ?? '', /^invalid duration 3600 \(Go syntax/);
});

test('positive durations become milliseconds; zero and negative ones are refused', () => {
  assert.equal(positiveDurationMsSchema.parse('1m30s'), 90_000);
  assert.equal(positiveDurationMsSchema.parse('1.5ms'), 1.5);
  assert.equal(positiveDurationMsSchema.safeParse('0').success, false);
  assert.equal(positiveDurationMsSchema.safeParse('-1s').success, false);
});
