import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import { formatSelector } from '../spire/entry.ts';
import { sampleClusterSPIFFEID, sampleConfig, sampleIdentity, sampleNamespace, samplePod, sampleRegistry, sampleSnapshot } from '../../test/fixtures/fleet-objects.ts';
import { actsOnClass } from './cluster-spiffeid-identity.ts';
import { planEntries, type Plan } from './plan-entries.ts';

function plan(clusterSPIFFEIDs: readonly ClusterSPIFFEID[], snapshots: Readonly<Record<string, ClusterSnapshot>>, options: { identities?: readonly WorkloadIdentity[]; registries?: readonly EKSClusterRegistry[] } = {}): Plan {
  const registries = options.registries ?? Object.keys(snapshots).map((name) => sampleRegistry(name));
  return planEntries({ config: sampleConfig(), registries, identities: options.identities ?? [], clusterSPIFFEIDs, snapshots: new Map(Object.entries(snapshots)) });
}

const summary = (result: Plan): string[][] => result.entries.map((entry) => [entry.cluster, entry.spiffeId, entry.selectors.map(formatSelector).join(',')]);

test('a ClusterSPIFFEID renders for each selected pod the entry spire-controller-manager writes: SPIFFE ID, parent (its default template), k8s:pod-uid, selectors, DNS names, TTLs, hint', () => {
  const object = sampleClusterSPIFFEID('web', {
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/c/{{ .ClusterName }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}'],
    dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'],
    federatesWith: ['partner.org'],
    ttl: '1h',
    jwtTtl: '5m',
    admin: true,
    hint: 'web',
  });
  const result = plan([object], { prod: sampleSnapshot([samplePod('shop', 'web-1', { serviceAccountName: 'web', nodeName: 'n1' })]) });
  assert.deepEqual(result.errors, []);
  const [entry] = result.entries;
  assert.ok(entry !== undefined && result.entries.length === 1);
  const { id: _id, ...fields } = entry;
  assert.deepEqual(fields, {
    spiffeId: 'spiffe://example.org/c/prod-eks/ns/shop/sa/web',
    parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod-eks/uid-n1',
    selectors: [
      { type: 'k8s', value: 'ns:shop' },
      { type: 'k8s', value: 'pod-uid:uid-shop-web-1' },
    ],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: ['web-1.shop.svc.cluster.local'],
    federatesWith: ['partner.org'],
    admin: true,
    downstream: false,
    hint: 'web',
    cluster: 'prod',
    identities: ['ClusterSPIFFEID/web'],
  });
  assert.deepEqual(result.clusterSPIFFEIDs, [{ name: 'ClusterSPIFFEID/web', stats: { clustersTargeted: 1, namespacesFound: 1, podsSelected: 1, entriesRegistered: 1, entriesMasked: 0, renderFailures: 0 } }]);
});

test('fleet-wide: every managed cluster, .ClusterName its registry clusterName; the annotation narrows the registries by label', () => {
  const registries = [sampleRegistry('east', { labels: { env: 'prod' } }), sampleRegistry('west', { labels: { env: 'dev' } })];
  const snapshots = { east: sampleSnapshot([samplePod('shop', 'a')]), west: sampleSnapshot([samplePod('shop', 'a')]) };
  const template = { spiffeIDTemplate: 'spiffe://example.org/{{ .ClusterName }}' };
  assert.deepEqual(summary(plan([sampleClusterSPIFFEID('all', template)], snapshots, { registries })).map(([cluster, id]) => [cluster, id]), [
    ['east', 'spiffe://example.org/east-eks'],
    ['west', 'spiffe://example.org/west-eks'],
  ]);
  const narrowed = sampleClusterSPIFFEID('prod', template, { annotations: { 'eksclusterregistry.spire.spiffe.io/cluster-selector': '{"matchLabels":{"env":"prod"}}' } });
  assert.deepEqual(summary(plan([narrowed], snapshots, { registries })).map(([cluster]) => cluster), ['east']);
});

test('namespaceSelector over the labels of the pod namespace, podSelector over the pod labels', () => {
  const snapshot = sampleSnapshot([samplePod('shop', 'web', { labels: { app: 'web' } }), samplePod('shop', 'db', { labels: { app: 'db' } }), samplePod('bank', 'web', { labels: { app: 'web' } })]);
  const labelled = { ...snapshot, namespaces: new Map([...snapshot.namespaces].map(([name, namespace]) => [name, name === 'shop' ? sampleNamespace(name, { labels: { team: 'a' } }) : namespace])) };
  const object = sampleClusterSPIFFEID('web', { spiffeIDTemplate: 'spiffe://example.org/{{ .PodMeta.Namespace }}/{{ .PodMeta.Name }}', namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'web' } } });
  const result = plan([object], { prod: labelled });
  assert.deepEqual(summary(result).map(([, id]) => id), ['spiffe://example.org/shop/web']);
  assert.equal(result.clusterSPIFFEIDs[0]?.stats.namespacesFound, 1);
});

