import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuantity, quantityString } from './quantity.ts';

// Each printed form is Go's (test/template/kubernetes.test.ts renders these through k8s.io/apimachinery).
test('quantities print in their canonical form, or as written where Go keeps the input', () => {
  const printed = (q: string) => {
    const parsed = parseQuantity(q);
    assert.ok(parsed !== undefined, q);
    return `${quantityString(parsed)} ${parsed.format}`;
  };
  assert.equal(printed('0.25'), '250m DecimalSI');
  assert.equal(printed('1000m'), '1 DecimalSI');
  assert.equal(printed('0.5Gi'), '512Mi BinarySI');
  assert.equal(printed('1536Mi'), '1536Mi BinarySI');
  assert.equal(printed('0.1n'), '1n DecimalSI');
  assert.equal(printed('+5'), '+5 DecimalSI');
  assert.equal(printed('8Ei'), '9223372036854775807 BinarySI');
});

test('malformed quantities are not quantities', () => {
  for (const q of ['', 'abc', '1x', '1.2.3', '--1']) assert.equal(parseQuantity(q), undefined, q);
});
