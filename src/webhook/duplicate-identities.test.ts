import assert from 'node:assert/strict';
import test from 'node:test';
import { sampleConfig } from '../../test/fixtures/fleet-objects.ts';
import { spiffeIdPolicy } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { duplicateFinders, duplicateWarnings } from './duplicate-identities.ts';

const identity = (name: string, spiffeIDTemplate: string, selectors: string[]): unknown => ({
  apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
  kind: 'WorkloadIdentity',
  metadata: { name },
  spec: { spiffeIDTemplate, workloadSelectorTemplates: selectors },
});

const clusterSpiffeId = (name: string, spiffeId: string): unknown => ({
  apiVersion: 'spiffeid.spiffe.io/v1beta1',
  kind: 'ClusterSpiffeID',
  metadata: { name },
  spec: { spiffeId, selector: { namespace: 'shop', podLabel: { app: 'web' } } },
});

const spiffeId = (name: string, spiffeIdText: string): unknown => ({
  apiVersion: 'spiffeid.spiffe.io/v1beta1',
  kind: 'SpiffeID',
  metadata: { name, namespace: 'shop' },
  spec: { spiffeId: spiffeIdText, selector: { podLabel: { app: 'web' } } },
});

function staticEntry(name: string): unknown {
  return {
    apiVersion: 'spire.spiffe.io/v1alpha1',
    kind: 'ClusterStaticEntry',
    metadata: { name },
    spec: { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/spire/server', selectors: ['unix:uid:999', 'k8s:ns:db'] },
  };
}

const stored: Readonly<Record<string, readonly unknown[]>> = {
  '/apis/eksclusterregistry.spire.spiffe.io/v1alpha1/workloadidentities': [
    identity('web', 'spiffe://{{ .TrustDomain }}/web', ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:sa:{{ .PodSpec.ServiceAccountName }}']),
    identity('api', 'spiffe://{{ .TrustDomain }}/api', ['k8s:ns:{{ .PodMeta.Namespace }}']),
    { kind: 'WorkloadIdentity', metadata: { name: 'broken' }, spec: 'not a spec' },
  ],
  '/apis/spiffeid.spiffe.io/v1beta1/clusterspiffeids': [clusterSpiffeId('shop-web', 'spiffe://example.org/ns/shop/web')],
  '/apis/spiffeid.spiffe.io/v1beta1/spiffeids': [],
  '/apis/spire.spiffe.io/v1alpha1/clusterspiffeids': [],
  '/apis/spire.spiffe.io/v1alpha1/clusterstaticentries': [staticEntry('static-a')],
};
const policy = spiffeIdPolicy(sampleConfig());
const finders = duplicateFinders('example.org', async (path) => stored[path] ?? [], policy);

function review(group: string, kind: string, object: unknown, operation = 'CREATE'): unknown {
  return { request: { kind: { group, kind }, operation, object } };
}

test('an identity with the same SPIFFE ID, parent and selector templates as a stored one (in any order) is named', async () => {
  const copy = identity('web-copy', 'spiffe://{{ .TrustDomain }}/web', ['k8s:sa:{{ .PodSpec.ServiceAccountName }}', 'k8s:ns:{{ .PodMeta.Namespace }}']);
  assert.deepEqual(await duplicateWarnings(review('eksclusterregistry.spire.spiffe.io', 'WorkloadIdentity', copy), finders), [
    'WorkloadIdentity web-copy wants the same entries as WorkloadIdentity web: where both apply, the older decides each entry and the other counts it as masked',
  ]);
});

test('an identity is not its own duplicate (an update), and a different one has none', async () => {
  const web = identity('web', 'spiffe://{{ .TrustDomain }}/web', ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:sa:{{ .PodSpec.ServiceAccountName }}']);
  assert.deepEqual(await duplicateWarnings(review('eksclusterregistry.spire.spiffe.io', 'WorkloadIdentity', web, 'UPDATE'), finders), []);
  const other = identity('other', 'spiffe://{{ .TrustDomain }}/other', ['k8s:ns:{{ .PodMeta.Namespace }}']);
  assert.deepEqual(await duplicateWarnings(review('eksclusterregistry.spire.spiffe.io', 'WorkloadIdentity', other), finders), []);
});

test('a SpiffeID wanting the entry a ClusterSpiffeID wants is named across the two kinds', async () => {
  const warnings = await duplicateWarnings(review('spiffeid.spiffe.io', 'SpiffeID', spiffeId('web', 'spiffe://example.org/ns/shop/web')), finders);
  assert.deepEqual(warnings, ['SpiffeID shop/web wants the same entries as ClusterSpiffeID shop-web: where both apply, the older decides each entry and the other counts it as masked']);
  assert.deepEqual(await duplicateWarnings(review('spiffeid.spiffe.io', 'SpiffeID', spiffeId('web', 'spiffe://example.org/ns/shop/other')), finders), []);
});

test("a stored SpiffeID that the config's spiffeIDPolicy refuses wants nothing, and is no one's duplicate", async () => {
  const lists: Readonly<Record<string, readonly unknown[]>> = { '/apis/spiffeid.spiffe.io/v1beta1/spiffeids': [spiffeId('old', 'spiffe://example.org/bank/api')] };
  const object = clusterSpiffeId('bank-api', 'spiffe://example.org/bank/api');
  const withPolicy = duplicateFinders('example.org', async (path) => lists[path] ?? [], policy);
  assert.deepEqual(await duplicateWarnings(review('spiffeid.spiffe.io', 'ClusterSpiffeID', object), withPolicy), []);
  const policyOff = duplicateFinders('example.org', async (path) => lists[path] ?? [], spiffeIdPolicy(sampleConfig({ spiffeIDPolicy: { namespacedIDPrefixTemplate: '', clusterDNSNamesInOwnNamespace: true } })));
  assert.deepEqual((await duplicateWarnings(review('spiffeid.spiffe.io', 'ClusterSpiffeID', object), policyOff)).length, 1);
});

test('a delete, a kind without duplicates, or a list that fails gives no warning', async () => {
  assert.deepEqual(await duplicateWarnings(review('eksclusterregistry.spire.spiffe.io', 'WorkloadIdentity', {}, 'DELETE'), finders), []);
  assert.deepEqual(await duplicateWarnings(review('eksclusterregistry.spire.spiffe.io', 'EKSClusterRegistry', {}), finders), []);
  const failing = duplicateFinders('example.org', () => Promise.reject(new Error('403')));
  const copy = identity('web-copy', 'spiffe://{{ .TrustDomain }}/web', ['k8s:ns:{{ .PodMeta.Namespace }}']);
  assert.deepEqual(await duplicateWarnings(review('eksclusterregistry.spire.spiffe.io', 'WorkloadIdentity', copy), failing), []);
});

test("spire-controller-manager's kinds join their families: a ClusterSPIFFEID like a WorkloadIdentity, a ClusterStaticEntry like a ClusterSpiffeID", async () => {
  const scm = {
    apiVersion: 'spire.spiffe.io/v1alpha1',
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'web-scm' },
    spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/web', workloadSelectorTemplates: ['k8s:sa:{{ .PodSpec.ServiceAccountName }}', 'k8s:ns:{{ .PodMeta.Namespace }}'] },
  };
  assert.deepEqual(await duplicateWarnings(review('spire.spiffe.io', 'ClusterSPIFFEID', scm), finders), [
    'ClusterSPIFFEID web-scm wants the same entries as WorkloadIdentity web: where both apply, the older decides each entry and the other counts it as masked',
  ]);
  assert.deepEqual(await duplicateWarnings(review('spire.spiffe.io', 'ClusterStaticEntry', staticEntry('static-b')), finders), [
    'ClusterStaticEntry static-b wants the same entries as ClusterStaticEntry static-a: where both apply, the older decides each entry and the other counts it as masked',
  ]);
});
