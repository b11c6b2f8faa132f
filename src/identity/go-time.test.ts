import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goTimeString } from './go-time.ts';

test('RFC 3339 times print as Go prints a time.Time in UTC', () => {
  assert.equal(goTimeString('2024-03-05T06:07:08Z'), '2024-03-05 06:07:08 +0000 UTC');
  assert.equal(goTimeString('2024-03-05T06:07:08.120Z'), '2024-03-05 06:07:08.12 +0000 UTC');
  assert.equal(goTimeString('2024-12-31T23:30:00-01:15'), '2025-01-01 00:45:00 +0000 UTC');
  assert.equal(goTimeString('yesterday'), undefined);
});
