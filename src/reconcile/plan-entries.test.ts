import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import { clusterEntryIdPrefix } from '../identity/entry-id.ts';
import { formatSelector } from '../spire/entry.ts';
import { sampleClusterStaticEntry, sampleConfig, sampleIdentity, samplePod, sampleRegistry, sampleSnapshot, sampleSpiffeId } from '../../test/fixtures/fleet-objects.ts';
import { byId } from '../../test/support/registration-entry.ts';
import { diffEntries } from './diff-entries.ts';
import { planEntries, type Plan } from './plan-entries.ts';

function plan(
  identities: readonly WorkloadIdentity[],
  clusters: Readonly<Record<string, ClusterSnapshot | undefined>>,
  options: { registries?: readonly EKSClusterRegistry[]; config?: ControllerManagerConfig } = {},
): Plan {
  const registries = options.registries ?? Object.keys(clusters).map((name) => sampleRegistry(name));
  const snapshots = new Map<string, ClusterSnapshot>();
  for (const [name, snapshot] of Object.entries(clusters)) if (snapshot !== undefined) snapshots.set(name, snapshot);
  return planEntries({ config: options.config ?? sampleConfig(), registries, identities, snapshots });
}

function statsOf(result: Plan, name: string): Record<string, number> {
  const report = result.identities.find((identity) => identity.name === name);
  assert.ok(report, `no stats for ${name}`);
  return { ...report.stats };
}

test('one entry per selected pod, with deterministic IDs under the cluster prefix', () => {
  const snapshot = sampleSnapshot([samplePod('shop', 'web-1', { serviceAccountName: 'web' }), samplePod('shop', 'web-2', { serviceAccountName: 'web' })]);
  const first = plan([sampleIdentity('web')], { prod: snapshot });
  assert.deepEqual(first.errors, []);
  assert.equal(first.entries.length, 2);
  const prefix = clusterEntryIdPrefix('eks-workload-', 'prod');
  for (const entry of first.entries) {
    assert.ok(entry.id.startsWith(prefix), entry.id);
    assert.equal(entry.cluster, 'prod');
    assert.deepEqual(entry.identities, ['web']);
    assert.equal(entry.spiffeId, 'spiffe://example.org/ns/shop/sa/web');
  }
  assert.notEqual(first.entries[0]?.id, first.entries[1]?.id);
  assert.deepEqual(plan([sampleIdentity('web')], { prod: snapshot }), first, 'the same input gives the same plan');
  assert.deepEqual(first.keepPodUids, []);
});

test('entries are sorted by SPIFFE ID, parent ID, then selectors', () => {
  const pods = [
    samplePod('b', 'p1', { nodeName: 'n2' }),
    samplePod('a', 'p2', { nodeName: 'n2' }),
    samplePod('b', 'p3', { nodeName: 'n1' }),
    samplePod('a', 'p4', { nodeName: 'n2', uid: 'a-uid' }),
  ];
  const result = plan([sampleIdentity('w', { spiffeIDTemplate: 'spiffe://example.org/ns/{{ .Namespace }}' })], { c: sampleSnapshot(pods) });
  assert.deepEqual(
    result.entries.map((entry) => [entry.spiffeId, entry.parentId.slice(-6), entry.selectors[0]?.value]),
    [
      ['spiffe://example.org/ns/a', 'uid-n2', 'pod-uid:a-uid'],
      ['spiffe://example.org/ns/a', 'uid-n2', 'pod-uid:uid-a-p2'],
      ['spiffe://example.org/ns/b', 'uid-n1', 'pod-uid:uid-b-p3'],
      ['spiffe://example.org/ns/b', 'uid-n2', 'pod-uid:uid-b-p1'],
    ],
  );
});

