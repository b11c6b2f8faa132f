import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition } from '../api/v1alpha1/condition.ts';
import { conditionsEqual, conditionTime, findCondition, setCondition } from './conditions.ts';

const t0 = new Date('2025-09-02T08:48:28.123Z');
const t1 = new Date('2025-09-02T09:00:00.999Z');

test('a new type is appended with now (to the second, UTC) as its lastTransitionTime; the input is left alone', () => {
  const before: Condition[] = [];
  const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'ClusterSynced', message: 'pods synced', observedGeneration: 3 }, t0);
  assert.deepEqual(before, []);
  assert.deepEqual(after, [{ type: 'Ready', status: 'True', reason: 'ClusterSynced', message: 'pods synced', lastTransitionTime: '2025-09-02T08:48:28Z', observedGeneration: 3 }]);
});

test('the same status keeps lastTransitionTime while reason, message and observedGeneration follow the update', () => {
  const first = setCondition([], { type: 'Ready', status: 'False', reason: 'ClusterUnreachable', message: 'dial tcp: timeout', observedGeneration: 1 }, t0);
  const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'CredentialsRefused', message: 'AccessDenied', observedGeneration: 2 }, t1);
  assert.deepEqual(second, [{ type: 'Ready', status: 'False', reason: 'CredentialsRefused', message: 'AccessDenied', lastTransitionTime: '2025-09-02T08:48:28Z', observedGeneration: 2 }]);
});

test('a status change moves lastTransitionTime to now; other conditions keep their place and values', () => {
  let conditions = setCondition([], { type: 'Ready', status: 'False', reason: 'Connecting', message: '' }, t0);
  conditions = setCondition(conditions, { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' }, t0);
  const changed = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'ClusterSynced', message: '' }, t1);
  assert.deepEqual(
    changed.map((c) => [c.type, c.status, c.lastTransitionTime]),
    [
      ['Ready', 'True', '2025-09-02T09:00:00Z'],
      ['Degraded', 'False', '2025-09-02T08:48:28Z'],
    ],
  );
  assert.equal(findCondition(changed, 'Degraded'), conditions[1]);
  assert.equal(findCondition(changed, 'Missing'), undefined);
});

test('observedGeneration defaults to 0, and an existing condition without a time gets one', () => {
  const stored: Condition[] = [{ type: 'Ready', status: 'True', reason: 'Synced', message: '', lastTransitionTime: '', observedGeneration: 4 }];
  assert.deepEqual(setCondition(stored, { type: 'Ready', status: 'True', reason: 'Synced', message: '' }, t1), [
    { type: 'Ready', status: 'True', reason: 'Synced', message: '', lastTransitionTime: '2025-09-02T09:00:00Z', observedGeneration: 0 },
  ]);
  assert.equal(conditionTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03:04:05Z');
});

test('types and reasons the CRDs would refuse throw, naming the value', () => {
  const ok = { type: 'Ready', status: 'True', reason: 'Synced', message: '' } as const;
  for (const reason of ['', 'Not CamelCase', '1Synced', 'Synced-Now', 'Synced,']) {
    assert.throws(() => setCondition([], { ...ok, reason }, t0), new RegExp(`reason ${JSON.stringify(JSON.stringify(reason)).slice(1, -1)} is not CamelCase`), reason);
  }
  for (const type of ['', 'ready now', '-Ready']) assert.throws(() => setCondition([], { ...ok, type }, t0), /condition type/, type);
  assert.doesNotThrow(() => setCondition([], { ...ok, type: 'spire.spiffe.io/Ready', reason: 'A_b:c,D' }, t0));
});

test('conditionsEqual ignores order and nothing else', () => {
  const ready: Condition = { type: 'Ready', status: 'True', reason: 'Synced', message: 'm', lastTransitionTime: '2025-09-02T08:48:28Z', observedGeneration: 1 };
  const degraded: Condition = { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '', lastTransitionTime: '2025-09-02T08:48:28Z', observedGeneration: 1 };
  assert.ok(conditionsEqual([ready, degraded], [degraded, ready]));
  assert.ok(conditionsEqual([], []));
  assert.ok(!conditionsEqual([ready], [ready, degraded]));
  assert.ok(!conditionsEqual([ready, ready], [ready, degraded]), 'a duplicate type does not pair with a missing one');
  for (const change of [{ status: 'False' }, { reason: 'Other' }, { message: 'n' }, { lastTransitionTime: '2025-09-02T08:48:29Z' }, { observedGeneration: 2 }, { type: 'Live' }] as const) {
    assert.ok(!conditionsEqual([ready], [{ ...ready, ...change }]), JSON.stringify(change));
  }
});
