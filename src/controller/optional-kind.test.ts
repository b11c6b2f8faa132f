import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError } from '../kube/kube-api-error.ts';
import { ObjectStore } from '../kube/object-store.ts';
import type { ManagedObject } from './managed-object.ts';
import { OptionalKind } from './optional-kind.ts';

/** An informer that never syncs by itself (its list keeps failing). */
function unsynced(): { hasSynced: () => boolean; waitForSync: () => Promise<void>; store: ObjectStore<ManagedObject<unknown>> } {
  return { store: new ObjectStore(), hasSynced: () => false, waitForSync: () => new Promise(() => {}) };
}

const notFound = new KubeApiError('GET /apis/spiffeid.spiffe.io/v1beta1/clusterspiffeids', { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });

test('a kind whose list answers 404 (its CRD is not installed) counts as synced and empty; waiting for it ends', async () => {
  const kind = new OptionalKind(unsynced());
  const waiting = kind.waitForSync(new AbortController().signal);
  assert.equal(kind.hasSynced(), false);
  assert.equal(kind.observe({ type: 'error', phase: 'list', error: notFound, retryInMs: 1000 }), true, 'said once');
  assert.equal(kind.observe({ type: 'error', phase: 'list', error: notFound, retryInMs: 2000 }), false);
  await waiting;
  assert.equal(kind.hasSynced(), true);
  assert.equal(kind.absent, true);
  assert.deepEqual([...kind.store.keys()], []);
  kind.observe({ type: 'listed', objects: 0, pages: 1, resourceVersion: '1', durationMs: 1 });
  assert.equal(kind.absent, false, 'the CRD installed: the informer lists again');
});

test('any other failure (a 403, a watch error) still holds the controller: only a kind that is not served is optional', () => {
  const kind = new OptionalKind(unsynced());
  const forbidden = new KubeApiError('GET', { code: 403, reason: 'Forbidden', message: 'no' });
  assert.equal(kind.observe({ type: 'error', phase: 'list', error: forbidden, retryInMs: 1000 }), false);
  assert.equal(kind.observe({ type: 'error', phase: 'watch', error: notFound, retryInMs: 1000 }), false);
  assert.equal(kind.hasSynced(), false);
});