test('clusters: disabled ones and those outside aws.accountIds are unmanaged; clusterSelector picks among the rest', () => {
  const snapshot = sampleSnapshot([samplePod('ns', 'p')]);
  const registries = [
    sampleRegistry('compute', { labels: { tier: 'compute' } }),
    sampleRegistry('batch', { labels: { tier: 'batch' } }),
    sampleRegistry('off', { enabled: false, labels: { tier: 'compute' } }),
    sampleRegistry('foreign', { accountId: '999999999999', labels: { tier: 'compute' } }),
  ];
  const identity = sampleIdentity('w', { clusterSelector: { matchLabels: { tier: 'compute' }, matchExpressions: [] } });
  const config = sampleConfig({ aws: { region: undefined, accountIds: ['123456789012'], assumeRoleArn: '' } });
  const result = plan([identity], { compute: snapshot, batch: snapshot, off: snapshot, foreign: snapshot }, { registries, config });
  assert.deepEqual(
    result.entries.map((entry) => entry.cluster),
    ['compute'],
  );
  assert.deepEqual(
    result.clusters.map((cluster) => [cluster.name, cluster.state, cluster.entriesRegistered]),
    [
      ['compute', 'synced', 1],
      ['batch', 'synced', 0],
      ['off', 'unmanaged', 0],
      ['foreign', 'unmanaged', 0],
    ],
  );
  assert.deepEqual(result.errors, [
    { cluster: 'foreign', message: "EKSClusterRegistry foreign: spec.accountId 999999999999 is not in the config's aws.accountIds: the cluster's pods get no entries" },
  ]);
  assert.equal(statsOf(result, 'w').clustersTargeted, 1);
});

test('a managed cluster without a snapshot is unsynced: targeted, no entries, the pod entries under its ID prefix kept from deletion', () => {
  const result = plan([sampleIdentity('w')], { synced: sampleSnapshot([samplePod('ns', 'p')]), lagging: undefined });
  const lagging = result.clusters.find((cluster) => cluster.name === 'lagging');
  assert.equal(lagging?.state, 'unsynced');
  assert.deepEqual(result.keepIdPrefixes, []);
  assert.deepEqual(result.keepPodEntryIdPrefixes, [clusterEntryIdPrefix('eks-workload-', 'lagging')]);
  assert.equal(statsOf(result, 'w').clustersTargeted, 2);
  assert.equal(result.entries.length, 1);
  const stale = { ...(result.entries[0] as (typeof result.entries)[number]), id: `${lagging?.entryIdPrefix ?? ''}0123` };
  const gone = { ...stale, id: `${clusterEntryIdPrefix('eks-workload-', 'synced')}0123` };
  const diff = diffEntries(result.entries, byId([stale, gone]), { entryIdPrefix: 'eks-workload-', keepIdPrefixes: result.keepIdPrefixes, keepPodEntryIdPrefixes: result.keepPodEntryIdPrefixes });
  assert.deepEqual(diff.deletes, [gone.id]);
});

test('pod selection and stats: namespace, podSelector, ignored namespaces, unscheduled, finished, terminating', () => {
  const pods = [
    samplePod('shop', 'web-1', { labels: { app: 'web' } }),
    samplePod('shop', 'web-2', { labels: { app: 'web' }, nodeName: '' }),
    samplePod('shop', 'web-3', { labels: { app: 'web' }, phase: 'Succeeded' }),
    samplePod('shop', 'web-4', { labels: { app: 'web' }, terminating: true }),
    samplePod('shop', 'api-1', { labels: { app: 'api' } }),
    samplePod('other', 'web-5', { labels: { app: 'web' } }),
    samplePod('kube-system', 'web-6', { labels: { app: 'web' } }),
  ];
  const snapshot = sampleSnapshot(pods, { namespaces: ['empty'] });
  const config = sampleConfig({ ignoreNamespaces: [/^kube-system$/u] });
  const webSelector = { matchLabels: { app: 'web' }, matchExpressions: [] };
  const result = plan([sampleIdentity('in-shop', { namespace: 'shop', podSelector: webSelector }), sampleIdentity('anywhere', { podSelector: webSelector, spiffeIDTemplate: 'spiffe://example.org/any/{{ .PodMeta.Name }}' })], { c: snapshot }, { config });
  assert.deepEqual(statsOf(result, 'in-shop'), { clustersTargeted: 1, namespacesFound: 1, podsSelected: 1, entriesRegistered: 1, entriesMasked: 0, renderFailures: 0 });
  assert.deepEqual(statsOf(result, 'anywhere'), { clustersTargeted: 1, namespacesFound: 3, podsSelected: 2, entriesRegistered: 2, entriesMasked: 0, renderFailures: 0 });
  assert.equal(result.clusters[0]?.namespacesCount, 3);
  assert.deepEqual(
    result.entries.map((entry) => entry.spiffeId),
    ['spiffe://example.org/any/web-1', 'spiffe://example.org/any/web-5', 'spiffe://example.org/ns/shop/sa/default'],
  );
});

