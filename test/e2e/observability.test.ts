import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../rig/processes.ts';
import {
  createNode,
  createPod,
  eventually,
  identities,
  logLines,
  must,
  registries,
  registryFor,
  startHarness,
  webAppIdentity,
  type Harness,
} from './e2e-fixture.ts';

// One fleet for the file; the tests run in order and build on each other.
let h: Harness;
let metricsUrl: string;
let readyzUrl: string;

interface KubeEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: { readonly kind: string; readonly name: string };
}

async function events(): Promise<KubeEvent[]> {
  return ((await must(h.fleet.management, 'GET', '/api/v1/namespaces/default/events')) as { items: KubeEvent[] }).items;
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

before(async () => {
  const [metricsPort, probePort] = [await freePort(), await freePort()];
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  readyzUrl = `http://127.0.0.1:${probePort}/readyz`;
  h = await startHarness({
    config: { metrics: `{ bindAddress: "127.0.0.1:${metricsPort}" }`, health: `{ healthProbeBindAddress: "127.0.0.1:${probePort}" }` },
  });
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createNode(api, 'node-1');
  await createPod(api, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await createPod(api, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
});

after(async () => {
  await h?.stop();
});

test('/readyz answers 503 until the first full reconciliation is done, then 200', async () => {
  const spire = h.fleet.spire;
  assert.ok(spire);
  // SPIRE down while the controller starts: the first full reconciliation cannot finish until it is back.
  const stopped = spire.process.exited;
  const restarting = spire.restart({ downtimeMs: 8000 });
  await stopped;
  const proc = h.startController();
  let notReady = '';
  await eventually('/readyz answering', async () => {
    const response = await fetch(readyzUrl);
    notReady = await response.text();
    return response.status === 503 || `HTTP ${response.status}: ${notReady}`;
  });
  assert.match(notReady, /\[-\]full-reconciliation failed/);
  assert.equal(logLines(proc).some((line) => line.msg === 'Full reconciliation done'), false);
  await restarting;
  await eventually('/readyz 200', async () => {
    const response = await fetch(readyzUrl);
    return response.status === 200 || `HTTP ${response.status}: ${await response.text()}`;
  });
  // Ready only after the full reconciliation: its log line may reach the file just after /readyz turns.
  await eventually('the full reconciliation in the log', async () => logLines(proc).some((line) => line.msg === 'Full reconciliation done'));
});

test('/metrics counts the entries created', async () => {
  await eventually('2 entries', async () => (await h.ownedEntries()).length === 2);
  assert.equal(await metricValue('spire_eks_registrar_entry_writes_total', { operation: 'create', outcome: 'ok' }), 2);
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createPod(api, 'default', 'web-3', { app: 'web-app' }, 'node-1');
  await eventually('3 created in /metrics', async () => {
    const created = await metricValue('spire_eks_registrar_entry_writes_total', { operation: 'create', outcome: 'ok' });
    return created === 3 || `created ${created}`;
  });
  assert.equal((await h.ownedEntries()).length, 3);
  assert.ok(((await metricValue('spire_eks_registrar_spire_calls_total', { rpc: 'BatchCreateEntry' })) ?? 0) >= 2);
});

test('`kubectl annotate workloadidentity web-app reconcile=now --overwrite` reconciles at once: an entry deleted behind its back comes back', async () => {
  const [victim] = await h.ownedEntries();
  assert.ok(victim);
  await h.fleet.spire?.cliOk(['entry', 'delete', '-entryID', victim.id]);
  const proc = h.controller;
  assert.ok(proc);
  const fulls = (): number => logLines(proc).filter((line) => line.msg === 'Full reconciliation done').length;
  const before = fulls();
  // gcInterval is 10 minutes here: only the annotation can bring it back within the wait.
  const identity = (await must(h.fleet.management, 'GET', `${identities}/web-app`)) as { metadata: Record<string, unknown> };
  identity.metadata.annotations = { ...(identity.metadata.annotations as Record<string, string> | undefined), reconcile: 'now' };
  await must(h.fleet.management, 'PUT', `${identities}/web-app`, identity);
  await eventually('the deleted entry restored', async () => (await h.spire.getEntry(victim.id)) !== undefined, 10_000);
  await eventually('a full reconciliation logged', async () => fulls() > before);
});

test('a connected cluster is a Normal event on its EKSClusterRegistry', async () => {
  await eventually('ClusterConnected', async () => {
    const all = await events();
    const found = all.find((e) => e.involvedObject.kind === 'EKSClusterRegistry' && e.involvedObject.name === 'production-cluster' && e.reason === 'ClusterConnected');
    return (found !== undefined && found.type === 'Normal') || JSON.stringify(all.map((e) => [e.type, e.reason, e.involvedObject.name]));
  });
});

test('a render failure is a Warning event on the WorkloadIdentity', async () => {
  // The pods have no `tier` label: "<no value>" in a SPIFFE ID is a render failure.
  const tiered = webAppIdentity();
  await must(h.fleet.management, 'POST', identities, {
    ...tiered,
    metadata: { name: 'tiered' },
    spec: { ...(tiered.spec as Record<string, unknown>), spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/tier/{{ .PodMeta.Labels.tier }}' },
  });
  await eventually('RenderFailed on tiered', async () => {
    const all = await events();
    const found = all.find((e) => e.involvedObject.kind === 'WorkloadIdentity' && e.involvedObject.name === 'tiered' && e.reason === 'RenderFailed');
    return (found !== undefined && found.type === 'Warning' && /tier/.test(found.message)) || JSON.stringify(all.map((e) => [e.type, e.reason, e.involvedObject.name, e.message]));
  });
});

test('syncPeriod: each period every pod, node and namespace of a workload cluster is handed to the controller again and re-checked, with no write', async () => {
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api && h.controller);
  let objects = 0;
  for (const path of ['/api/v1/pods', '/api/v1/nodes', '/api/v1/namespaces']) objects += ((await must(api, 'GET', path)) as { items: unknown[] }).items.length;
  await h.controller.stop();
  h.startController({ config: { syncPeriod: '2s' } });
  await eventually('/readyz 200', async () => (await fetch(readyzUrl).catch(() => undefined))?.status === 200);
  const counter = async (name: string, labels: Record<string, string>): Promise<number> => (await metricValue(name, labels)) ?? 0;
  const targeted = (): Promise<number> => counter('spire_eks_registrar_reconciliations_total', { kind: 'targeted', outcome: 'ok' });
  const writes = async (): Promise<number[]> =>
    Promise.all(['create', 'update', 'delete'].map((operation) => counter('spire_eks_registrar_entry_writes_total', { operation, outcome: 'ok' })));
  const [checkedBefore, writesBefore] = [await targeted(), await writes()];
  // Nothing changes in the fleet meanwhile: only the resyncs (each informer's period is 1.8 to 2.2 s) queue work.
  await eventually(`two resyncs of the ${objects} objects of the cluster`, async () => {
    const checked = (await targeted()) - checkedBefore;
    return checked >= 2 * objects || `${checked} targeted reconciliations`;
  }, 20_000);
  assert.deepEqual(await writes(), writesBefore, 'equal entries are not written again');
});