test('a fallback applies only to pods that no other identity selects, whatever its kind', () => {
  const pods = [samplePod('shop', 'web', { labels: { app: 'web' } }), samplePod('shop', 'db', { labels: { app: 'db' } }), samplePod('shop', 'job', { labels: { app: 'job' } })];
  const specific = sampleClusterSPIFFEID('web', { spiffeIDTemplate: 'spiffe://example.org/web', podSelector: { matchLabels: { app: 'web' } } });
  const fallback = sampleClusterSPIFFEID('fallback', { spiffeIDTemplate: 'spiffe://example.org/fallback/{{ .PodMeta.Name }}', fallback: true });
  const identity = sampleIdentity('db', { spiffeIDTemplate: 'spiffe://example.org/db', podSelector: { matchLabels: { app: 'db' }, matchExpressions: [] } });
  const result = plan([fallback, specific], { prod: sampleSnapshot(pods) }, { identities: [identity] });
  assert.deepEqual(summary(result).map(([, id]) => id), ['spiffe://example.org/db', 'spiffe://example.org/fallback/job', 'spiffe://example.org/web']);
  assert.equal(result.clusterSPIFFEIDs.find((report) => report.name === 'ClusterSPIFFEID/fallback')?.stats.podsSelected, 1);
});

test('one key space: a ClusterSPIFFEID and a WorkloadIdentity wanting the same entry share it, the older decides, the other is masked', () => {
  const pods = [samplePod('shop', 'web', { serviceAccountName: 'web' })];
  const object = sampleClusterSPIFFEID('web', { hint: 'from-scm' }, { creationTimestamp: '2025-01-01T00:00:00Z' });
  const identity = sampleIdentity('web', { hint: 'from-identity' }, '2025-01-02T00:00:00Z');
  const result = plan([object], { prod: sampleSnapshot(pods) }, { identities: [identity] });
  assert.equal(result.entries.length, 1);
  assert.deepEqual([result.entries[0]?.hint, result.entries[0]?.identities], ['from-scm', ['ClusterSPIFFEID/web', 'web']]);
  assert.deepEqual([result.clusterSPIFFEIDs[0]?.stats.entriesRegistered, result.identities[0]?.stats.entriesMasked], [1, 1]);
});

test('an object of another controller class (spec.className) is left alone', () => {
  const result = plan([sampleClusterSPIFFEID('other', { className: 'other' })], { prod: sampleSnapshot([samplePod('shop', 'web')]) });
  assert.deepEqual([result.entries, result.clusterSPIFFEIDs], [[], []]);
});

test('a pod whose entry fails to render is reported with the object, cluster, pod and field, and keeps its entries', () => {
  const result = plan([sampleClusterSPIFFEID('ver', { spiffeIDTemplate: 'spiffe://example.org/{{ .PodMeta.Labels.ver }}' })], { prod: sampleSnapshot([samplePod('shop', 'web')]) });
  assert.deepEqual(result.entries, []);
  assert.match(result.errors[0]?.message ?? '', /^ClusterSPIFFEID ver: cluster prod: pod shop\/web: spec\.spiffeIDTemplate: /);
  assert.deepEqual(result.keepPodUids, ['uid-shop-web']);
});

test("the controller class rule is spire-controller-manager's: className, and watchClassless for objects without one", () => {
  const cases: [objectClass: string, className: string, watchClassless: boolean, acts: boolean][] = [
    ['', '', false, true],
    ['east', '', false, false],
    ['east', 'east', false, true],
    ['', 'east', false, false],
    ['', 'east', true, true],
    ['west', 'east', true, false],
  ];
  for (const [objectClass, className, watchClassless, acts] of cases) assert.equal(actsOnClass(objectClass, { className, watchClassless }), acts, JSON.stringify([objectClass, className, watchClassless]));
  const east = planEntries({
    config: sampleConfig({ className: 'east' }),
    registries: [sampleRegistry('prod')],
    identities: [],
    clusterSPIFFEIDs: [sampleClusterSPIFFEID('mine', { className: 'east' }), sampleClusterSPIFFEID('classless')],
    snapshots: new Map([['prod', sampleSnapshot([samplePod('shop', 'web')])]]),
  });
  assert.deepEqual(east.clusterSPIFFEIDs.map((report) => report.name), ['ClusterSPIFFEID/mine']);
});