test('two identities wanting the same entry share it: the oldest decides the fields, the other is masked', () => {
  const snapshot = sampleSnapshot([samplePod('ns', 'p')]);
  const older = sampleIdentity('zeta', { ttlSeconds: 60, hint: 'older' }, '2025-01-01T00:00:00Z');
  const newer = sampleIdentity('alpha', { ttlSeconds: 120, hint: 'newer' }, '2025-06-01T00:00:00Z');
  const result = plan([newer, older], { c: snapshot });
  assert.equal(result.entries.length, 1);
  assert.equal(result.entries[0]?.x509SvidTtl, 60);
  assert.equal(result.entries[0]?.hint, 'older');
  assert.deepEqual(result.entries[0]?.identities, ['zeta', 'alpha']);
  assert.deepEqual([statsOf(result, 'zeta').entriesRegistered, statsOf(result, 'zeta').entriesMasked], [1, 0]);
  assert.deepEqual([statsOf(result, 'alpha').entriesRegistered, statsOf(result, 'alpha').entriesMasked], [0, 1]);
  assert.deepEqual(
    result.identities.map((identity) => identity.name),
    ['alpha', 'zeta'],
    'reports keep the input order',
  );
});

test('between identities of the same age, the first by name wins an entry', () => {
  const result = plan([sampleIdentity('b2', { hint: 'b2' }), sampleIdentity('a2', { hint: 'a2' })], { c: sampleSnapshot([samplePod('ns', 'p')]) });
  assert.equal(result.entries[0]?.hint, 'a2');
});

test('entries differing only in non-key fields of different pods are not merged', () => {
  const result = plan([sampleIdentity('w')], { c: sampleSnapshot([samplePod('ns', 'a'), samplePod('ns', 'b')]) });
  assert.equal(result.entries.length, 2);
});

test('a render failure is reported per identity, cluster and pod, and never stops other entries', () => {
  const pods = [samplePod('ns', 'labelled', { labels: { tier: 'web' } }), samplePod('ns', 'bare'), samplePod('ns', 'lost', { nodeName: 'gone-node' })];
  const snapshot = { ...sampleSnapshot(pods.slice(0, 2)), pods };
  const result = plan([sampleIdentity('tiered', { spiffeIDTemplate: 'spiffe://example.org/tier/{{ .PodMeta.Labels.tier }}/{{ .PodMeta.Name }}' }), sampleIdentity('plain', { spiffeIDTemplate: 'spiffe://example.org/plain/{{ .PodMeta.Name }}' })], {
    c: snapshot,
  });
  assert.deepEqual(
    result.entries.map((entry) => entry.spiffeId),
    ['spiffe://example.org/plain/bare', 'spiffe://example.org/plain/labelled', 'spiffe://example.org/tier/web/labelled'],
  );
  assert.deepEqual(result.errors, [
    {
      identity: 'tiered',
      cluster: 'c',
      pod: 'ns/bare',
      message:
        'WorkloadIdentity tiered: cluster c: pod ns/bare: spec.spiffeIDTemplate: rendered "spiffe://example.org/tier/<no value>/bare" contains "<no value>": the template refers to a missing map key',
    },
    {
      identity: 'plain',
      cluster: 'c',
      pod: 'ns/lost',
      message: 'WorkloadIdentity plain: cluster c: pod ns/lost: node "gone-node" of the pod is unknown in the cluster',
    },
    {
      identity: 'tiered',
      cluster: 'c',
      pod: 'ns/lost',
      message: 'WorkloadIdentity tiered: cluster c: pod ns/lost: node "gone-node" of the pod is unknown in the cluster',
    },
  ]);
  assert.deepEqual(result.keepPodUids, ['uid-ns-bare', 'uid-ns-lost'], 'the entries of pods that failed to render are kept');
  assert.equal(statsOf(result, 'tiered').renderFailures, 2);
  assert.equal(statsOf(result, 'tiered').podsSelected, 3);
  assert.equal(statsOf(result, 'plain').renderFailures, 1);
});

