import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWorkItem, workItem, workKey, type WorkItem, type WorkKey } from './work-item.ts';

test('every kind of work item survives its key; equal items have equal keys, different ones different keys', () => {
  const items: WorkItem[] = [
    { kind: 'full' },
    { kind: 'status' },
    { kind: 'registry', name: 'prod.eu' },
    { kind: 'identity', name: 'web' },
    { kind: 'clusterspiffeid', name: 'web' },
    { kind: 'clusterSPIFFEID', name: 'web' },
    { kind: 'clusterStaticEntry', name: 'web' },
    { kind: 'clusterFederatedTrustDomain', name: 'web' },
    { kind: 'federation' },
    { kind: 'spiffeid', key: 'shop/web' },
    { kind: 'cluster', cluster: 'prod' },
    { kind: 'pod', cluster: 'prod', key: 'shop/web-1' },
    { kind: 'node', cluster: 'prod', name: 'ip-10-0-0-1' },
    { kind: 'namespace', cluster: 'prod', name: 'shop' },
    { kind: 'slices', cluster: 'prod', namespace: 'shop' },
  ];
  for (const item of items) assert.deepEqual(workItem(workKey(item)), item);
  assert.equal(new Set(items.map(workKey)).size, items.length);
  assert.equal(workKey({ kind: 'pod', cluster: 'prod', key: 'shop/web-1' }), workKey({ kind: 'pod', cluster: 'prod', key: 'shop/web-1' }));
  // Names that look like separators stay names.
  assert.notEqual(workKey({ kind: 'pod', cluster: 'a/b', key: 'c' }), workKey({ kind: 'pod', cluster: 'a', key: 'b/c' }));
});

test('a string that is no work key is refused', () => {
  assert.throws(() => workItem('["reboot"]' as WorkKey), /not a work key/);
});

test('logs name work items as people read them', () => {
  assert.equal(describeWorkItem({ kind: 'full' }), 'full');
  assert.equal(describeWorkItem({ kind: 'registry', name: 'prod' }), 'registry:prod');
  assert.equal(describeWorkItem({ kind: 'pod', cluster: 'prod', key: 'shop/web-1' }), 'pod:prod/shop/web-1');
  assert.equal(describeWorkItem({ kind: 'spiffeid', key: 'shop/web' }), 'spiffeid:shop/web');
  assert.equal(describeWorkItem({ kind: 'slices', cluster: 'prod', namespace: 'shop' }), 'slices:prod/shop');
});
