import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { LabelSelector } from '../api/v1alpha1/label-selector.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import type { RegistrationEntry } from '../spire/entry.ts';
import { sampleClusterSPIFFEID, sampleClusterStaticEntry, sampleConfig, sampleIdentity, sampleNamespace, sampleNode, samplePod, sampleRegistry, sampleSpiffeId } from '../../test/fixtures/fleet-objects.ts';
import { podFromKubernetes } from '../identity/cluster-objects.ts';
import { MemoryCluster } from '../../test/support/memory-cluster.ts';
import { byId, registrationEntry } from '../../test/support/registration-entry.ts';
import { diffEntries } from './diff-entries.ts';
import { FleetState } from './fleet-state.ts';
import { planEntries } from './plan-entries.ts';
import { spiffeIdSourceName, type SpiffeIdObject } from './spiffe-id-entries.ts';
import { compareEntries } from './planned-entry.ts';

/** mulberry32: a small seeded generator, so that a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const config = sampleConfig({ ignoreNamespaces: [/^kube-/], aws: { region: undefined, accountIds: ['123456789012'], assumeRoleArn: '' } });
const clusterNames = ['east', 'west', 'north'];
const identityNames = ['alpha', 'beta', 'gamma', 'delta'];
const namespaces = ['shop', 'bank', 'kube-system'];

interface World {
  readonly registries: Map<string, EKSClusterRegistry>;
  readonly identities: Map<string, WorkloadIdentity>;
  /** ClusterSpiffeIDs, SpiffeIDs and ClusterStaticEntries by source name. */
  readonly spiffeIds: Map<string, SpiffeIdObject>;
  /** ClusterSPIFFEIDs by source name. */
  readonly clusterSPIFFEIDs: Map<string, ClusterSPIFFEID>;
  readonly clusters: Map<string, MemoryCluster>;
  readonly synced: Set<string>;
}

function randomIdentity(name: string, pick: <T>(items: readonly T[]) => T): WorkloadIdentity {
  const spiffeIDTemplate = pick([
    'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    'spiffe://{{ .TrustDomain }}/app/{{ .ApplicationName }}/{{ .PodMeta.Name }}',
    // Fails for pods without a `ver` label.
    'spiffe://{{ .TrustDomain }}/v/{{ .PodMeta.Labels.ver }}',
  ]);
  const identity = sampleIdentity(
    name,
    {
      namespace: pick([undefined, 'shop', 'bank']),
      spiffeIDTemplate,
      podSelector: pick<LabelSelector>([{ matchLabels: {}, matchExpressions: [] }, { matchLabels: { app: 'web' }, matchExpressions: [] }, { matchLabels: { app: 'db' }, matchExpressions: [] }]),
      clusterSelector: pick<LabelSelector>([{ matchLabels: {}, matchExpressions: [] }, { matchLabels: { env: 'prod' }, matchExpressions: [] }]),
      ttlSeconds: pick([0, 3600]),
      autoPopulateDNSNames: pick([false, true]),
      workloadSelectorTemplates: pick([[], ['k8s:ns:{{ .PodMeta.Namespace }}']]),
      namespaceSelector: pick<LabelSelector>([{ matchLabels: {}, matchExpressions: [] }, { matchLabels: { team: 'a' }, matchExpressions: [] }]),
      fallback: pick([false, false, false, true]),
      className: pick(['', '', '', '', 'other']),
    },
    pick(['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z']),
  );
  // A template that does not compile (the edge refuses it; the engine must still cope).
  if (pick([false, false, false, false, false, false, true])) return { ...identity, spec: { ...identity.spec, spiffeIDTemplate: 'spiffe://{{ .TrustDomain' } };
  return identity;
}

const clusterSelectorAnnotation = 'eksclusterregistry.spire.spiffe.io/cluster-selector';

/**
 * A ClusterSPIFFEID whose entries often collide with the identities' (the first template, no workload
 * selectors, the config's parent: the same key), with a namespace selector, a fallback or another class.
 */