test('auto-populated DNS names come from the EndpointSlices of the cluster', () => {
  const pod = samplePod('shop', 'web-1');
  const snapshot = sampleSnapshot([pod], { endpointSlices: [{ namespace: 'shop', name: 'web-x', serviceName: 'web', pods: [{ namespace: 'shop', name: 'web-1', uid: pod.uid }] }] });
  const result = plan([sampleIdentity('w', { autoPopulateDNSNames: true, dnsNameTemplates: ['first.example'] })], { c: snapshot }, { config: sampleConfig({ clusterDomain: 'corp.local' }) });
  assert.deepEqual(result.entries[0]?.dnsNames, ['first.example', 'web', 'web.shop', 'web.shop.svc', 'web.shop.svc.corp.local']);
});

test('the same pod UID in two clusters gives two entries, each under its cluster prefix', () => {
  const pod = samplePod('ns', 'p', { uid: 'same' });
  const result = plan([sampleIdentity('w')], { east: sampleSnapshot([pod], { nodes: [{ name: 'node-a', uid: 'east-node', labels: {}, annotations: {}, providerID: '' }] }), west: sampleSnapshot([pod]) });
  assert.deepEqual(
    result.entries.map((entry) => [entry.cluster, entry.id.startsWith(clusterEntryIdPrefix('eks-workload-', entry.cluster))]),
    [
      ['east', true],
      ['west', true],
    ],
  );
});

test('the plan against an empty server creates every entry; against itself, nothing', () => {
  const result = plan([sampleIdentity('w')], { c: sampleSnapshot([samplePod('ns', 'a'), samplePod('ns', 'b')]) });
  const fromEmpty = diffEntries(result.entries, new Map(), { entryIdPrefix: 'eks-workload-' });
  assert.equal(fromEmpty.creates.length, 2);
  assert.deepEqual(diffEntries(result.entries, byId(result.entries), { entryIdPrefix: 'eks-workload-' }), { creates: [], updates: [], deletes: [] });
});

test('one cluster registered twice: the same entry from both, the oldest identity wins even when met last', () => {
  const snapshot = sampleSnapshot([samplePod('ns', 'p')]);
  const registries = [sampleRegistry('alias-a', { clusterName: 'same', labels: { copy: 'a' } }), sampleRegistry('alias-b', { clusterName: 'same', labels: { copy: 'b' } })];
  const newer = sampleIdentity('newer', { hint: 'newer', clusterSelector: { matchLabels: { copy: 'a' }, matchExpressions: [] } }, '2025-06-01T00:00:00Z');
  const older = sampleIdentity('older', { hint: 'older', clusterSelector: { matchLabels: { copy: 'b' }, matchExpressions: [] } }, '2025-01-01T00:00:00Z');
  const result = plan([newer, older], { 'alias-a': snapshot, 'alias-b': snapshot }, { registries });
  assert.equal(result.entries.length, 1);
  const [entry] = result.entries;
  assert.equal(entry?.hint, 'older');
  assert.equal(entry?.cluster, 'alias-b');
  assert.ok(entry?.id.startsWith(clusterEntryIdPrefix('eks-workload-', 'alias-b')));
  assert.deepEqual(entry?.identities, ['older', 'newer']);
  assert.deepEqual([statsOf(result, 'older').entriesRegistered, statsOf(result, 'newer').entriesMasked, statsOf(result, 'newer').entriesRegistered], [1, 1, 0]);
  assert.deepEqual(
    result.clusters.map((cluster) => cluster.entriesRegistered),
    [0, 1],
  );
});

test('equal parent IDs, SPIFFE IDs and selectors of different entries are stored once', () => {
  const result = plan([sampleIdentity('w', { workloadSelectorTemplates: ['k8s:ns:{{ .Namespace }}'] })], { c: sampleSnapshot([samplePod('ns', 'a'), samplePod('ns', 'b')]) });
  const [a, b] = result.entries;
  assert.ok(a && b);
  assert.equal(a.selectors[0], b.selectors[0], 'the k8s:ns:ns selector object is shared');
  assert.notEqual(a.selectors[1], b.selectors[1]);
});

