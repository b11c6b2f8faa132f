import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abandonedShardLeases, liveShardMembers, observeShardLeases, type ListedShardLease } from './shard-members.ts';

const lease = (name: string, holder: string, renewTime: string): ListedShardLease => ({
  name,
  holder,
  leaseDurationSeconds: 15,
  record: JSON.stringify({ holder, renewTime }),
  resourceVersion: renewTime,
});

test('a replica is a member while its record changes within its leaseDuration, on the observer’s clock, whatever its renewTime says', () => {
  let observed = observeShardLeases(new Map(), [lease('a', 'a_1', 't1'), lease('b', 'b_1', 't1')], 0);
  assert.deepEqual(liveShardMembers(observed, 0), ['a', 'b']);
  // a renews, b does not.
  observed = observeShardLeases(observed, [lease('a', 'a_1', 't2'), lease('b', 'b_1', 't1')], 10_000);
  assert.deepEqual(liveShardMembers(observed, 14_999), ['a', 'b']);
  assert.deepEqual(liveShardMembers(observed, 15_000), ['a']);
  // b comes back: a change counts from when it is seen.
  observed = observeShardLeases(observed, [lease('a', 'a_1', 't3'), lease('b', 'b_1', 't9')], 20_000);
  assert.deepEqual(liveShardMembers(observed, 20_000), ['a', 'b']);
});

test('a released Lease (no holder) or a deleted one is no member at once', () => {
  let observed = observeShardLeases(new Map(), [lease('a', 'a_1', 't1'), lease('b', 'b_1', 't1'), lease('c', 'c_1', 't1')], 0);
  observed = observeShardLeases(observed, [lease('a', 'a_1', 't2'), lease('b', '', 't2')], 1000);
  assert.deepEqual(liveShardMembers(observed, 1000), ['a']);
});

test('Leases gone long past their duration are collected; live ones never', () => {
  const observed = observeShardLeases(new Map(), [lease('a', 'a_1', 't1')], 0);
  assert.deepEqual(abandonedShardLeases(observed, 15_000 + 599_999, 600_000), []);
  assert.deepEqual(abandonedShardLeases(observed, 15_000 + 600_000, 600_000).map((l) => l.name), ['a']);
});