function randomClusterSPIFFEID(pick: <T>(items: readonly T[]) => T): ClusterSPIFFEID {
  return sampleClusterSPIFFEID(
    pick(['k1', 'k2', 'k3']),
    {
      spiffeIDTemplate: pick(['spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', 'spiffe://{{ .TrustDomain }}/c/{{ .ClusterName }}/{{ .PodMeta.Labels.ver }}']),
      ...pick([{}, { namespaceSelector: { matchLabels: { team: 'a' } } }]),
      ...pick([{}, { podSelector: { matchLabels: { app: 'web' } } }]),
      ...pick([{}, { workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}'] }]),
      fallback: pick([false, false, true]),
      className: pick(['', '', '', 'other']),
      autoPopulateDNSNames: pick([false, true]),
    },
    { creationTimestamp: pick(['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z']), ...pick([{}, { annotations: { [clusterSelectorAnnotation]: '{"matchLabels":{"env":"prod"}}' } }]) },
  );
}

/** A ClusterStaticEntry whose entry often collides with a ClusterSpiffeID's (parent gateway, k8s:ns:shop). */
function randomClusterStaticEntry(pick: <T>(items: readonly T[]) => T): SpiffeIdObject {
  return sampleClusterStaticEntry(
    'e1',
    { spiffeID: pick(['spiffe://example.org/shop', 'spiffe://example.org/db']), parentID: 'spiffe://example.org/gateway', selectors: ['k8s:ns:shop'], className: pick(['', '', 'other']) },
    { creationTimestamp: pick(['2025-01-01T00:00:00Z', '2025-01-03T00:00:00Z']), ...pick([{}, { annotations: { [clusterSelectorAnnotation]: '{"matchLabels":{"env":"dev"}}' } }]) },
  );
}

/** A ClusterSpiffeID, SpiffeID or ClusterStaticEntry whose entries often collide with each other's (the same key in one or every cluster). */
function randomSpiffeId(pick: <T>(items: readonly T[]) => T): SpiffeIdObject {
  if (pick([false, false, false, true])) return randomClusterStaticEntry(pick);
  const [name, namespace] = pick<[string, string | undefined]>([['c1', undefined], ['c2', undefined], ['s1', 'shop']]);
  const spec = {
    spiffeId: pick(['spiffe://example.org/ns/shop/sa/web', 'spiffe://example.org/shop']),
    parentId: pick([undefined, undefined, 'spiffe://example.org/gateway']),
    selector: pick<Record<string, unknown>>([{ namespace: 'shop' }, { namespace: 'shop', serviceAccount: 'web' }, { podLabel: { app: 'web' } }, { namespace: 'shop', cluster: 'east-eks' }]),
    clusterSelector: pick([undefined, { matchLabels: { env: 'prod' } }]),
    ttl: pick(['0s', '1h']),
  };
  return sampleSpiffeId(name, spec, { ...(namespace === undefined ? {} : { namespace }), creationTimestamp: pick(['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', '2025-01-04T00:00:00Z']) });
}

/** Applies one random change to the world and the state; returns what it did, for failure messages. */
function step(world: World, state: FleetState, rand: () => number, uids: { next: number }): string {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const clusterName = pick(clusterNames);
  const cluster = world.clusters.get(clusterName) as MemoryCluster;
  const live = world.synced.has(clusterName) && world.registries.has(clusterName);
  switch (pick(['registry', 'registry', 'unregister', 'sync', 'unsync', 'identity', 'identity', 'unidentity', 'spiffeid', 'spiffeid', 'unspiffeid', 'csid', 'csid', 'uncsid', 'pod', 'pod', 'pod', 'pod', 'unpod', 'node', 'unnode', 'namespace', 'unnamespace', 'slice'])) {
    case 'registry': {
      const registry = sampleRegistry(clusterName, {
        labels: pick<Record<string, string>>([{ env: 'prod' }, { env: 'dev' }, {}]),
        enabled: pick([true, true, true, false]),
        accountId: pick(['123456789012', '123456789012', '999999999999']),
        clusterName: pick([`${clusterName}-eks`, `${clusterName}-eks-2`]),
      });
      world.registries.set(clusterName, registry);
      state.setRegistry(registry);
      if (world.synced.has(clusterName)) state.setClusterObjects(clusterName, cluster);
      return `set registry ${clusterName} ${JSON.stringify(registry.spec)}`;
    }
    case 'unregister':
      world.registries.delete(clusterName);
      state.removeRegistry(clusterName);
      return `remove registry ${clusterName}`;
    case 'sync':
      world.synced.add(clusterName);
      state.setClusterObjects(clusterName, cluster);
      return `sync ${clusterName}`;
    case 'unsync':
      world.synced.delete(clusterName);
      state.setClusterObjects(clusterName, undefined);
      return `unsync ${clusterName}`;
    case 'identity': {
      const identity = randomIdentity(pick(identityNames), pick);
      world.identities.set(identity.metadata.name, identity);
      state.setIdentity(identity);
      return `set identity ${identity.metadata.name} ${JSON.stringify(identity.spec)}`;
    }
    case 'unidentity': {
      const name = pick(identityNames);
      world.identities.delete(name);
      state.removeIdentity(name);
      return `remove identity ${name}`;
    }
    case 'spiffeid': {
      const object = randomSpiffeId(pick);
      world.spiffeIds.set(spiffeIdSourceName(object), object);
      state.setSpiffeId(object);
      return `set ${spiffeIdSourceName(object)} ${JSON.stringify(object.spec)}`;
    }
    case 'csid': {
      const object = randomClusterSPIFFEID(pick);
      world.clusterSPIFFEIDs.set(object.metadata.name, object);
      state.setClusterSPIFFEID(object);
      return `set ClusterSPIFFEID ${object.metadata.name} ${JSON.stringify(object.spec)}`;
    }
    case 'uncsid': {
      const name = pick(['k1', 'k2', 'k3']);
      world.clusterSPIFFEIDs.delete(name);
      state.removeClusterSPIFFEID(name);
      return `remove ClusterSPIFFEID ${name}`;
    }
    case 'unspiffeid': {
      const name = pick(['ClusterSpiffeID/c1', 'ClusterSpiffeID/c2', 'SpiffeID/shop/s1', 'ClusterStaticEntry/e1']);
      world.spiffeIds.delete(name);
      state.removeSpiffeId(name);
      return `remove ${name}`;
    }
    case 'pod': {
      const namespace = pick(namespaces);
      const name = pick(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
      const key = `${namespace}/${name}`;
      const old = cluster.pods.get(key);
      const pod = samplePod(namespace, name, {
        uid: old !== undefined && rand() < 0.7 ? old.uid : `uid-${uids.next++}`,
        labels: { ...pick<Record<string, string>>([{ app: 'web' }, { app: 'db' }, {}]), ...pick<Record<string, string>>([{ ver: '1' }, { ver: '2' }, {}, {}]) },
        serviceAccountName: pick(['web', 'default']),
        nodeName: pick(['n1', 'n2', 'n3', '']),
        phase: pick(['Running', 'Running', 'Pending', 'Succeeded']),
        terminating: rand() < 0.1,
      });
      cluster.pods.set(key, pod);
      if (live) state.podChanged(clusterName, key);
      return `set pod ${clusterName} ${key} ${JSON.stringify(pod)}`;
    }
    case 'unpod': {
      const key = pick([...cluster.pods.keys(), 'shop/none']);
      cluster.pods.delete(key);
      if (live) state.podChanged(clusterName, key);
      return `delete pod ${clusterName} ${key}`;
    }
    case 'node': {
      const name = pick(['n1', 'n2', 'n3']);
      cluster.nodes.set(name, sampleNode(name, { uid: `uid-${name}-${uids.next++}` }));
      if (live) state.nodeChanged(clusterName, name);
      return `set node ${clusterName} ${name}`;
    }
    case 'unnode': {
      const name = pick(['n1', 'n2', 'n3']);
      cluster.nodes.delete(name);
      if (live) state.nodeChanged(clusterName, name);
      return `delete node ${clusterName} ${name}`;
    }
    case 'namespace': {
      const name = pick(namespaces);
      cluster.namespaces.set(name, sampleNamespace(name, { labels: pick<Record<string, string>>([{}, { team: 'a' }]) }));
      if (live) state.namespaceChanged(clusterName, name);
      return `set namespace ${clusterName} ${name}`;
    }
    case 'unnamespace': {
      const name = pick(namespaces);
      cluster.namespaces.delete(name);
      if (live) state.namespaceChanged(clusterName, name);
      return `delete namespace ${clusterName} ${name}`;
    }
    case 'slice': {
      const namespace = pick(namespaces);
      const pods = [...cluster.pods.values()].filter((pod) => pod.namespace === namespace && rand() < 0.5);
      cluster.slices.set(namespace, { namespace, name: `svc-${namespace}`, serviceName: 'svc', pods: pods.map((pod) => ({ namespace, name: pod.name, uid: pod.uid })) });
      if (live) state.endpointSlicesChanged(clusterName, namespace);
      return `set slice ${clusterName} ${namespace}`;
    }
    default:
      throw new Error('no such change');
  }
}

function assertMatchesPlan(world: World, state: FleetState, history: readonly string[]): void {
  const snapshots = new Map<string, ClusterSnapshot>();
  for (const name of world.synced) if (world.registries.has(name)) snapshots.set(name, (world.clusters.get(name) as MemoryCluster).snapshot());
  // The state lists registries and identities in the order they were first set; planEntries in input order.
  const registries = state.clusterReports().map((report) => world.registries.get(report.name) as EKSClusterRegistry);
  const identities = state.identityReports().map((report) => world.identities.get(report.name) as WorkloadIdentity);
  // The state forgets objects of another controller class; planEntries is given them too, and leaves them.
  const reported = new Set(state.spiffeIdReports().map((report) => report.name));
  const spiffeIds = [...state.spiffeIdReports().map((report) => world.spiffeIds.get(report.name) as SpiffeIdObject), ...[...world.spiffeIds].filter(([name]) => !reported.has(name)).map(([, object]) => object)];
  const csids = new Set(state.clusterSPIFFEIDReports().map((report) => report.name));
  const clusterSPIFFEIDs = [
    ...[...world.clusterSPIFFEIDs.values()].filter((object) => csids.has(`ClusterSPIFFEID/${object.metadata.name}`)).sort((a, b) => [...csids].indexOf(`ClusterSPIFFEID/${a.metadata.name}`) - [...csids].indexOf(`ClusterSPIFFEID/${b.metadata.name}`)),
    ...[...world.clusterSPIFFEIDs.values()].filter((object) => !csids.has(`ClusterSPIFFEID/${object.metadata.name}`)),
  ];
  const plan = planEntries({ config: state.config, registries, identities, spiffeIds, clusterSPIFFEIDs, snapshots });
  const message = `after:\n${history.slice(-8).join('\n')}`;
  assert.deepEqual([...state.entries()].sort(compareEntries), plan.entries, message);
  assert.deepEqual(state.identityReports(), plan.identities, message);
  assert.deepEqual(state.clusterReports(), plan.clusters, message);
  assert.deepEqual(state.spiffeIdReports(), plan.spiffeIds, message);
  assert.deepEqual(state.clusterSPIFFEIDReports(), plan.clusterSPIFFEIDs, message);
  assert.deepEqual(new Set(state.keepIdPrefixes()), new Set(plan.keepIdPrefixes), message);
  assert.deepEqual(new Set(state.keepPodEntryIdPrefixes()), new Set(plan.keepPodEntryIdPrefixes), message);
  assert.deepEqual(state.keepPodUids(), plan.keepPodUids, message);
  for (const entry of plan.entries) assert.deepEqual(state.entry(entry.id), entry, message);
}

// The pod controller on: by label (the `ver` label the random pods may carry), an entry per pod beside the identities'.
const podControllerConfig = { ...config, podController: { enabled: true, podLabel: 'ver', podAnnotation: '' } };

for (const [what, stateConfig, seeds] of [
  ['', config, 60],
  [', with the pod controller on', podControllerConfig, 20],
] as const) {
  test(`after any sequence of changes, the incremental state equals planEntries over the same inputs${what}`, () => {
    for (let seed = 1; seed <= seeds; seed++) {
      const rand = random(seed);
      const world: World = { registries: new Map(), identities: new Map(), spiffeIds: new Map(), clusterSPIFFEIDs: new Map(), clusters: new Map(clusterNames.map((name) => [name, new MemoryCluster({ nodes: [], namespaces: [] })])), synced: new Set() };
      const state = new FleetState(stateConfig);
      const history: string[] = [`seed ${seed}`];
      const uids = { next: 0 };
      for (let i = 0; i < 150; i++) {
        history.push(step(world, state, rand, uids));
        // Every removed registry is forgotten by the state, so the comparison uses only the ones it knows.
        assertMatchesPlan(world, state, history);
      }
    }
  });
}

test('a pod change returns the IDs of exactly the entries it touched', () => {
  const state = new FleetState(config);
  const cluster = new MemoryCluster();
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('web', { podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } }));
  cluster.pods.set('shop/other', samplePod('shop', 'other', { labels: { app: 'web' } }));
  assert.equal(state.setClusterObjects('east', cluster).size, 1);
  cluster.pods.set('shop/web-1', samplePod('shop', 'web-1', { labels: { app: 'web' } }));
  const created = state.podChanged('east', 'shop/web-1');
  assert.equal(created.size, 1);
  const [id] = created;
  assert.equal(state.entry(id as string)?.selectors[0]?.value, 'pod-uid:uid-shop-web-1');
  cluster.pods.set('shop/web-1', samplePod('shop', 'web-1', { labels: { app: 'db' } }));
  assert.deepEqual(state.podChanged('east', 'shop/web-1'), new Set([id]));
  assert.equal(state.entry(id as string), undefined);
  assert.equal(state.entryCount, 1);
});

test('a pod that renders as before keeps the entry it holds and touches nothing; one that renders otherwise is replaced', () => {
  const state = new FleetState(config);
  const cluster = new MemoryCluster();
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('web', { podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } }));
  cluster.pods.set('shop/web-1', samplePod('shop', 'web-1', { labels: { app: 'web' } }));
  const [id] = state.setClusterObjects('east', cluster);
  const held = state.entry(id as string);
  assert.equal(state.podChanged('east', 'shop/web-1').size, 0);
  assert.equal(state.nodeChanged('east', 'node-a').size, 0);
  // The same rendered values, not a copy: the long-lived state is not replaced by a re-render (a resync's).
  assert.equal(state.entry(id as string)?.selectors, held?.selectors);
  cluster.pods.set('shop/web-1', samplePod('shop', 'web-1', { labels: { app: 'web' }, serviceAccountName: 'other' }));
  const changed = state.podChanged('east', 'shop/web-1');
  assert.ok(changed.has(id as string) && changed.size === 2, 'the old entry and the new one');
  assert.equal(state.entry(id as string), undefined);
});

