import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NumberError, parseFloat64, parseInt64, parseUint } from './number-syntax.ts';

test('integers in every Go form, with underscores only between digits', () => {
  assert.equal(parseInt64('0x1F'), 31n);
  assert.equal(parseInt64('0o17'), 15n);
  assert.equal(parseInt64('017'), 15n);
  assert.equal(parseInt64('0b101'), 5n);
  assert.equal(parseInt64('1_000'), 1000n);
  assert.equal(parseInt64('-9223372036854775808'), -(2n ** 63n));
  assert.equal(parseUint('18446744073709551615'), 2n ** 64n - 1n);
  for (const bad of ['089', '0x', '1__0', '_1', '1_', '0b2', '9223372036854775808']) {
    assert.throws(() => parseInt64(bad), NumberError, bad);
  }
});

test('floats, hexadecimal floats and their syntax errors', () => {
  assert.equal(parseFloat64('1.5e3'), 1500);
  assert.equal(parseFloat64('.5'), 0.5);
  assert.equal(parseFloat64('0x1p-2'), 0.25);
  assert.equal(parseFloat64('0x1.8p1'), 3);
  assert.equal(parseFloat64('1_0.5'), 10.5);
  for (const bad of ['1e', '0x1.8', '1.2.3', '1e400', '1_.5']) assert.throws(() => parseFloat64(bad), NumberError, bad);
});