test('an identity whose templates do not compile keeps every entry of the clusters it targets', () => {
  const registries = [sampleRegistry('a', { labels: { tier: 'x' } }), sampleRegistry('b', { labels: { tier: 'y' } })];
  const brokenInA = sampleIdentity('broken', { spiffeIDTemplate: 'spiffe://example.org/{{ .PodMeta.Name', clusterSelector: { matchLabels: { tier: 'x' }, matchExpressions: [] } });
  const result = plan([brokenInA, sampleIdentity('fine')], { a: sampleSnapshot([samplePod('ns', 'p')]), b: sampleSnapshot([samplePod('ns', 'q')]) }, { registries });
  assert.match(result.errors[0]?.message ?? '', /^WorkloadIdentity broken: template: /);
  assert.deepEqual(result.keepPodEntryIdPrefixes, [clusterEntryIdPrefix('eks-workload-', 'a')]);
  // What diff does with it: no pod entry of cluster a goes, while b's stale entries still do.
  const [first] = result.entries;
  assert.ok(first);
  const stale = (cluster: string) => ({ ...first, id: `${clusterEntryIdPrefix('eks-workload-', cluster)}-stale`, spiffeId: `spiffe://example.org/stale/${cluster}` });
  const diff = diffEntries(result.entries, byId([...result.entries, stale('a'), stale('b')]), { entryIdPrefix: 'eks-workload-', keepPodEntryIdPrefixes: result.keepPodEntryIdPrefixes });
  assert.deepEqual(diff.deletes, [stale('b').id]);
});

test('a template that exhausts memory fails its pods for its identity only: the other identity renders, the pod keeps its entries', () => {
  const labels = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`l${i}`, 'v']));
  const pod = samplePod('shop', 'web-1', { labels });
  const hog = sampleIdentity('hog', {
    workloadSelectorTemplates: ['k8s:x:{{ $s := printf "%01000000d" 1 }}{{ range .PodMeta.Labels }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ $s }}'],
  });
  const result = plan([hog, sampleIdentity('plain')], { prod: sampleSnapshot([pod]) });
  assert.equal(statsOf(result, 'hog').renderFailures, 1);
  assert.equal(statsOf(result, 'plain').entriesRegistered, 1);
  assert.deepEqual(result.keepPodUids, [pod.uid]);
  const error = result.errors.find((e) => e.identity === 'hog');
  assert.match(error?.message ?? '', /^WorkloadIdentity hog: cluster prod: pod shop\/web-1: spec\.workloadSelectorTemplates\[0\]: /);
});

// ClusterSpiffeID and SpiffeID: entries declared up front, one per (object, targeted cluster).

const paymentsApi = sampleSpiffeId('payments-api', { spiffeId: 'spiffe://example.org/ns/payments/sa/api', selector: { namespace: 'payments', serviceAccount: 'api' } });

function shown(result: Plan): string[][] {
  return result.entries.map((entry) => [entry.cluster, entry.spiffeId, entry.parentId, entry.selectors.map(formatSelector).join(','), entry.identities.join(',')]);
}

test('a ClusterSpiffeID by namespace and service account: one entry per targeted cluster and its node alias, before any pod exists', () => {
  const registries = [sampleRegistry('east'), sampleRegistry('west'), sampleRegistry('off', { enabled: false })];
  const result = planEntries({ config: sampleConfig(), registries, identities: [], spiffeIds: [paymentsApi], snapshots: new Map() });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(shown(result), [
    ['east', 'spiffe://example.org/k8s-cluster/east-eks/nodes', 'spiffe://example.org/spire/server', 'k8s_psat:cluster:east-eks', 'NodeAlias'],
    ['west', 'spiffe://example.org/k8s-cluster/west-eks/nodes', 'spiffe://example.org/spire/server', 'k8s_psat:cluster:west-eks', 'NodeAlias'],
    ['east', 'spiffe://example.org/ns/payments/sa/api', 'spiffe://example.org/k8s-cluster/east-eks/nodes', 'k8s:ns:payments,k8s:sa:api', 'ClusterSpiffeID/payments-api'],
    ['west', 'spiffe://example.org/ns/payments/sa/api', 'spiffe://example.org/k8s-cluster/west-eks/nodes', 'k8s:ns:payments,k8s:sa:api', 'ClusterSpiffeID/payments-api'],
  ]);
  for (const entry of result.entries) assert.ok(entry.id.startsWith(clusterEntryIdPrefix('eks-workload-', entry.cluster)), entry.id);
  const [east, west] = result.entries.slice(2);
  assert.deepEqual(result.spiffeIds, [
    {
      name: 'ClusterSpiffeID/payments-api',
      clusters: [
        { cluster: 'east', entryId: east?.id, state: 'Written', message: '' },
        { cluster: 'west', entryId: west?.id, state: 'Written', message: '' },
      ],
    },
  ]);
  assert.deepEqual(result.keepPodEntryIdPrefixes, [clusterEntryIdPrefix('eks-workload-', 'east'), clusterEntryIdPrefix('eks-workload-', 'west')], 'unsynced: none of their pod entries is deleted');
  assert.deepEqual(result.keepIdPrefixes, []);
});

