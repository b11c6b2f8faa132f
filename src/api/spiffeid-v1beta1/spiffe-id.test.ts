import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { formatSelector } from '../../spire/entry.ts';
import { parseManifests } from '../manifests.ts';
import { parseSpiffeID } from './spiffe-id.ts';
import { defaultNamespacedIDPrefixTemplate, spiffeIdPolicy } from './spiffe-id-policy.ts';

function object(namespace: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'SpiffeID', metadata: { name: 'web', namespace }, spec: { spiffeId: `spiffe://example.org/ns/${namespace}/web`, ...spec } };
}

function selectors(namespace: string, spec: Record<string, unknown>): string[] {
  const result = parseSpiffeID(object(namespace, spec), 'example.org');
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result.value.spec.selectors.map(formatSelector);
}

function errorsOf(namespace: string, spec: Record<string, unknown>): readonly string[] {
  const result = parseSpiffeID(object(namespace, spec), 'example.org');
  assert.ok(!result.ok, 'expected validation errors');
  return result.errors;
}

test('the entries of a SpiffeID always select its own namespace', () => {
  assert.deepEqual(selectors('shop', { selector: { podLabel: { app: 'web' } } }), ['k8s:pod-label:app:web', 'k8s:ns:shop']);
  assert.deepEqual(selectors('shop', { selector: { namespace: 'shop', serviceAccount: 'web' } }), ['k8s:ns:shop', 'k8s:sa:web']);
});

test('a SpiffeID naming another namespace is refused, naming the field', () => {
  assert.deepEqual(errorsOf('shop', { selector: { namespace: 'bank' } }), [
    'SpiffeID shop/web: spec.selector.namespace: namespace "bank" is not this SpiffeID\'s own "shop": a SpiffeID selects pods of its own namespace only; a ClusterSpiffeID can select others',
  ]);
  assert.match(errorsOf('shop', { selector: { podLabel: { app: 'web' }, arbitrary: ['k8s:ns:bank'] } })[0] ?? '', /^SpiffeID shop\/web: spec.selector.arbitrary\[0\]: namespace "bank"/);
});

test('a SpiffeID may not make admin or downstream entries', () => {
  const errors = errorsOf('shop', { selector: { podLabel: { app: 'web' } }, admin: true, downstream: true });
  assert.match(errors[0] ?? '', /spec.admin: not allowed on a SpiffeID/);
  assert.match(errors[1] ?? '', /spec.downstream: not allowed on a SpiffeID/);
});

test('a SpiffeID needs a namespace', () => {
  const result = parseSpiffeID({ apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'SpiffeID', metadata: { name: 'web' }, spec: { spiffeId: 'spiffe://example.org/web', selector: { podName: 'a' } } });
  assert.ok(!result.ok);
  assert.match(result.errors[0] ?? '', /^SpiffeID \(no namespace\)\/web: metadata.namespace: required/);
});

test("a manifest of the retired k8s-workload-registrar applies unchanged with the ID policy off; the default policy refuses its ID", async () => {
  const url = new URL('../../../config/samples/spiffeid-k8s-workload-registrar.yaml', import.meta.url);
  const [sample] = parseManifests(await readFile(url, 'utf8'), 'sample').objects;
  const policy = (namespacedIDPrefixTemplate: string) => spiffeIdPolicy({ trustDomain: 'example.org', clusterDomain: 'cluster.local', spiffeIDPolicy: { namespacedIDPrefixTemplate, clusterDNSNamesInOwnNamespace: true } });
  const refused = parseSpiffeID(sample, 'example.org', policy(defaultNamespacedIDPrefixTemplate));
  assert.ok(!refused.ok);
  assert.match(refused.errors.join('\n'), /^SpiffeID billing\/billing-worker: spec.spiffeId: "spiffe:\/\/example.org\/billing\/worker" is not under "spiffe:\/\/example.org\/ns\/billing\/"/);
  const result = parseSpiffeID(sample, 'example.org', policy(''));
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.equal(result.value.spec.parentId, undefined);
  assert.deepEqual(result.value.spec.selectors.map(formatSelector), ['k8s:pod-label:app:worker', 'k8s:ns:billing', 'k8s:pod-owner:Deployment:worker']);
});
