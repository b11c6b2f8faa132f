import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClusterSpiffeID, type ClusterSpiffeID } from '../api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { parseSpiffeID, type SpiffeID } from '../api/spiffeid-v1beta1/spiffe-id.ts';
import { spiffeIdPolicy } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { parseClusterFederatedTrustDomain, type ClusterFederatedTrustDomain } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { parseClusterSPIFFEID, type ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { parseClusterStaticEntry, type ClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import { parseEKSClusterRegistry, type EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { parseWorkloadIdentity, type WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { Validated } from '../api/validation.ts';
import type { ClusterListener } from '../fleet/cluster-manager.ts';
import { clusterEntryIdPrefix } from '../identity/entry-id.ts';
import { EventRecorder } from '../kube/event-recorder.ts';
import { objectKey } from '../kube/kube-object.ts';
import { ObjectStore } from '../kube/object-store.ts';
import { StatusWriter } from '../kube/status-writer.ts';
import { WorkQueue } from '../kube/work-queue.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { createMetrics, type RegistrarMetrics } from '../observability/metrics.ts';
import { FleetState } from '../reconcile/fleet-state.ts';
import { Reconciler } from '../reconcile/reconciler.ts';
import { sampleConfig, samplePod } from '../../test/fixtures/fleet-objects.ts';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { MemoryCluster } from '../../test/support/memory-cluster.ts';
import { MemoryEntries } from '../../test/support/memory-entries.ts';
import { MemoryTrustDomains } from '../../test/support/memory-trust-domains.ts';
import { RecordingLogger } from '../../test/support/recording-logger.ts';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { Controller, entriesFinalizer, type ClusterShard, type Clusters, type ManagedObjects } from './controller.ts';
import { FederationRelationships } from './federation-relationships.ts';
import { managedObject, type ManagedObject } from './managed-object.ts';
import { objectHandlers } from './object-handlers.ts';
import { workItem, type WorkItem, type WorkKey } from './work-item.ts';

const group = 'eksclusterregistry.spire.spiffe.io';
const spiffeIdApi = { group: 'spiffeid.spiffe.io', version: 'v1beta1' };
const spireApi = { group: 'spire.spiffe.io', version: 'v1alpha1' };

/** A management informer's cache, filled by the test. */
class Managed<T> implements ManagedObjects<T> {
  readonly store = new ObjectStore<ManagedObject<T>>();
  readonly #transform: (raw: unknown) => ManagedObject<T>;
  constructor(parse: (raw: unknown) => Validated<T>) {
    this.#transform = managedObject(parse);
  }
  put(raw: Record<string, unknown>): ManagedObject<T> {
    const object = this.#transform(raw);
    this.store.set(objectKey(object), { object, uid: object.uid, resourceVersion: object.resourceVersion });
    return object;
  }
  remove(name: string): void {
    this.store.delete(name);
  }
  hasSynced = (): boolean => true;
  waitForSync = async (): Promise<void> => {};
}

/** The cluster connections: the test plays the ClusterManager's part through `listener`. */
class FakeClusters implements Clusters {
  readonly listener: ClusterListener;
  readonly connected = new Map<string, EKSClusterRegistry>();
  constructor(listener: ClusterListener) {
    this.listener = listener;
  }
  async setRegistry(registry: EKSClusterRegistry): Promise<void> {
    // As ClusterManager does: a new connection says so before setRegistry returns.
    if (!this.connected.has(registry.metadata.name)) this.listener.status(registry.metadata.name, { ready: false, reason: 'Connecting', message: 'describing' });
    this.connected.set(registry.metadata.name, registry);
  }
  async remove(name: string): Promise<void> {
    this.connected.delete(name);
  }
  async refresh(): Promise<void> {}
  async stopAll(): Promise<void> {
    this.connected.clear();
  }
}

/** The management apiserver's answers to status patches, events and finalizer patches, recorded. */
class Management {
  readonly name = 'management';
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  async requestJson(method: string, path: string, options: { body?: unknown } = {}): Promise<unknown> {
    this.requests.push({ method, path, body: options.body });
    const body = options.body as { status?: unknown } | undefined;
    return body?.status !== undefined ? { status: body.status } : {};
  }
  statusWrites(plural: string, name: string): unknown[] {
    return this.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/${plural}/${name}/status`)).map((r) => (r.body as { status: unknown }).status);
  }
}

function registryObject(name: string, fields: { enabled?: boolean; finalizers?: string[]; deleting?: boolean; region?: string; generation?: number } = {}): Record<string, unknown> {
  return {
    apiVersion: `${group}/v1alpha1`,
    kind: 'EKSClusterRegistry',
    metadata: {
      name,
      uid: `uid-${name}`,
      generation: fields.generation ?? 1,
      resourceVersion: '10',
      finalizers: fields.finalizers ?? [],
      ...(fields.deleting ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}),
    },
    spec: { clusterName: name, region: fields.region ?? 'us-west-2', accountId: '123456789012', enabled: fields.enabled ?? true },
  };
}

function identityObject(name: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: `${group}/v1alpha1`,
    kind: 'WorkloadIdentity',
    metadata: { name, uid: `uid-${name}`, generation: 1, resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z', annotations },
    spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/pod/{{ .PodMeta.Name }}', namespace: 'shop', ...spec },
  };
}

function setup(options: { leaderElect?: boolean; podController?: ControllerManagerConfig['podController']; shard?: ClusterShard } = {}): {
  controller: Controller;
  metrics: RegistrarMetrics;
  entries: MemoryEntries;
  registries: Managed<EKSClusterRegistry>;
  identities: Managed<WorkloadIdentity>;
  clusterSpiffeIds: Managed<ClusterSpiffeID>;
  spiffeIds: Managed<SpiffeID>;
  clusterSPIFFEIDs: Managed<ClusterSPIFFEID>;
  clusterStaticEntries: Managed<ClusterStaticEntry>;
  clusterFederatedTrustDomains: Managed<ClusterFederatedTrustDomain>;
  trustDomains: MemoryTrustDomains;
  /** The claim patches the apiserver stored, by object name, until the test delivers them to the informer. */
  claimPatches: Map<string, { resourceVersion: string; finalizers: readonly string[]; claim: string | undefined }>;
  clusters: () => FakeClusters;
  management: Management;
  queue: WorkQueue<WorkKey>;
  clock: ManualClock;
  run: (item: WorkItem) => Promise<void>;
  flush: () => Promise<void>;
} {
  const defaults = sampleConfig();
  const config = sampleConfig({ leaderElection: { ...defaults.leaderElection, leaderElect: options.leaderElect ?? false }, podController: options.podController ?? defaults.podController });
  const logger = new RecordingLogger();
  const entries = new MemoryEntries();
  const state = new FleetState(config);
  const registries = new Managed(parseEKSClusterRegistry);
  const identities = new Managed(parseWorkloadIdentity);
  const clusterSpiffeIds = new Managed((raw) => parseClusterSpiffeID(raw, config.trustDomain));
  const policy = spiffeIdPolicy(config);
  const spiffeIds = new Managed((raw) => parseSpiffeID(raw, config.trustDomain, policy));
  const clusterSPIFFEIDs = new Managed((raw) => parseClusterSPIFFEID(raw, config.trustDomain));
  const clusterStaticEntries = new Managed((raw) => parseClusterStaticEntry(raw, config.trustDomain));
  const clusterFederatedTrustDomains = new Managed((raw) => parseClusterFederatedTrustDomain(raw, config.trustDomain));
  const trustDomains = new MemoryTrustDomains();
  const claimPatches = new Map<string, { resourceVersion: string; finalizers: readonly string[]; claim: string | undefined }>();
  const management = new Management();
  const clock = new ManualClock();
  const queue = new WorkQueue<WorkKey>({ clock });
  let clusters: FakeClusters | undefined;
  const writer = (plural: string, api = { group, version: 'v1alpha1' }, namespaced = false): StatusWriter =>
    new StatusWriter({ connection: management, ...api, plural, namespaced, logger, clock, minIntervalMs: 0 });
  const registryStatus = writer('eksclusterregistries');
  const identityStatus = writer('workloadidentities');
  const clusterSpiffeIdStatus = writer('clusterspiffeids', spiffeIdApi);
  const spiffeIdStatus = writer('spiffeids', spiffeIdApi, true);
  const clusterSPIFFEIDStatus = writer('clusterspiffeids', spireApi);
  const clusterStaticEntryStatus = writer('clusterstaticentries', spireApi);
  const events = new EventRecorder({ connection: management, logger, clock, instance: 'test' });
  const metrics = createMetrics();
  const federation = new FederationRelationships({
    config,
    logger,
    metrics,
    objects: clusterFederatedTrustDomains,
    client: trustDomains,
    status: writer('clusterfederatedtrustdomains', spireApi),
    events,
    patchClaim: async (name, resourceVersion, finalizers, claim) => {
      await management.requestJson('PATCH', `/apis/spire.spiffe.io/v1alpha1/clusterfederatedtrustdomains/${name}`, { body: { metadata: { finalizers, resourceVersion, annotations: { claim } } } });
      const stored = { resourceVersion: `${resourceVersion}+`, finalizers, claim };
      claimPatches.set(name, stored);
      return stored;
    },
  });
  const controller: Controller = new Controller({
    config,
    logger,
    metrics,
    state,
    reconciler: new Reconciler({ client: entries, state, logger, heldPrefixes: () => controller.heldPrefixes() }),
    registries,
    identities,
    clusterSpiffeIds,
    spiffeIds,
    clusterSPIFFEIDs,
    clusterStaticEntries,
    federation,
    clusters: (listener) => (clusters = new FakeClusters(listener)),
    registryStatus,
    identityStatus,
    clusterSpiffeIdStatus,
    spiffeIdStatus,
    clusterSPIFFEIDStatus,
    clusterStaticEntryStatus,
    events,
    patchRegistryFinalizers: async (name, resourceVersion, finalizers) => {
      await management.requestJson('PATCH', `/apis/${group}/v1alpha1/eksclusterregistries/${name}`, { body: { metadata: { finalizers, resourceVersion } } });
    },
    queue,
    ...(options.shard === undefined ? {} : { shard: options.shard }),
  });
  const signal = new AbortController().signal;
  return {
    controller,
    metrics,
    entries,
    registries,
    identities,
    clusterSpiffeIds,
    spiffeIds,
    clusterSPIFFEIDs,
    clusterStaticEntries,
    clusterFederatedTrustDomains,
    trustDomains,
    claimPatches,
    clusters: () => clusters as FakeClusters,
    management,
    queue,
    clock,
    run: (item) => controller.process(item, signal),
    flush: async () => {
      await Promise.all([registryStatus, identityStatus, clusterSpiffeIdStatus, spiffeIdStatus, clusterSPIFFEIDStatus, clusterStaticEntryStatus, federation, events].map((sink) => sink.flush()));
    },
  };
}

const east = clusterEntryIdPrefix('eks-workload-', 'east');

/** The cluster `east` synced with pods web-0..web-(n-1) in `shop`, taken in by the controller. */
async function syncEast(t: ReturnType<typeof setup>, pods = 2): Promise<MemoryCluster> {
  const cluster = new MemoryCluster();
  for (let i = 0; i < pods; i++) cluster.addPod(samplePod('shop', `web-${i}`));
  t.clusters().listener.status('east', { ready: true, reason: 'Synced', message: 'watching' });
  t.clusters().listener.synced('east', cluster);
  await t.run({ kind: 'cluster', cluster: 'east' });
  return cluster;
}

/** The identity `web` and the registry `east`, processed, and `east` synced with `pods` pods. */
async function webOnEast(t: ReturnType<typeof setup>, pods = 2): Promise<MemoryCluster> {
  t.identities.put(identityObject('web'));
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'identity', name: 'web' });
  await t.run({ kind: 'registry', name: 'east' });
  return syncEast(t, pods);
}

function ownedIds(entries: MemoryEntries, prefix = east): string[] {
  return [...entries.entries.keys()].filter((id) => id.startsWith(prefix)).sort();
}

test('readiness: a standby is ready; a leader not before the first full reconciliation, and after it', async () => {
  assert.ok(setup({ leaderElect: true }).controller.readiness().every((check) => check.check() === true));
  const t = setup();
  t.identities.put(identityObject('web'));
  t.registries.put(registryObject('east'));
  const notReady = t.controller.readiness().map((check) => [check.name, check.check()]);
  assert.deepEqual(notReady, [
    ['management-informers', true],
    ['spire', 'SPIRE server not reachable'],
    ['full-reconciliation', 'the first full reconciliation is not done'],
  ]);
  // The first full reconciliation waits for the cluster, which syncs meanwhile.
  const full = t.run({ kind: 'full' });
  await new Promise((resolve) => setImmediate(resolve));
  const cluster = new MemoryCluster();
  cluster.addPod(samplePod('shop', 'web-0'));
  t.clusters().listener.status('east', { ready: true, reason: 'Synced', message: 'watching' });
  t.clusters().listener.synced('east', cluster);
  await full;
  assert.ok(t.controller.readiness().every((check) => check.check() === true));
  assert.equal(ownedIds(t.entries).length, 1, 'the first full reconciliation compared the synced cluster');
});

test('a registry: added (finalizer set, cluster connected), disabled (entries deleted), deleted (finalizer removed)', async () => {
  const t = setup();
  t.identities.put(identityObject('web'));
  await t.run({ kind: 'identity', name: 'web' });
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  const patches = t.management.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/eksclusterregistries/east'));
  assert.deepEqual(patches.map((p) => p.body), [{ metadata: { finalizers: [entriesFinalizer], resourceVersion: '10' } }]);
  assert.ok(t.clusters().connected.has('east'));
  await syncEast(t);
  assert.equal(ownedIds(t.entries).length, 2);

  t.registries.put(registryObject('east', { enabled: false, finalizers: [entriesFinalizer] }));
  await t.run({ kind: 'registry', name: 'east' });
  assert.deepEqual(ownedIds(t.entries), [], 'a disabled registry loses its entries');

  t.registries.put(registryObject('east', { finalizers: [entriesFinalizer, 'other/keep'], deleting: true }));
  await t.run({ kind: 'registry', name: 'east' });
  const last = t.management.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/eksclusterregistries/east')).at(-1);
  assert.deepEqual(last?.body, { metadata: { finalizers: ['other/keep'], resourceVersion: '10' } });
  assert.equal(t.clusters().connected.has('east'), false);
});

test('an identity change re-renders its pods: entries move to the new SPIFFE IDs', async () => {
  const t = setup();
  await webOnEast(t);
  const spiffeIds = (): string[] => [...t.entries.entries.values()].map((e) => e.spiffeId).sort();
  assert.deepEqual(spiffeIds(), ['spiffe://example.org/ns/shop/pod/web-0', 'spiffe://example.org/ns/shop/pod/web-1']);
  t.identities.put(identityObject('web', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/app/{{ .PodMeta.Name }}' }));
  await t.run({ kind: 'identity', name: 'web' });
  assert.deepEqual(spiffeIds(), ['spiffe://example.org/app/web-0', 'spiffe://example.org/app/web-1']);
});

test('the items queued at start for objects the first full reconciliation took in render no pod again, nor does a periodic full reconciliation; a changed object and a retry after failed writes do', async () => {
  const t = setup();
  let renders = 0;
  const cluster = new (class extends MemoryCluster {
    override pod(key: string): ReturnType<MemoryCluster['pod']> {
      renders++;
      return super.pod(key);
    }
  })();
  for (let i = 0; i < 3; i++) cluster.addPod(samplePod('shop', `web-${i}`));
  t.identities.put(identityObject('web'));
  t.registries.put(registryObject('east'));
  const full = t.run({ kind: 'full' });
  await new Promise((resolve) => setImmediate(resolve));
  t.clusters().listener.status('east', { ready: true, reason: 'Synced', message: 'watching' });
  t.clusters().listener.synced('east', cluster);
  await full;
  assert.deepEqual([ownedIds(t.entries).length, renders], [3, 3], 'the first full reconciliation rendered each pod once');

  await t.run({ kind: 'registry', name: 'east' });
  await t.run({ kind: 'identity', name: 'web' });
  assert.equal(renders, 3, 'the queued items rendered nothing again');
  const finalizerPatches = t.management.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/eksclusterregistries/east'));
  assert.deepEqual(finalizerPatches.map((p) => p.body), [{ metadata: { finalizers: [entriesFinalizer], resourceVersion: '10' } }], 'the registry item still set its finalizer');
  // The finalizer comes back as an update, and is the registry's item again.
  t.registries.put(registryObject('east', { finalizers: [entriesFinalizer] }));
  await t.run({ kind: 'registry', name: 'east' });
  assert.equal(renders, 3, 'nor the finalizer coming back');

  await t.run({ kind: 'full' });
  assert.equal(renders, 3, 'a periodic full reconciliation lists and compares: the state is kept by events');

  // A changed identity whose writes fail: its retry (the same object) renders and writes again, and deletes
  // the entries of the old SPIFFE IDs, which the failed attempt did not reach.
  let failing = true;
  const create = t.entries.createEntries.bind(t.entries);
  t.entries.createEntries = async (entries) => (failing ? entries.map((entry) => ({ kind: 'error', code: 14, entryId: entry.id, spiffeId: entry.spiffeId, message: 'unavailable', callFailed: true })) : create(entries));
  t.identities.put(identityObject('web', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/app/{{ .PodMeta.Name }}' }));
  await assert.rejects(t.run({ kind: 'identity', name: 'web' }), /3 SPIRE writes failed/);
  assert.equal(renders, 6);
  failing = false;
  await t.run({ kind: 'identity', name: 'web' });
  assert.equal(renders, 9);
  assert.deepEqual([...t.entries.entries.values()].map((e) => e.spiffeId).sort(), ['spiffe://example.org/app/web-0', 'spiffe://example.org/app/web-1', 'spiffe://example.org/app/web-2']);
});

test('a cluster lost keeps its entries, even across a full reconciliation; a pod gone while synced loses its entry', async () => {
  const t = setup();
  const cluster = await webOnEast(t, 3);
  const before = ownedIds(t.entries);
  assert.equal(before.length, 3);
  t.clusters().listener.status('east', { ready: false, reason: 'Unreachable', message: 'pods: connection refused' });
  t.clusters().listener.lost('east');
  await t.run({ kind: 'cluster', cluster: 'east' });
  await t.run({ kind: 'full' });
  assert.deepEqual(ownedIds(t.entries), before);
  t.clusters().listener.synced('east', cluster);
  await t.run({ kind: 'cluster', cluster: 'east' });
  cluster.pods.delete('shop/web-2');
  await t.run({ kind: 'pod', cluster: 'east', key: 'shop/web-2' });
  assert.equal(ownedIds(t.entries).length, 2);
});

test('the reconcile annotation is a full reconciliation; a status-only update is nothing; a finalizer change is the object\'s item', () => {
  const items: WorkItem[] = [];
  const handlers = objectHandlers<WorkloadIdentity>((name) => ({ kind: 'identity', name }), (item) => items.push(item));
  const transform = managedObject(parseWorkloadIdentity);
  const plain = transform(identityObject('web'));
  const withStatus = transform({ ...identityObject('web'), status: { stats: { podsSelected: 3 } } });
  handlers.onUpdate?.(plain, withStatus, 'web');
  assert.deepEqual(items, []);
  handlers.onUpdate?.(plain, transform(identityObject('web', {}, { reconcile: 'now' })), 'web');
  assert.deepEqual(items, [{ kind: 'full' }], 'a full reconciliation lists and repairs; the identity is not rendered once more');
  handlers.onUpdate?.(plain, transform(identityObject('web', {}, { team: 'payments' })), 'web');
  assert.deepEqual(items.at(-1), { kind: 'identity', name: 'web' }, 'another annotation is the identity\'s item');
  const finalized = transform({ ...identityObject('web'), metadata: { ...(identityObject('web').metadata as object), finalizers: ['example.org/keep'] } });
  assert.equal(finalized.intent, plain.intent, 'finalizers are no part of the intent');
  handlers.onUpdate?.(plain, finalized, 'web');
  assert.deepEqual(items.at(-1), { kind: 'identity', name: 'web' });
});

test('statuses are written only when they change', async () => {
  const t = setup();
  await webOnEast(t);
  await t.run({ kind: 'status' });
  await t.flush();
  assert.equal(t.management.statusWrites('workloadidentities', 'web').length, 1);
  assert.equal(t.management.statusWrites('eksclusterregistries', 'east').length, 1);
  await t.run({ kind: 'status' });
  await t.flush();
  assert.equal(t.management.statusWrites('workloadidentities', 'web').length, 1, 'nothing changed: no write');
  assert.equal(t.management.statusWrites('eksclusterregistries', 'east').length, 1);
  await syncEast(t, 3);
  await t.run({ kind: 'status' });
  await t.flush();
  const writes = t.management.statusWrites('workloadidentities', 'web') as { stats?: { entriesRegistered?: number } }[];
  assert.equal(writes.length, 2);
  assert.equal(writes[1]?.stats?.entriesRegistered, 3);
});

test('an invalid spec is Ready=False/InvalidSpec naming the field, an event, and no entry deleted', async () => {
  const t = setup();
  await webOnEast(t);
  t.registries.put(registryObject('east', { region: 'moon-1', finalizers: [entriesFinalizer] }));
  await t.run({ kind: 'registry', name: 'east' });
  t.identities.put(identityObject('web', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain' }));
  await t.run({ kind: 'identity', name: 'web' });
  await t.run({ kind: 'full' });
  assert.equal(ownedIds(t.entries).length, 2, 'unknown intent deletes nothing');
  await t.run({ kind: 'status' });
  await t.flush();
  const ready = (plural: string, name: string): { status: string; reason: string; message: string } | undefined => {
    const last = t.management.statusWrites(plural, name).at(-1) as { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined;
    return last?.conditions?.find((c) => c.type === 'Ready');
  };
  const registry = ready('eksclusterregistries', 'east');
  assert.deepEqual([registry?.status, registry?.reason], ['False', 'InvalidSpec']);
  assert.match(registry?.message ?? '', /spec\.region/);
  const identity = ready('workloadidentities', 'web');
  assert.deepEqual([identity?.status, identity?.reason], ['False', 'InvalidSpec']);
  assert.match(identity?.message ?? '', /spec\.spiffeIDTemplate/);
  const reasons = t.management.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/events')).map((r) => (r.body as { reason: string; involvedObject: { name: string } }).reason);
  assert.deepEqual(reasons.filter((reason) => reason === 'InvalidSpec').length, 2);
});

test('a failed full reconciliation is scheduled again within a gcInterval, whatever the backoff', async () => {
  const t = setup();
  t.entries.listEntryPages = async function* () {
    yield await Promise.reject(new Error('spire-server unavailable'));
  };
  await assert.rejects(t.run({ kind: 'full' }), /unavailable/);
  assert.deepEqual([t.queue.delayed, t.queue.length], [1, 0]);
  await t.clock.advance(sampleConfig().gcIntervalMs);
  assert.equal(t.queue.length, 1);
  assert.deepEqual(workItem((await t.queue.get()) as WorkKey), { kind: 'full' });
});

// ClusterSpiffeID and SpiffeID.

function spiffeIdObject(name: string, spec: Record<string, unknown>, options: { namespace?: string; created?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'spiffeid.spiffe.io/v1beta1',
    kind: options.namespace === undefined ? 'ClusterSpiffeID' : 'SpiffeID',
    metadata: { name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }), uid: `uid-${name}`, generation: 1, resourceVersion: '7', creationTimestamp: options.created ?? '2026-02-01T00:00:00Z' },
    spec,
  };
}

interface SpiffeIdStatusJson {
  clustersTargeted: number;
  entriesRegistered: number;
  entriesMasked: number;
  clusters: { cluster: string; entryId: string; state: string; message: string }[];
  conditions: { type: string; status: string; reason: string; message: string }[];
}

function lastStatus(t: ReturnType<typeof setup>, plural: string, name: string): SpiffeIdStatusJson | undefined {
  return t.management.statusWrites(plural, name).at(-1) as SpiffeIdStatusJson | undefined;
}

test('a ClusterSpiffeID: its entry and the node alias before any pod or sync, a status per cluster; deleted, both go though the cluster never synced, and its pod entries stay', async () => {
  const t = setup();
  // An entry of a pod of east, which the controller cannot know while east is not synced.
  const podEntry = registrationEntry({ id: `${east}pod`, spiffeId: 'spiffe://example.org/ns/shop/sa/web', parentId: 'spiffe://example.org/spire/agent/k8s_psat/east-eks/n1', selectors: [{ type: 'k8s', value: 'pod-uid:u1' }] });
  t.entries.entries.set(podEntry.id, podEntry);
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  t.clusterSpiffeIds.put(spiffeIdObject('api', { spiffeId: 'spiffe://example.org/api', selector: { namespace: 'shop', serviceAccount: 'api' } }));
  await t.run({ kind: 'clusterspiffeid', name: 'api' });
  const entries = [...t.entries.entries.values()].filter((entry) => entry !== podEntry).map((entry) => [entry.spiffeId, entry.parentId]).sort();
  assert.deepEqual(entries, [
    ['spiffe://example.org/api', 'spiffe://example.org/k8s-cluster/east/nodes'],
    ['spiffe://example.org/k8s-cluster/east/nodes', 'spiffe://example.org/spire/server'],
  ]);
  assert.ok(ownedIds(t.entries).length === 3, 'under the cluster prefix, though the cluster never synced');
  await t.run({ kind: 'status' });
  await t.flush();
  const status = lastStatus(t, 'clusterspiffeids', 'api');
  const apiEntry = [...t.entries.entries.values()].find((entry) => entry.spiffeId === 'spiffe://example.org/api');
  assert.deepEqual([status?.clustersTargeted, status?.entriesRegistered, status?.entriesMasked], [1, 1, 0]);
  assert.deepEqual(status?.clusters, [{ cluster: 'east', entryId: apiEntry?.id, state: 'Written', message: '' }]);
  assert.deepEqual(status?.conditions.map((c) => [c.type, c.status, c.reason]), [['Ready', 'True', 'Reconciled']]);

  t.clusterSpiffeIds.remove('api');
  await t.run({ kind: 'clusterspiffeid', name: 'api' });
  assert.deepEqual(ownedIds(t.entries), [podEntry.id], 'the entry goes, and the alias with its last user: they depend on no pod; the unsynced cluster keeps its pod entry');
  // Still connecting, the first full reconciliation would wait for it.
  t.clusters().listener.status('east', { ready: false, reason: 'Unreachable', message: 'pods: connection refused' });
  await t.run({ kind: 'full' });
  assert.deepEqual(ownedIds(t.entries), [podEntry.id], 'a full reconciliation too');
});

test('a SpiffeID reaching into another namespace (its pods, its IDs): Ready=False naming the fields, an event in its namespace, no entry', async () => {
  const t = setup();
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  t.spiffeIds.put(spiffeIdObject('web', { spiffeId: 'spiffe://example.org/ns/bank/web', selector: { namespace: 'bank' } }, { namespace: 'shop' }));
  await t.run({ kind: 'spiffeid', key: 'shop/web' });
  await t.run({ kind: 'status' });
  await t.flush();
  assert.deepEqual(ownedIds(t.entries), []);
  const writes = t.management.requests.filter((r) => r.method === 'PATCH' && r.path === '/apis/spiffeid.spiffe.io/v1beta1/namespaces/shop/spiffeids/web/status');
  const ready = (writes.at(-1)?.body as { status: SpiffeIdStatusJson } | undefined)?.status.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason], ['False', 'InvalidSpec']);
  assert.match(ready?.message ?? '', /^SpiffeID shop\/web: spec\.selector\.namespace: namespace "bank" is not this SpiffeID's own "shop"/);
  assert.match(ready?.message ?? '', /; SpiffeID shop\/web: spec\.spiffeId: "spiffe:\/\/example.org\/ns\/bank\/web" is not under "spiffe:\/\/example.org\/ns\/shop\/"/);
  const event = t.management.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/shop/events');
  assert.equal((event?.body as { reason: string } | undefined)?.reason, 'InvalidSpec');

  t.spiffeIds.put(spiffeIdObject('web', { spiffeId: 'spiffe://example.org/ns/shop/web', selector: { namespace: 'shop' } }, { namespace: 'shop' }));
  await t.run({ kind: 'spiffeid', key: 'shop/web' });
  const selectors = [...t.entries.entries.values()].filter((entry) => entry.spiffeId === 'spiffe://example.org/ns/shop/web').map((entry) => entry.selectors.map((selector) => `${selector.type}:${selector.value}`));
  assert.deepEqual(selectors, [['k8s:ns:shop']]);
});

test('a ClusterSpiffeID and a WorkloadIdentity wanting the same key: one entry, the older decides, the other reports it masked', async () => {
  const t = setup();
  await webOnEast(t, 1);
  const [wanted] = [...t.entries.entries.values()];
  assert.ok(wanted !== undefined);
  t.clusterSpiffeIds.put(spiffeIdObject('same', { spiffeId: wanted.spiffeId, parentId: wanted.parentId, selector: { podUid: 'uid-shop-web-0' }, ttl: '1h' }));
  await t.run({ kind: 'clusterspiffeid', name: 'same' });
  assert.deepEqual([...t.entries.entries.values()], [wanted], 'the older WorkloadIdentity decides: nothing written');
  await t.run({ kind: 'status' });
  await t.flush();
  assert.deepEqual(lastStatus(t, 'clusterspiffeids', 'same')?.clusters, [
    { cluster: 'east', entryId: wanted.id, state: 'Masked', message: "WorkloadIdentity web wants the same entry and is older: it decides the entry's fields" },
  ]);
  t.identities.remove('web');
  await t.run({ kind: 'identity', name: 'web' });
  assert.deepEqual([...t.entries.entries.values()].map((entry) => [entry.id, entry.x509SvidTtl]), [[wanted.id, 3600]], 'the same entry, now with the fields of the ClusterSpiffeID');
});

/** A spire.spiffe.io object (ClusterSPIFFEID or ClusterStaticEntry) as the management apiserver serves it. */
function spireObject(kind: 'ClusterSPIFFEID' | 'ClusterStaticEntry', name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'spire.spiffe.io/v1alpha1', kind, metadata: { name, uid: `uid-${name}`, generation: 1, resourceVersion: '9', creationTimestamp: '2026-03-01T00:00:00Z' }, spec };
}

function spireStatus(t: ReturnType<typeof setup>, plural: string, name: string): Record<string, unknown> | undefined {
  const writes = t.management.requests.filter((r) => r.method === 'PATCH' && r.path === `/apis/spire.spiffe.io/v1alpha1/${plural}/${name}/status`);
  return (writes.at(-1)?.body as { status: Record<string, unknown> } | undefined)?.status;
}

test("a ClusterSPIFFEID: an entry per selected pod of the synced cluster, SCM's stats in its status; deleted, the entries go", async () => {
  const t = setup();
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  await syncEast(t, 2);
  t.clusterSPIFFEIDs.put(spireObject('ClusterSPIFFEID', 'scm', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', hint: 'scm' }));
  await t.run({ kind: 'clusterSPIFFEID', name: 'scm' });
  const written = [...t.entries.entries.values()].map((entry) => [entry.spiffeId, entry.selectors.map((selector) => `${selector.type}:${selector.value}`).join(','), entry.hint]).sort();
  assert.deepEqual(written, [
    ['spiffe://example.org/ns/shop/sa/default', 'k8s:pod-uid:uid-shop-web-0', 'scm'],
    ['spiffe://example.org/ns/shop/sa/default', 'k8s:pod-uid:uid-shop-web-1', 'scm'],
  ]);
  await t.run({ kind: 'status' });
  await t.flush();
  const status = spireStatus(t, 'clusterspiffeids', 'scm') as { stats: Record<string, number>; conditions: { reason: string }[] } | undefined;
  assert.deepEqual(status?.stats, { namespacesSelected: 1, namespacesIgnored: 0, podsSelected: 2, podEntryRenderFailures: 0, entriesMasked: 0, entriesToSet: 2, entryFailures: 0 });
  assert.deepEqual(status?.conditions.map((c) => c.reason), ['Reconciled']);

  t.clusterSPIFFEIDs.remove('scm');
  await t.run({ kind: 'clusterSPIFFEID', name: 'scm' });
  assert.deepEqual(ownedIds(t.entries), []);
});

test('an invalid ClusterSPIFFEID: Ready=False naming the field, an InvalidSpec event, no entry', async () => {
  const t = setup();
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  await syncEast(t, 1);
  t.clusterSPIFFEIDs.put(spireObject('ClusterSPIFFEID', 'bad', { spiffeIDTemplate: 'spiffe://other.org/x' }));
  await t.run({ kind: 'clusterSPIFFEID', name: 'bad' });
  await t.run({ kind: 'status' });
  await t.flush();
  assert.deepEqual(ownedIds(t.entries), []);
  const ready = (spireStatus(t, 'clusterspiffeids', 'bad') as { conditions: { status: string; reason: string; message: string }[] } | undefined)?.conditions[0];
  assert.deepEqual([ready?.status, ready?.reason], ['False', 'InvalidSpec']);
  assert.match(ready?.message ?? '', /^ClusterSPIFFEID bad: spec\.spiffeIDTemplate: /);
  const event = t.management.requests.find((r) => r.method === 'POST' && (r.body as { reason?: string }).reason === 'InvalidSpec');
  assert.equal((event?.body as { involvedObject: { apiVersion: string } } | undefined)?.involvedObject.apiVersion, 'spire.spiffe.io/v1alpha1');
});

test("a ClusterStaticEntry: its literal entry before any sync, SCM's rendered, masked and set in its status; one of another class is left alone; deleted, its entry goes before any sync too", async () => {
  const t = setup();
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  t.clusterStaticEntries.put(spireObject('ClusterStaticEntry', 'db', { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/spire/agent/join_token/host', selectors: ['unix:uid:999'] }));
  t.clusterStaticEntries.put(spireObject('ClusterStaticEntry', 'theirs', { spiffeID: 'spiffe://example.org/theirs', parentID: 'spiffe://example.org/spire/agent/join_token/host', selectors: ['unix:uid:1'], className: 'other' }));
  await t.run({ kind: 'clusterStaticEntry', name: 'db' });
  await t.run({ kind: 'clusterStaticEntry', name: 'theirs' });
  assert.deepEqual([...t.entries.entries.values()].map((entry) => [entry.spiffeId, entry.parentId]), [['spiffe://example.org/db', 'spiffe://example.org/spire/agent/join_token/host']]);
  await t.run({ kind: 'status' });
  await t.flush();
  const status = spireStatus(t, 'clusterstaticentries', 'db') as { rendered: boolean; masked: boolean; set: boolean } | undefined;
  assert.deepEqual([status?.rendered, status?.masked, status?.set], [true, false, true]);
  assert.equal(spireStatus(t, 'clusterstaticentries', 'theirs'), undefined, "another controller's object: no status written");

  t.clusterStaticEntries.remove('db');
  await t.run({ kind: 'clusterStaticEntry', name: 'db' });
  assert.deepEqual(ownedIds(t.entries), [], 'it goes at once, though the cluster never synced: it depends on no pod');
});

test('the pod controller: a labelled pod gets its entry, losing the label loses it; a bad value fails that pod alone, on its registry', async () => {
  const t = setup({ podController: { enabled: true, podLabel: 'spiffe.io/spiffe-id', podAnnotation: '' } });
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'registry', name: 'east' });
  const cluster = await syncEast(t, 0);
  cluster.addPod(samplePod('shop', 'web-0', { labels: { 'spiffe.io/spiffe-id': 'shop/web' } }));
  t.clusters().listener.pod('east', 'shop/web-0');
  await t.run({ kind: 'pod', cluster: 'east', key: 'shop/web-0' });
  const selectors = [...t.entries.entries.values()].map((entry) => [entry.spiffeId, entry.selectors.map((selector) => `${selector.type}:${selector.value}`).join(',')]);
  assert.deepEqual(selectors, [['spiffe://example.org/shop/web', 'k8s:ns:shop,k8s:pod-uid:uid-shop-web-0']]);

  cluster.addPod(samplePod('shop', 'web-0'));
  await t.run({ kind: 'pod', cluster: 'east', key: 'shop/web-0' });
  assert.deepEqual(ownedIds(t.entries), [], 'the label removed: the entry goes');

  cluster.addPod(samplePod('shop', 'web-0', { labels: { 'spiffe.io/spiffe-id': 'shop/web' } }));
  cluster.addPod(samplePod('shop', 'bad', { labels: { 'spiffe.io/spiffe-id': '' } }));
  await t.run({ kind: 'pod', cluster: 'east', key: 'shop/web-0' });
  await t.run({ kind: 'pod', cluster: 'east', key: 'shop/bad' });
  assert.equal(ownedIds(t.entries).length, 1, 'the other pod keeps its entry');
  await t.run({ kind: 'status' });
  await t.flush();
  const event = t.management.requests.find((r) => r.method === 'POST' && (r.body as { reason?: string }).reason === 'PodIdentityFailed')?.body as { involvedObject: { kind: string; name: string }; message: string } | undefined;
  assert.deepEqual(event?.involvedObject.kind, 'EKSClusterRegistry');
  assert.match(event?.message ?? '', /^config podController: cluster east: pod shop\/bad: label spiffe.io\/spiffe-id: rendered "spiffe:\/\/example.org\/"/);
  assert.match(await t.metrics.registry.metrics(), /spire_eks_registrar_pod_controller_render_failures\{cluster="east"\} 1/);
});

test('an entry the SPIRE server refuses: the others are written; the identity is Ready=False/EntryFailed with an EntryFailed event naming it, until the server takes it', async () => {
  const t = setup();
  const refused = 'spiffe://example.org/ns/shop/pod/web-1';
  let refusing = true;
  const create = t.entries.createEntries.bind(t.entries);
  t.entries.createEntries = async (entries) => {
    const accepted = await create(entries.filter((entry) => !refusing || entry.spiffeId !== refused));
    return entries.map(
      (entry) =>
        accepted.find((outcome) => outcome.entryId === entry.id) ?? { kind: 'error', code: 13, entryId: entry.id, spiffeId: entry.spiffeId, message: 'failed to create entry: unable to find federated bundle "spiffe://partner.example"' },
    );
  };
  t.identities.put(identityObject('web'));
  t.registries.put(registryObject('east'));
  await t.run({ kind: 'identity', name: 'web' });
  await t.run({ kind: 'registry', name: 'east' });
  const cluster = new MemoryCluster();
  for (const name of ['web-0', 'web-1']) cluster.addPod(samplePod('shop', name));
  t.clusters().listener.status('east', { ready: true, reason: 'Synced', message: 'watching' });
  t.clusters().listener.synced('east', cluster);
  await assert.rejects(t.run({ kind: 'cluster', cluster: 'east' }), /1 SPIRE writes failed/);
  assert.deepEqual([...t.entries.entries.values()].map((entry) => entry.spiffeId), ['spiffe://example.org/ns/shop/pod/web-0']);
  const ready = (): { status: string; reason: string; message: string } | undefined => {
    const last = t.management.statusWrites('workloadidentities', 'web').at(-1) as { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined;
    return last?.conditions?.find((c) => c.type === 'Ready');
  };
  await t.run({ kind: 'status' });
  await t.flush();
  assert.deepEqual([ready()?.status, ready()?.reason], ['False', 'EntryFailed']);
  assert.match(ready()?.message ?? '', /^the SPIRE server refused 1 entry; the first: cluster east: create refused: entry eks-workload-\S+ \(spiffe:\/\/example\.org\/ns\/shop\/pod\/web-1\): INTERNAL: failed to create entry: unable to find federated bundle/);
  const events = t.management.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/events')).map((r) => r.body as { reason: string; message: string; involvedObject: { name: string } });
  const failed = events.filter((event) => event.reason === 'EntryFailed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.involvedObject.name, 'web');
  assert.match(failed[0]?.message ?? '', /pod\/web-1.*federated bundle/);

  refusing = false;
  await t.run({ kind: 'full' });
  await t.run({ kind: 'status' });
  await t.flush();
  assert.equal(t.entries.entries.size, 2);
  assert.deepEqual([ready()?.status, ready()?.reason], ['True', 'Reconciled']);
});

test('a full reconciliation after the first repairs drift and tells it: a DriftRepaired event on the registry and the drift metric', async () => {
  const t = setup();
  await webOnEast(t, 3);
  await t.run({ kind: 'full' });
  const ids = ownedIds(t.entries);
  const [removed, copied] = ids;
  assert.ok(removed !== undefined && copied !== undefined);
  const original = t.entries.entries.get(copied);
  assert.ok(original);
  t.entries.entries.delete(removed);
  t.entries.entries.set(`${east}0000stray`, { ...original, id: `${east}0000stray`, spiffeId: 'spiffe://example.org/stray' });
  await t.run({ kind: 'full' });
  await t.flush();
  assert.deepEqual(ownedIds(t.entries), ids, 'the removed entry is back, the stray one gone');
  const drift = t.management.requests
    .filter((r) => r.method === 'POST' && r.path.endsWith('/events'))
    .map((r) => r.body as { reason: string; message: string; involvedObject: { kind: string; name: string } })
    .filter((event) => event.reason === 'DriftRepaired');
  assert.equal(drift.length, 1);
  assert.deepEqual(drift[0]?.involvedObject.name, 'east');
  assert.match(drift[0]?.message ?? '', /repaired them: 1 created, 0 updated, 1 deleted$/);
  const counts = Object.fromEntries((await t.metrics.driftRepaired.get()).values.map((v) => [v.labels.operation, v.value]));
  assert.deepEqual(counts, { create: 1, update: 0, delete: 1 });
});

test('sharded: a replica connects to, writes for and reports on the clusters it holds only; when the ring moves, one full reconciliation takes in and lets go, deleting nothing', async () => {
  const held = new Set(['east']);
  const shard: ClusterShard = { name: 'replica-a', holds: (name) => held.has(name), writesFleetStatuses: () => false };
  const t = setup({ shard });
  t.identities.put(identityObject('web'));
  t.registries.put(registryObject('east'));
  t.registries.put(registryObject('west'));
  // The first full reconciliation waits for east, which the test leaves unreachable, then syncs.
  const full = t.run({ kind: 'full' });
  await new Promise((resolve) => setImmediate(resolve));
  t.clusters().listener.status('east', { ready: false, reason: 'Unreachable', message: 'pods: connection refused' });
  await full;
  assert.deepEqual([...t.clusters().connected.keys()], ['east']);
  await syncEast(t);
  assert.equal(t.entries.entries.size, 2);
  // West is another replica's: this one neither connects nor writes its status.
  await t.run({ kind: 'registry', name: 'west' });
  await t.run({ kind: 'status' });
  await t.flush();
  assert.equal(t.clusters().connected.has('west'), false);
  assert.deepEqual(t.management.statusWrites('eksclusterregistries', 'west'), []);
  assert.equal((t.management.statusWrites('eksclusterregistries', 'east').at(-1) as { shard?: string }).shard, 'replica-a');
  // Nor the identity's, which one replica writes for the fleet.
  assert.deepEqual(t.management.statusWrites('workloadidentities', 'web'), []);
  // The ring moves: east to another replica, west to this one.
  held.delete('east');
  held.add('west');
  while (t.queue.length > 0) t.queue.done((await t.queue.get()) as WorkKey);
  t.controller.shardChanged();
  assert.deepEqual(workItem((await t.queue.get()) as WorkKey), { kind: 'full' });
  await t.run({ kind: 'full' });
  assert.deepEqual([...t.clusters().connected.keys()], ['west']);
  // East's entries stay for its new holder; nothing was deleted.
  assert.equal(t.entries.entries.size, 2);
  assert.deepEqual([...(t.controller.heldPrefixes() ?? [])], [clusterEntryIdPrefix('eks-workload-', 'west')]);
});

function trustDomainObject(name: string, spec: Record<string, unknown>, metadata: { resourceVersion?: string; finalizers?: readonly string[]; claim?: string; deleting?: boolean; creationTimestamp?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'spire.spiffe.io/v1alpha1',
    kind: 'ClusterFederatedTrustDomain',
    metadata: {
      name,
      uid: `uid-${name}`,
      generation: 1,
      resourceVersion: metadata.resourceVersion ?? '20',
      creationTimestamp: metadata.creationTimestamp ?? '2026-03-01T00:00:00Z',
      finalizers: metadata.finalizers ?? [],
      annotations: metadata.claim === undefined ? {} : { 'eksclusterregistry.spire.spiffe.io/federation-relationship': metadata.claim },
      ...(metadata.deleting === true ? { deletionTimestamp: '2026-03-02T00:00:00Z' } : {}),
    },
    spec: { bundleEndpointProfile: { type: 'https_web' }, ...spec },
  };
}

test('a ClusterFederatedTrustDomain: ownership recorded before the create, Ready in its status; a foreign relationship is a conflict, untouched; deleted, its relationship goes, then its finalizer', async () => {
  const t = setup();
  t.trustDomains.relationships.set('foreign.org', { trustDomain: 'foreign.org', bundleEndpointUrl: 'https://by-hand', bundleEndpointProfile: { type: 'https_web' } });
  const partner = { trustDomain: 'partner.org', bundleEndpointURL: 'https://spire.partner.org' };
  t.clusterFederatedTrustDomains.put(trustDomainObject('partner', partner));
  t.clusterFederatedTrustDomains.put(trustDomainObject('clash', { trustDomain: 'foreign.org', bundleEndpointURL: 'https://ours' }));
  t.clusterFederatedTrustDomains.put(trustDomainObject('theirs', { trustDomain: 'other.org', bundleEndpointURL: 'https://other.org', className: 'other' }));
  await t.run({ kind: 'federation' });
  assert.deepEqual(t.trustDomains.writes, ['create partner.org']);
  const claim = t.management.requests.find((r) => r.path.endsWith('/clusterfederatedtrustdomains/partner'));
  assert.deepEqual(claim?.body, { metadata: { finalizers: ['eksclusterregistry.spire.spiffe.io/federation-relationship'], resourceVersion: '20', annotations: { claim: 'partner.org' } } });
  assert.equal(t.trustDomains.relationships.get('foreign.org')?.bundleEndpointUrl, 'https://by-hand');

  // Before the informer shows the claim, the next reconciliation knows it from its own write: no conflict.
  await t.run({ kind: 'federation' });
  await t.run({ kind: 'status' });
  await t.flush();
  const ready = (name: string): string[] => {
    const condition = (spireStatus(t, 'clusterfederatedtrustdomains', name) as { conditions: { status: string; reason: string; message: string }[] } | undefined)?.conditions[0];
    return [condition?.status ?? '', condition?.reason ?? '', condition?.message ?? ''];
  };
  assert.deepEqual(ready('partner').slice(0, 2), ['True', 'RelationshipSet']);
  assert.deepEqual(ready('clash').slice(0, 2), ['False', 'RelationshipNotOwned']);
  assert.match(ready('clash')[2] ?? '', /left untouched; delete it \(spire-server federation delete -id foreign\.org\)/);
  assert.equal(spireStatus(t, 'clusterfederatedtrustdomains', 'theirs'), undefined, "another controller's object: no status written");

  // The informer delivers the claim; the object is then deleted: the relationship goes, then the finalizer.
  const stored = t.claimPatches.get('partner');
  assert.ok(stored);
  t.clusterFederatedTrustDomains.put(trustDomainObject('partner', partner, { resourceVersion: stored.resourceVersion, finalizers: stored.finalizers, claim: stored.claim, deleting: true }));
  await t.run({ kind: 'clusterFederatedTrustDomain', name: 'partner' });
  await t.run({ kind: 'federation' });
  assert.deepEqual(t.trustDomains.writes, ['create partner.org', 'delete partner.org']);
  assert.deepEqual(t.claimPatches.get('partner'), { resourceVersion: `${stored.resourceVersion}+`, finalizers: [], claim: undefined });
  assert.deepEqual([...t.trustDomains.relationships.keys()], ['foreign.org']);
});

test('a ClusterFederatedTrustDomain that does not validate is told and holds the relationship it owns', async () => {
  const t = setup();
  t.trustDomains.relationships.set('partner.org', { trustDomain: 'partner.org', bundleEndpointUrl: 'https://spire.partner.org', bundleEndpointProfile: { type: 'https_web' } });
  t.clusterFederatedTrustDomains.put(
    trustDomainObject('partner', { trustDomain: 'partner.org', bundleEndpointURL: 'http://insecure' }, { finalizers: ['eksclusterregistry.spire.spiffe.io/federation-relationship'], claim: 'partner.org' }),
  );
  await t.run({ kind: 'clusterFederatedTrustDomain', name: 'partner' });
  await t.run({ kind: 'federation' });
  await t.run({ kind: 'status' });
  await t.flush();
  assert.deepEqual(t.trustDomains.writes, []);
  const condition = (spireStatus(t, 'clusterfederatedtrustdomains', 'partner') as { conditions: { reason: string; message: string }[] } | undefined)?.conditions[0];
  assert.equal(condition?.reason, 'InvalidSpec');
  assert.match(condition?.message ?? '', /^ClusterFederatedTrustDomain partner: spec\.bundleEndpointURL: "http:\/\/insecure": the scheme must be https/);
});

test('sharded: only the replica that writes the fleet statuses writes the federation relationships', async () => {
  let fleetWriter = false;
  const t = setup({ shard: { name: 'replica-a', holds: () => true, writesFleetStatuses: () => fleetWriter } });
  t.clusterFederatedTrustDomains.put(trustDomainObject('partner', { trustDomain: 'partner.org', bundleEndpointURL: 'https://spire.partner.org' }));
  await t.run({ kind: 'federation' });
  await t.run({ kind: 'status' });
  await t.flush();
  assert.deepEqual(t.trustDomains.writes, []);
  assert.equal(spireStatus(t, 'clusterfederatedtrustdomains', 'partner'), undefined);
  fleetWriter = true;
  t.controller.shardChanged();
  await t.run({ kind: 'federation' });
  assert.deepEqual(t.trustDomains.writes, ['create partner.org']);
});