test("an unsynced cluster's entries that select no pod follow the desired state: a deleted ClusterSpiffeID's goes, the pod entries stay (a plan knows no history: after a restart too)", () => {
  const result = planEntries({ config: sampleConfig(), registries: [sampleRegistry('east')], identities: [], spiffeIds: [paymentsApi], snapshots: new Map() });
  const [alias, wanted] = result.entries;
  assert.ok(alias && wanted);
  const prefix = clusterEntryIdPrefix('eks-workload-', 'east');
  // What the server still holds of a ClusterSpiffeID deleted since, and of a pod of the unsynced cluster.
  const deletedObjects = { ...wanted, id: `${prefix}0001`, spiffeId: 'spiffe://example.org/ns/payments/sa/gone' };
  const pod = { ...wanted, id: `${prefix}0002`, spiffeId: 'spiffe://example.org/ns/shop/sa/web', parentId: 'spiffe://example.org/spire/agent/k8s_psat/east-eks/n1', selectors: [{ type: 'k8s', value: 'pod-uid:u1' }] };
  const diff = diffEntries(result.entries, byId([alias, wanted, deletedObjects, pod]), { entryIdPrefix: 'eks-workload-', keepIdPrefixes: result.keepIdPrefixes, keepPodEntryIdPrefixes: result.keepPodEntryIdPrefixes });
  assert.deepEqual(diff.deletes, [deletedObjects.id]);
  // Once nothing wants the alias either, it goes too.
  const none = planEntries({ config: sampleConfig(), registries: [sampleRegistry('east')], identities: [], spiffeIds: [], snapshots: new Map() });
  assert.deepEqual(diffEntries(none.entries, byId([alias, pod]), { entryIdPrefix: 'eks-workload-', keepIdPrefixes: none.keepIdPrefixes, keepPodEntryIdPrefixes: none.keepPodEntryIdPrefixes }).deletes, [alias.id]);
});

test('clusterSelector and selector.cluster choose the clusters; a literal parent needs no node alias', () => {
  const registries = [sampleRegistry('east', { labels: { env: 'prod' } }), sampleRegistry('west', { labels: { env: 'dev' } })];
  const byLabel = sampleSpiffeId('by-label', { spiffeId: 'spiffe://example.org/a', parentId: 'spiffe://example.org/gateway', selector: { podName: 'a' }, clusterSelector: { matchLabels: { env: 'dev' } } });
  const byName = sampleSpiffeId('by-name', { spiffeId: 'spiffe://example.org/b', parentId: 'spiffe://example.org/gateway', selector: { podName: 'b', cluster: 'east-eks' } });
  const result = planEntries({ config: sampleConfig(), registries, identities: [], spiffeIds: [byLabel, byName], snapshots: new Map() });
  assert.deepEqual(shown(result), [
    ['west', 'spiffe://example.org/a', 'spiffe://example.org/gateway', 'k8s:pod-name:a', 'ClusterSpiffeID/by-label'],
    ['east', 'spiffe://example.org/b', 'spiffe://example.org/gateway', 'k8s:pod-name:b', 'ClusterSpiffeID/by-name'],
  ]);
});

test('a SpiffeID in a tenant namespace: its entry carries k8s:ns of its namespace', () => {
  const tenant = sampleSpiffeId('web', { spiffeId: 'spiffe://example.org/ns/shop/web', selector: { podLabel: { app: 'web' } } }, { namespace: 'shop' });
  const result = planEntries({ config: sampleConfig(), registries: [sampleRegistry('east')], identities: [], spiffeIds: [tenant], snapshots: new Map() });
  assert.deepEqual(shown(result)[1], ['east', 'spiffe://example.org/ns/shop/web', 'spiffe://example.org/k8s-cluster/east-eks/nodes', 'k8s:ns:shop,k8s:pod-label:app:web', 'SpiffeID/shop/web']);
});