/** Whether a reconciliation would keep `entry`, owned and not desired: diffEntries with the state's keep rules, as the Reconciler asks. */
function isKept(state: FleetState, entry: RegistrationEntry): boolean {
  const options = { entryIdPrefix: state.config.entryIDPrefix, keepIdPrefixes: state.keepIdPrefixes(), keepPodEntryIdPrefixes: state.keepPodEntryIdPrefixes(), keepPodUids: state.keepPodUids() };
  return diffEntries([], byId([entry]), options).deletes.length === 0;
}

test('an unsynced cluster keeps every pod entry under its prefix; a pod that failed to render keeps its own', () => {
  const state = new FleetState(config);
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('web', { spiffeIDTemplate: 'spiffe://example.org/v/{{ .PodMeta.Labels.ver }}' }));
  const prefix = state.clusterIdPrefix('east');
  const entry = registrationEntry({ id: `${prefix}abc`, spiffeId: 'spiffe://example.org/x', parentId: 'spiffe://example.org/y', selectors: [{ type: 'k8s', value: 'pod-uid:u1' }] });
  assert.equal(isKept(state, entry), true, 'unsynced');
  const declared = registrationEntry({ id: `${prefix}def`, spiffeId: 'spiffe://example.org/gone', parentId: 'spiffe://example.org/k8s-cluster/east-eks/nodes', selectors: [{ type: 'k8s', value: 'ns:shop' }] });
  assert.equal(isKept(state, declared), false, 'unsynced, but an entry that selects no pod depends on none: the desired state knows it');
  const cluster = new MemoryCluster({ namespaces: [] });
  state.setClusterObjects('east', cluster);
  assert.equal(isKept(state, entry), false, 'synced, and no such pod');
  cluster.pods.set('shop/p', samplePod('shop', 'p', { uid: 'u1' }));
  state.podChanged('east', 'shop/p');
  assert.equal(isKept(state, entry), true, 'its pod failed to render');
  assert.match(state.renderFailures()[0]?.message ?? '', /WorkloadIdentity web: cluster east: pod shop\/p: spec.spiffeIDTemplate/);
});

