import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClusterConnection, type RequestOptions } from '../../../src/kube/cluster-connection.ts';
import { setCondition } from '../../../src/kube/conditions.ts';
import { EventRecorder, type InvolvedObject } from '../../../src/kube/event-recorder.ts';
import { StatusWriter } from '../../../src/kube/status-writer.ts';
import { RecordingLogger } from '../../support/recording-logger.ts';
import { startManifestsApi, type ManifestsApi } from '../manifests/api-fixture.ts';
import { configDir, readManifest, type ManifestObject } from '../manifests/manifest-files.ts';

// StatusWriter and EventRecorder against a real kube-apiserver with the project's CRDs installed.

const group = 'eksclusterregistry.spire.spiffe.io';
const version = 'v1alpha1';
const apiVersion = `${group}/${version}`;
const registries = `/apis/${apiVersion}/eksclusterregistries`;
const identities = `/apis/${apiVersion}/workloadidentities`;

let kube: ManifestsApi;
let connection: ClusterConnection;
/** Requests sent through `counted`, by method. */
const sent: string[] = [];
const counted = {
  name: 'management',
  requestJson: (method: string, path: string, options?: RequestOptions): Promise<unknown> => {
    sent.push(`${method} ${path}`);
    return connection.requestJson(method, path, options);
  },
};

before(async () => {
  kube = await startManifestsApi('it-kube-status-events-');
  const crds: ManifestObject[] = [];
  for (const file of await readdir(join(configDir, 'crd', 'bases'))) {
    crds.push(...(await readManifest(join('config', 'crd', 'bases', file))).map(({ object }) => object));
  }
  await kube.installCrds(crds);
  assert.equal((await kube.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'spire-system' } } })).status, 201);
  connection = new ClusterConnection({
    name: 'management',
    credentials: async () => ({ server: kube.api.url, caPem: kube.api.caPem, token: kube.api.adminToken }),
    requestTimeoutMs: 10_000,
  });
});
after(async () => {
  connection?.close();
  await kube?.stop();
});

async function getObject(path: string): Promise<{ metadata: { resourceVersion: string; uid: string; generation: number }; spec: unknown; status?: Record<string, unknown> }> {
  const response = await kube.request('GET', path);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as { metadata: { resourceVersion: string; uid: string; generation: number }; spec: unknown; status?: Record<string, unknown> };
}

async function createRegistry(name: string): Promise<{ uid: string; generation: number }> {
  const response = await kube.create({ apiVersion, kind: 'EKSClusterRegistry', metadata: { name }, spec: { clusterName: 'spire-agent-cluster', region: 'us-west-2', accountId: '072422391281' } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return (response.body as { metadata: { uid: string; generation: number } }).metadata;
}

function registryWriter(logger = new RecordingLogger()): StatusWriter {
  return new StatusWriter({ connection: counted, group, version, plural: 'eksclusterregistries', logger, minIntervalMs: 0 });
}

test('status is written through /status, the CRD accepts the conditions, and an identical update sends no request', async () => {
  const { generation } = await createRegistry('workload-cluster');
  const writer = registryWriter();
  const conditions = setCondition([], { type: 'Ready', status: 'True', reason: 'ClusterSynced', message: 'pods, nodes and namespaces synced', observedGeneration: generation }, new Date('2025-09-02T08:48:28Z'));
  const status = { conditions, lastSync: '2025-09-02T08:48:28Z', namespacesCount: 4, entriesRegistered: 12 };
  const before = sent.length;
  writer.update('workload-cluster', status);
  await writer.flush();
  assert.deepEqual(sent.slice(before), [`PATCH ${registries}/workload-cluster/status`]);
  const written = await getObject(`${registries}/workload-cluster`);
  assert.deepEqual(written.status, status);
  assert.deepEqual((written.spec as { clusterName: string }).clusterName, 'spire-agent-cluster', 'the spec is untouched');

  // The same status, a later lastSync alone, and conditions set again with nothing new: no request.
  writer.update('workload-cluster', { ...status });
  writer.update('workload-cluster', { ...status, lastSync: '2025-09-02T08:49:28Z' });
  const again = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'ClusterSynced', message: 'pods, nodes and namespaces synced', observedGeneration: generation }, new Date('2025-09-02T09:00:00Z'));
  writer.update('workload-cluster', { ...status, conditions: again });
  await writer.flush();
  assert.equal(sent.length, before + 1);
  assert.equal((await getObject(`${registries}/workload-cluster`)).metadata.resourceVersion, written.metadata.resourceVersion);

  // A change writes again, and the transition keeps its time across status-only changes of reason.
  const notReady = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'ClusterUnreachable', message: 'dial tcp: i/o timeout', observedGeneration: generation }, new Date('2025-09-02T09:10:00Z'));
  writer.update('workload-cluster', { ...status, conditions: notReady });
  await writer.flush();
  assert.equal(sent.length, before + 2);
  const changed = await getObject(`${registries}/workload-cluster`);
  assert.notEqual(changed.metadata.resourceVersion, written.metadata.resourceVersion);
  assert.deepEqual(changed.status?.conditions, [{ type: 'Ready', status: 'False', reason: 'ClusterUnreachable', message: 'dial tcp: i/o timeout', lastTransitionTime: '2025-09-02T09:10:00Z', observedGeneration: generation }]);
  assert.equal(changed.metadata.generation, generation, 'a status write does not bump the generation');
});