test('a ClusterSpiffeID and a WorkloadIdentity that want the same key share one entry: the older decides it', () => {
  const pod = samplePod('shop', 'web-1', { serviceAccountName: 'web', uid: 'u1' });
  const snapshot = sampleSnapshot([pod]);
  const [wanted] = plan([sampleIdentity('web')], { east: snapshot }).entries;
  assert.ok(wanted !== undefined);
  const declare = (created: string) =>
    sampleSpiffeId('same', { spiffeId: wanted.spiffeId, parentId: wanted.parentId, selector: { podUid: 'u1' }, ttl: '1h' }, { creationTimestamp: created });
  const withAge = (csidCreated: string, wiCreated: string): Plan =>
    planEntries({ config: sampleConfig(), registries: [sampleRegistry('east')], identities: [sampleIdentity('web', {}, wiCreated)], spiffeIds: [declare(csidCreated)], snapshots: new Map([['east', snapshot]]) });

  const identityOlder = withAge('2025-02-01T00:00:00Z', '2025-01-01T00:00:00Z');
  assert.equal(identityOlder.entries.length, 1);
  assert.deepEqual(identityOlder.entries[0]?.identities, ['web', 'ClusterSpiffeID/same']);
  assert.equal(identityOlder.entries[0]?.x509SvidTtl, 0, "the identity's fields");
  assert.equal(identityOlder.entries[0]?.id, wanted.id);
  assert.deepEqual(identityOlder.spiffeIds[0]?.clusters, [{ cluster: 'east', entryId: wanted.id, state: 'Masked', message: "WorkloadIdentity web wants the same entry and is older: it decides the entry's fields" }]);
  assert.deepEqual(statsOf(identityOlder, 'web').entriesRegistered, 1);

  const declaredOlder = withAge('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z');
  assert.equal(declaredOlder.entries.length, 1);
  assert.deepEqual(declaredOlder.entries[0]?.identities, ['ClusterSpiffeID/same', 'web']);
  assert.equal(declaredOlder.entries[0]?.x509SvidTtl, 3600, "the ClusterSpiffeID's fields");
  assert.equal(declaredOlder.spiffeIds[0]?.clusters[0]?.state, 'Written');
  assert.deepEqual(statsOf(declaredOlder, 'web').entriesMasked, 1);
});

test('a node alias that does not render: the entries parented to it fail, and the cluster keeps its entries', () => {
  const config = sampleConfig({ nodeAliasIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ if eq .ClusterName "west-eks" }}..{{ else }}nodes{{ end }}' });
  const registries = [sampleRegistry('east'), sampleRegistry('west')];
  const result = planEntries({ config, registries, identities: [], spiffeIds: [paymentsApi], snapshots: new Map([['east', sampleSnapshot([])], ['west', sampleSnapshot([])]]) });
  assert.deepEqual(result.entries.map((entry) => entry.cluster), ['east', 'east']);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]?.message ?? '', /^ClusterSpiffeID\/payments-api: cluster west: no parent: the node alias did not render: config nodeAliasIDTemplate: rendered "spiffe:\/\/example.org\/\.\." for cluster west-eks/);
  assert.deepEqual(result.keepIdPrefixes, [clusterEntryIdPrefix('eks-workload-', 'west')]);
  assert.equal(result.spiffeIds[0]?.clusters[1]?.state, 'Failed');
});

