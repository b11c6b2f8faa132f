import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPodUidSelector, parseWorkloadSelector, podUidSelector, selectedPodUid } from './workload-selector.ts';

test('the type ends at the first colon; the value may hold more', () => {
  assert.deepEqual(parseWorkloadSelector('k8s:ns:default'), { selector: { type: 'k8s', value: 'ns:default' } });
  assert.deepEqual(parseWorkloadSelector('k8s:pod-label:app:web'), { selector: { type: 'k8s', value: 'pod-label:app:web' } });
});

test('both sides must be non-empty', () => {
  assert.deepEqual(parseWorkloadSelector('k8s'), { problem: 'selector "k8s" has no ":" between type and value' });
  assert.deepEqual(parseWorkloadSelector(':x'), { problem: 'selector ":x" has an empty type' });
  assert.deepEqual(parseWorkloadSelector('k8s:'), { problem: 'selector "k8s:" has an empty value' });
});

test('every pod entry is tied to its pod by UID', () => {
  assert.deepEqual(podUidSelector('1234'), { type: 'k8s', value: 'pod-uid:1234' });
});

test("a pod-uid selector gives back its pod's UID; no other selector does", () => {
  assert.equal(selectedPodUid(podUidSelector('1234')), '1234');
  assert.equal(isPodUidSelector(podUidSelector('1234')), true);
  for (const other of [{ type: 'k8s', value: 'ns:pod-uid:1234' }, { type: 'unix', value: 'pod-uid:1234' }, { type: 'k8s', value: 'pod-name:web' }]) {
    assert.equal(selectedPodUid(other), undefined, JSON.stringify(other));
    assert.equal(isPodUidSelector(other), false, JSON.stringify(other));
  }
});
