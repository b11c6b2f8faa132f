import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterEntryIdPrefix } from '../../src/identity/entry-id.ts';
import { createNode, createPod, eventually, identities, logLines, must, registries, registryFor, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

// The probe that found a WorkloadIdentity able to stop repair for the whole fleet: a template that
// exhausts memory, on pods with many labels. Nothing it does may stop the other identity, drift repair
// or garbage collection.
const gcIntervalMs = 6000;
let h: Harness;
const west = (): string => clusterEntryIdPrefix('eks-e2e-', 'production-cluster');

const hog = {
  apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
  kind: 'WorkloadIdentity',
  metadata: { name: 'hog' },
  spec: {
    applicationName: 'hog',
    namespace: 'default',
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/hog/{{ $s := printf "%01000000d" 1 }}{{ range .PodMeta.Labels }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}',
    podSelector: { matchLabels: { hog: 'yes' } },
  },
};

async function readyCondition(path: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const body = (await must(h.fleet.management, 'GET', path)) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
  return body.status?.conditions?.find((c) => c.type === 'Ready');
}

function fullFailures(): number {
  const proc = h.controller;
  assert.ok(proc);
  return logLines(proc).filter((line) => typeof line.msg === 'string' && line.msg.startsWith('Reconciliation of full failed')).length;
}

before(async () => {
  h = await startHarness({ gcInterval: `${gcIntervalMs / 1000}s` });
  const [one, two] = h.fleet.workloads.map((w) => w.apiServer);
  assert.ok(one && two);
  for (const api of [one, two]) await createNode(api, 'node-1');
  const labels = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`label-${i}`, 'x']));
  await createPod(one, 'default', 'hog-1', { ...labels, hog: 'yes' }, 'node-1');
  await createPod(one, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await createPod(two, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await must(h.fleet.management, 'POST', registries, registryFor('partner-cluster', h.fleet, 1, { environment: 'production' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
  await must(h.fleet.management, 'POST', identities, hog);
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('the identity whose template exhausts memory is Ready=False with its failure; the other converges', async () => {
  await eventually('both web-app entries', async () => (await h.ownedEntries()).length === 2 || `${(await h.ownedEntries()).length} entries`);
  await eventually('hog Ready=False/RenderFailed', async () => {
    const ready = await readyCondition(`${identities}/hog`);
    return (ready?.status === 'False' && ready.reason === 'RenderFailed' && /^1 pod failed to render; the first: WorkloadIdentity hog: cluster production-cluster: pod default\/hog-1: spec\.spiffeIDTemplate: .*limit/.test(ready.message)) || JSON.stringify(ready);
  });
  const ready = await readyCondition(`${identities}/web-app`);
  assert.equal(ready?.status, 'True', JSON.stringify(ready));
});

test('while it exists, an owned entry deleted and a stray owned entry added are both repaired within one gcInterval', async () => {
  const [victim] = await h.ownedEntries();
  assert.ok(victim);
  const stray = `${west()}${'0'.repeat(32)}`;
  await h.fleet.spire?.cliOk(['entry', 'create', '-entryID', stray, '-spiffeID', 'spiffe://example.org/stray', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:1']);
  await h.fleet.spire?.cliOk(['entry', 'delete', '-entryID', victim.id]);
  const started = Date.now();
  await eventually('the deleted entry restored', async () => (await h.spire.getEntry(victim.id)) !== undefined, gcIntervalMs + 3000);
  await eventually('the stray entry removed', async () => (await h.spire.getEntry(stray)) === undefined, Math.max(0, gcIntervalMs + 3000 - (Date.now() - started)));
  process.stdout.write(`# repaired in ${Date.now() - started} ms (gcInterval ${gcIntervalMs} ms)\n`);
  assert.equal(fullFailures(), 0, 'no full reconciliation failed');
});

test("the healthy identity's reconcile=now runs a full reconciliation that succeeds", async () => {
  const proc = h.controller;
  assert.ok(proc);
  const fulls = (): number => logLines(proc).filter((line) => line.msg === 'Full reconciliation done').length;
  const seen = fulls();
  const identity = (await must(h.fleet.management, 'GET', `${identities}/web-app`)) as { metadata: Record<string, unknown> };
  identity.metadata.annotations = { reconcile: `now-${Date.now()}` };
  await must(h.fleet.management, 'PUT', `${identities}/web-app`, identity);
  await eventually('a full reconciliation logged', async () => fulls() > seen, gcIntervalMs / 2);
  assert.equal(fullFailures(), 0);
});

test('after the bad identity is deleted, full reconciliations go on', async () => {
  const proc = h.controller;
  assert.ok(proc);
  await must(h.fleet.management, 'DELETE', `${identities}/hog`);
  const fulls = (): number => logLines(proc).filter((line) => line.msg === 'Full reconciliation done').length;
  const seen = fulls();
  await eventually('two more full reconciliations', async () => fulls() >= seen + 2, 2 * gcIntervalMs + 5000);
  assert.equal(fullFailures(), 0);
});