test('a ClusterStaticEntry: its literal entry, once for every cluster it applies to (the same key), before any pod exists', () => {
  const registries = [sampleRegistry('east', { labels: { env: 'prod' } }), sampleRegistry('west', { labels: { env: 'dev' } })];
  const database = sampleClusterStaticEntry('db', { spiffeID: 'spiffe://example.org/db', selectors: ['unix:uid:999'], x509SVIDTTL: '4h', dnsNames: ['db.example.org'], hint: 'db' });
  const result = planEntries({ config: sampleConfig(), registries, identities: [], clusterStaticEntries: [database], snapshots: new Map() });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(shown(result), [['east', 'spiffe://example.org/db', 'spiffe://example.org/spire/agent/join_token/host-1', 'unix:uid:999', 'ClusterStaticEntry/db']]);
  const [entry] = result.entries;
  assert.deepEqual([entry?.x509SvidTtl, entry?.dnsNames, entry?.hint], [14400, ['db.example.org'], 'db']);
  assert.deepEqual(result.spiffeIds, [
    {
      name: 'ClusterStaticEntry/db',
      clusters: [
        { cluster: 'east', entryId: entry?.id, state: 'Written', message: '' },
        { cluster: 'west', entryId: entry?.id, state: 'Written', message: '' },
      ],
    },
  ]);
  const narrowed = sampleClusterStaticEntry('db', {}, { annotations: { 'eksclusterregistry.spire.spiffe.io/cluster-selector': '{"matchLabels":{"env":"dev"}}' } });
  const onlyWest = planEntries({ config: sampleConfig(), registries, identities: [], clusterStaticEntries: [narrowed], snapshots: new Map() });
  assert.deepEqual(onlyWest.spiffeIds[0]?.clusters.map((cluster) => cluster.cluster), ['west']);
  const other = planEntries({ config: sampleConfig(), registries, identities: [], clusterStaticEntries: [sampleClusterStaticEntry('db', { className: 'other' })], snapshots: new Map() });
  assert.deepEqual([other.entries, other.spiffeIds], [[], []], 'another controller class: left alone');
});

test('a ClusterStaticEntry and an older ClusterSpiffeID wanting the same entry: the ClusterSpiffeID decides, the static entry is masked', () => {
  const older = sampleSpiffeId('shop', { spiffeId: 'spiffe://example.org/shop', parentId: 'spiffe://example.org/gateway', selector: { namespace: 'shop' }, hint: 'csid' }, { creationTimestamp: '2025-01-01T00:00:00Z' });
  const newer = sampleClusterStaticEntry('shop', { spiffeID: 'spiffe://example.org/shop', parentID: 'spiffe://example.org/gateway', selectors: ['k8s:ns:shop'], hint: 'static' }, { creationTimestamp: '2025-01-02T00:00:00Z' });
  const result = planEntries({ config: sampleConfig(), registries: [sampleRegistry('east')], identities: [], spiffeIds: [older], clusterStaticEntries: [newer], snapshots: new Map() });
  assert.equal(result.entries.length, 1);
  assert.deepEqual([result.entries[0]?.hint, result.entries[0]?.identities], ['csid', ['ClusterSpiffeID/shop', 'ClusterStaticEntry/shop']]);
  assert.deepEqual(result.spiffeIds[1]?.clusters[0]?.state, 'Masked');
});

test('a WorkloadIdentity says what a ClusterSPIFFEID says: namespaceSelector (with namespace, both), fallback, className', () => {
  const pods = [samplePod('shop', 'web', { labels: { app: 'web' } }), samplePod('shop', 'job'), samplePod('bank', 'job')];
  const snapshot = sampleSnapshot(pods);
  const labelled = { ...snapshot, namespaces: new Map([...snapshot.namespaces].map(([name, namespace]) => [name, { ...namespace, labels: name === 'shop' ? { team: 'a' } : ({} as Record<string, string>) }])) };
  const teamA = { matchLabels: { team: 'a' }, matchExpressions: [] };
  const web = sampleIdentity('web', { spiffeIDTemplate: 'spiffe://example.org/web', podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } });
  const fallback = sampleIdentity('fallback', { spiffeIDTemplate: 'spiffe://example.org/fallback/{{ .PodMeta.Namespace }}/{{ .PodMeta.Name }}', namespaceSelector: teamA, fallback: true });
  const theirs = sampleIdentity('theirs', { spiffeIDTemplate: 'spiffe://example.org/theirs', className: 'other' });
  const result = plan([web, fallback, theirs], { prod: labelled });
  assert.deepEqual(result.entries.map((entry) => entry.spiffeId), ['spiffe://example.org/fallback/shop/job', 'spiffe://example.org/web']);
  assert.deepEqual(result.identities.map((identity) => identity.name), ['web', 'fallback'], 'another controller class: left alone');
  assert.equal(statsOf(result, 'fallback').namespacesFound, 1);
  const inBank = plan([sampleIdentity('bank', { namespace: 'bank', namespaceSelector: teamA })], { prod: labelled });
  assert.deepEqual(inBank.entries, [], 'namespace bank is not labelled team: a');
});
