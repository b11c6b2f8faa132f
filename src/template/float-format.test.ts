// Expectations are Go's strconv.FormatFloat(f, fmt, prec, 64) output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloat } from './float-format.ts';

const cases: [number, string, number, string][] = [
  [0.5, 'f', 0, '0'],
  [2.5, 'f', 0, '2'],
  [1.5, 'f', 0, '2'],
  [0.125, 'f', 2, '0.12'],
  [1e6, 'g', -1, '1e+06'],
  [1e21, 'g', -1, '1e+21'],
  [123456, 'g', -1, '123456'],
  [1234567, 'g', -1, '1.234567e+06'],
  [0.0001, 'g', -1, '0.0001'],
  [0.00001, 'g', -1, '1e-05'],
  [3.14159, 'e', 3, '3.142e+00'],
  [0, 'e', -1, '0e+00'],
  [0, 'f', 2, '0.00'],
  [-0, 'g', -1, '-0'],
  [9.999, 'f', 2, '10.00'],
  [99.5, 'f', 0, '100'],
  [1 / 3, 'g', 5, '0.33333'],
  [100, 'g', 2, '1e+02'],
  [1e-7, 'f', -1, '0.0000001'],
  [5e-324, 'g', -1, '5e-324'],
  [1, 'x', -1, '0x1p+00'],
  [0.1, 'x', 3, '0x1.99ap-04'],
  [1, 'b', -1, '4503599627370496p-52'],
  [0, 'b', -1, '0p-1074'],
  [3.5, 'X', 0, '0X1P+02'],
  [123.456, 'g', 0, '1e+02'],
  [0.000123, 'e', -1, '1.23e-04'],
  [NaN, 'g', -1, 'NaN'],
  [-Infinity, 'f', 2, '-Inf'],
];

test('formatFloat formats as Go does, rounding the exact value half to even', () => {
  for (const [f, fmt, prec, expected] of cases) assert.equal(formatFloat(f, fmt, prec), expected, `${f} ${fmt} ${prec}`);
  assert.equal(formatFloat(1.7976931348623157e308, 'f', -1), '17976931348623157' + '0'.repeat(292));
});