test('a held registry (its object is invalid) keeps every entry under its prefix until released', () => {
  const state = new FleetState(config);
  const prefix = state.clusterIdPrefix('broken');
  const entry = registrationEntry({ id: `${prefix}abc`, spiffeId: 'spiffe://example.org/x', parentId: 'spiffe://example.org/y', selectors: [{ type: 'k8s', value: 'pod-uid:u1' }] });
  assert.equal(isKept(state, entry), false, 'an unknown registry protects nothing');
  state.holdRegistry('broken');
  assert.equal(isKept(state, entry), true);
  assert.equal(isKept(state, { ...entry, selectors: [{ type: 'k8s', value: 'ns:shop' }] }), true, 'its ClusterSpiffeIDs\' entries too: which clusters they target depends on its labels');
  assert.deepEqual(state.keepIdPrefixes(), [prefix]);
  state.releaseRegistry('broken');
  assert.equal(isKept(state, entry), false);
});

test('a ClusterSpiffeID brings its node alias; the alias goes with the last entry parented to it', () => {
  const state = new FleetState(config);
  state.setRegistry(sampleRegistry('east'));
  const aliasId = (): string | undefined => [...state.entries()].find((entry) => entry.identities.includes('NodeAlias'))?.id;
  const api = sampleSpiffeId('api', { spiffeId: 'spiffe://example.org/api', selector: { namespace: 'shop' } });
  const created = state.setSpiffeId(api);
  assert.equal(state.entryCount, 2, 'its entry and the alias, before any pod');
  assert.ok(created.has(aliasId() as string));
  const alias = aliasId() as string;
  const gateway = sampleSpiffeId('gw', { spiffeId: 'spiffe://example.org/gw', parentId: 'spiffe://example.org/gateway', selector: { namespace: 'shop' } });
  state.setSpiffeId(gateway);
  assert.equal(state.entryCount, 3, 'a literal parent needs no alias');
  const removed = state.removeSpiffeId('ClusterSpiffeID/api');
  assert.ok(removed.has(alias), 'the alias is among the IDs to reconcile');
  assert.equal(state.entry(alias), undefined);
  assert.equal(state.entryCount, 1);
  state.setRegistry(sampleRegistry('east', { enabled: false }));
  assert.equal(state.entryCount, 0, 'a disabled cluster gets none');
});

