import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { cleanupDeletes, isCleanupEntry } from './prefix-cleanup.ts';

const entry = (id: string, fields: Parameters<typeof registrationEntry>[0] = {}) => registrationEntry({ id, ...fields });

test("a prefix takes the IDs SCM writes under it (<prefix>.<uuid>), and nothing of the registrar's", () => {
  const rule = { entryIdPrefix: 'eks-', cleanupPrefixes: ['cluster-a.'] };
  assert.equal(isCleanupEntry(entry('cluster-a.0f4e'), rule), true);
  assert.equal(isCleanupEntry(entry('cluster-ab.0f4e'), rule), false);
  assert.equal(isCleanupEntry(entry('cluster-a0f4e'), rule), false);
  assert.equal(isCleanupEntry(entry('eks-0123456789ab-00'), rule), false);
  assert.equal(isCleanupEntry(entry('6b1c2a34-5d6e-4f70-8a9b-0c1d2e3f4a5b'), rule), false);
});

test('"" takes the unprefixed IDs (no "."), never the registrar\'s own nor a join-token node entry, as SCM never sweeps those', () => {
  const rule = { entryIdPrefix: 'eks-', cleanupPrefixes: [''] };
  assert.equal(isCleanupEntry(entry('6b1c2a34-5d6e-4f70-8a9b-0c1d2e3f4a5b'), rule), true);
  assert.equal(isCleanupEntry(entry('cluster-a.0f4e'), rule), false);
  assert.equal(isCleanupEntry(entry('eks-0123456789ab-00'), rule), false);
  const joinToken = entry('7c2d', { parentId: 'spiffe://example.org/spire/agent/join_token/abc', selectors: [{ type: 'spiffe_id', value: 'spiffe://example.org/spire/agent/join_token/abc' }] });
  assert.equal(isCleanupEntry(joinToken, rule), false);
  assert.equal(isCleanupEntry({ ...joinToken, selectors: [{ type: 'unix', value: 'uid:0' }] }, rule), true);
  assert.equal(isCleanupEntry(entry('x'), { entryIdPrefix: 'eks-', cleanupPrefixes: [] }), false);
});

test('entries that block a create go first, the others after; pods that failed to render keep theirs; an unsynced cluster holds them all', () => {
  const blocking = entry('cluster-a.1', { spiffeId: 'spiffe://example.org/web', selectors: [{ type: 'k8s', value: 'pod-uid:u1' }, { type: 'k8s', value: 'ns:shop' }] });
  const other = entry('cluster-a.2', { spiffeId: 'spiffe://example.org/old', selectors: [{ type: 'k8s', value: 'pod-uid:u2' }] });
  const failedPod = entry('cluster-a.3', { spiffeId: 'spiffe://example.org/db', selectors: [{ type: 'k8s', value: 'pod-uid:u3' }] });
  // The same key with selectors in another order, under the registrar's ID.
  const create = { ...blocking, id: 'eks-0123456789ab-ff', selectors: [...blocking.selectors].reverse(), hint: 'differs' };
  assert.deepEqual(cleanupDeletes([other, blocking, failedPod], [create], { keepIdPrefixes: [], keepPodUids: ['u3'] }), { before: ['cluster-a.1'], after: ['cluster-a.2'] });
  const held = cleanupDeletes([other, blocking], [create], { keepIdPrefixes: ['eks-0123456789ab-'], keepPodUids: [] });
  assert.deepEqual([held.before, held.after], [[], []]);
  assert.match(held.held ?? '', /the entries of 1 cluster\(s\) are kept/);
  assert.deepEqual(cleanupDeletes([], [create], { keepIdPrefixes: ['x'], keepPodUids: [] }), { before: [], after: [] });
  assert.equal(cleanupDeletes([other], [create], { keepIdPrefixes: [], keepPodEntryIdPrefixes: ['eks-0123456789ab-'], keepPodUids: [] }).held, held.held, 'an unsynced cluster (its pod entries kept) holds it too');
});
