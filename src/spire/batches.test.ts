import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupBy, splitIntoBatches } from './batches.ts';

describe('splitIntoBatches', () => {
  const one = (): number => 1;

  it('cuts by count, keeping order', () => {
    assert.deepEqual(splitIntoBatches([1, 2, 3, 4, 5], 2, Infinity, one), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(splitIntoBatches([], 2, Infinity, one), []);
  });

  it('cuts by size too', () => {
    assert.deepEqual(splitIntoBatches([4, 4, 4, 1, 1], 10, 8, (n) => n), [[4, 4], [4, 1, 1]]);
  });

  it('sends an item larger than the size limit alone', () => {
    assert.deepEqual(splitIntoBatches([1, 20, 1], 10, 8, (n) => n), [[1], [20], [1]]);
  });

  it('refuses a batch size below 1', () => {
    assert.throws(() => splitIntoBatches([1], 0, 8, one), /at least 1/);
  });
});

describe('groupBy', () => {
  it('groups in order of first appearance', () => {
    assert.deepEqual(groupBy(['a1', 'b1', 'a2', 'c1', 'b2'], (s) => s[0] ?? ''), [['a1', 'a2'], ['b1', 'b2'], ['c1']]);
  });
});