test("a cluster's template reach is what the templates of the identities targeting it reach of pods and nodes", () => {
  const state = new FleetState(sampleConfig());
  state.setRegistry(sampleRegistry('east'));
  const containers = (cluster: string) => state.templateReach(cluster).pod.keys.get('spec')?.keys.get('containers');
  state.setIdentity(sampleIdentity('seed'));
  assert.equal(containers('east'), undefined);
  assert.ok(state.templateReach('east').node.keys.get('metadata')?.keys.get('uid')?.all, 'the default parentIDTemplate reads .NodeMeta.UID');
  state.setIdentity(sampleIdentity('by-container', { workloadSelectorTemplates: ['k8s:container-name:{{ (index .PodSpec.Containers 0).Name }}'] }));
  assert.equal(containers('east')?.elements?.keys.get('name')?.all, true);
  state.removeIdentity('by-container');
  assert.equal(containers('east'), undefined);
  assert.equal(state.templateReach('unknown').pod.keys.size, 0);
});

test('pods read as the informers read them, with the cluster template reach, render templates that reach containers', () => {
  const state = new FleetState(sampleConfig());
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('by-image', { spiffeIDTemplate: 'spiffe://example.org/image/{{ (index .PodSpec.Containers 0).Name }}' }));
  const raw = { metadata: { name: 'web-1', namespace: 'shop', uid: 'u1' }, spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'web:1' }] }, status: { phase: 'Running' } };
  const spiffeIds = (pod: ReturnType<typeof podFromKubernetes>) => {
    const cluster = new MemoryCluster();
    cluster.addPod(pod);
    state.setClusterObjects('east', cluster);
    return [...state.entries()].map((entry) => entry.spiffeId);
  };
  assert.deepEqual(spiffeIds(podFromKubernetes(raw, state.templateReach('east').pod)), ['spiffe://example.org/image/app']);
  // Without the reach the informers would keep no containers, and the template would fail on the pod.
  assert.deepEqual(spiffeIds(podFromKubernetes(raw)), []);
});