test('a restarted writer that observes the stored status sends nothing for it; a field left out is removed', async () => {
  await createRegistry('restarted');
  const first = registryWriter();
  first.update('restarted', { namespacesCount: 2, entriesRegistered: 5, lastSync: '2025-09-02T08:48:28Z' });
  await first.flush();
  const stored = await getObject(`${registries}/restarted`);

  const second = registryWriter();
  second.observe('restarted', stored.status);
  const before = sent.length;
  second.update('restarted', { namespacesCount: 2, entriesRegistered: 5, lastSync: '2025-09-02T08:50:00Z' });
  await second.flush();
  assert.equal(sent.length, before);

  second.update('restarted', { namespacesCount: 3, lastSync: '2025-09-02T08:50:00Z' });
  await second.flush();
  assert.equal(sent.length, before + 1);
  assert.deepEqual((await getObject(`${registries}/restarted`)).status, { namespacesCount: 3, lastSync: '2025-09-02T08:50:00Z' });
});

test("a first write removes fields the stored status has and the new one lacks (a WorkloadIdentity's stats)", async () => {
  const created = await kube.create({ apiVersion, kind: 'WorkloadIdentity', metadata: { name: 'test-app-identity' }, spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/x' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const patched = await kube.request('PATCH', `${identities}/test-app-identity/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { stats: { clustersTargeted: 2, podsSelected: 9, renderFailures: 1 }, lastReconciliation: '2025-09-02T08:00:00Z' } },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const writer = new StatusWriter({ connection: counted, group, version, plural: 'workloadidentities', logger: new RecordingLogger(), minIntervalMs: 0 });
  const status = { stats: { clustersTargeted: 2, namespacesFound: 1, podsSelected: 3, entriesRegistered: 3 }, lastReconciliation: '2025-09-02T08:48:28Z' };
  writer.update('test-app-identity', status);
  await writer.flush();
  assert.deepEqual((await getObject(`${identities}/test-app-identity`)).status, status);
});

test('a condition the CRD refuses (no reason) is logged as an error and not retried; nothing is thrown', async () => {
  await createRegistry('refused');
  const logger = new RecordingLogger();
  const writer = registryWriter(logger);
  const before = sent.length;
  writer.update('refused', { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-09-02T08:48:28Z', message: '' }] });
  await writer.flush();
  await writer.flush();
  assert.equal(sent.length, before + 1);
  assert.equal(logger.at('error').length, 1);
  assert.match((logger.at('error')[0]?.fields.err as Error).message, /422 Invalid: .*reason: Required value/);
  assert.equal((await getObject(`${registries}/refused`)).status, undefined);
});

interface StoredEvent {
  metadata: { name: string; namespace: string };
  involvedObject: InvolvedObject;
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host: string };
  reportingComponent: string;
  reportingInstance: string;
}

async function eventsAbout(uid: string): Promise<StoredEvent[]> {
  const response = await kube.request('GET', `/api/v1/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${uid}`)}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { items: StoredEvent[] }).items;
}

test('an Event about a registry is created, and an identical repeat raises its count to 2', async () => {
  const { uid } = await createRegistry('evented');
  const object: InvolvedObject = { apiVersion, kind: 'EKSClusterRegistry', name: 'evented', uid };
  const logger = new RecordingLogger();
  const recorder = new EventRecorder({ connection: counted, logger, instance: 'registrar-0' });
  recorder.event(object, 'Warning', 'ClusterUnreachable', 'dial tcp 10.0.0.1:443: i/o timeout');
  await recorder.flush();
  const [created, ...none] = await eventsAbout(uid);
  assert.deepEqual(none, []);
  assert.ok(created !== undefined);
  assert.equal(created.metadata.namespace, 'default');
  assert.deepEqual(created.involvedObject, { ...object });
  assert.deepEqual(
    [created.type, created.reason, created.message, created.count, created.source, created.reportingComponent, created.reportingInstance],
    ['Warning', 'ClusterUnreachable', 'dial tcp 10.0.0.1:443: i/o timeout', 1, { component: 'spire-eks-workload-registrar', host: 'registrar-0' }, 'spire-eks-workload-registrar', 'registrar-0'],
  );

  await new Promise((resolve) => setTimeout(resolve, 1100));
  recorder.event(object, 'Warning', 'ClusterUnreachable', 'dial tcp 10.0.0.1:443: i/o timeout');
  await recorder.flush();
  const [repeated, ...stillNone] = await eventsAbout(uid);
  assert.deepEqual(stillNone, []);
  assert.equal(repeated?.metadata.name, created.metadata.name);
  assert.equal(repeated?.count, 2);
  assert.equal(repeated?.firstTimestamp, created.firstTimestamp);
  assert.ok(Date.parse(repeated?.lastTimestamp ?? '') > Date.parse(created.lastTimestamp), `${repeated?.lastTimestamp} after ${created.lastTimestamp}`);
  assert.deepEqual(logger.lines, []);
});

test("the apiserver refuses Events about a cluster-scoped object in the controller's namespace: hence the default namespace", async () => {
  const { uid } = await createRegistry('namespaced-event');
  const logger = new RecordingLogger();
  const recorder = new EventRecorder({ connection: counted, logger, namespace: 'spire-system' });
  recorder.event({ apiVersion, kind: 'EKSClusterRegistry', name: 'namespaced-event', uid }, 'Normal', 'ClusterSynced', 'synced');
  await recorder.flush();
  assert.equal(logger.at('warn').length, 1);
  assert.match((logger.at('warn')[0]?.fields.err as Error).message, /422 Invalid: .*involvedObject\.namespace.*does not match event\.namespace/);
  assert.deepEqual(await eventsAbout(uid), []);
});
