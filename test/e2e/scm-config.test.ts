import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterSPIFFEIDs, clusterStaticEntries, createNode, createPod, eventually, logLines, must, registries, registryFor, startHarness, type Harness } from './e2e-fixture.ts';

// spire-controller-manager's config keys on the rig (issue 11): clusterSPIFFEIDLabelSelector and
// filterByClassName narrow the ClusterSPIFFEID informer; reconcile turns a kind off without deleting
// what it made while its objects exist. A real apiserver, the controller as a process, a real spire-server.
let h: Harness;
const apiVersion = 'spire.spiffe.io/v1alpha1';
const narrowing = { className: 'fleet', filterByClassName: 'true', clusterSPIFFEIDLabelSelector: '{ team: a }' };

function clusterSPIFFEID(name: string, labels: Record<string, string>): Record<string, unknown> {
  return { apiVersion, kind: 'ClusterSPIFFEID', metadata: { name, labels }, spec: { className: 'fleet', spiffeIDTemplate: `spiffe://{{ .TrustDomain }}/${name}/{{ .PodMeta.Name }}` } };
}

async function spiffeIds(): Promise<string[]> {
  return (await h.ownedEntries()).map((entry) => entry.spiffeId).sort();
}

before(async () => {
  h = await startHarness({ gcInterval: '3s', config: narrowing });
  const workload = h.fleet.workloads[0]?.apiServer;
  assert.ok(workload);
  await must(workload, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop' } });
  await createNode(workload, 'node-1');
  await createPod(workload, 'shop', 'web-1', { app: 'web' }, 'node-1');
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('only ClusterSPIFFEIDs with the selector labels and the class label are read', async () => {
  await must(h.fleet.management, 'POST', clusterSPIFFEIDs, clusterSPIFFEID('selected', { team: 'a', 'spire.spiffe.io/class-name': 'fleet' }));
  // Of the registrar's class, but without the labels: the informer never sees it.
  await must(h.fleet.management, 'POST', clusterSPIFFEIDs, clusterSPIFFEID('unlabelled', {}));
  await must(h.fleet.management, 'POST', clusterSPIFFEIDs, clusterSPIFFEID('other-class-label', { team: 'a', 'spire.spiffe.io/class-name': 'other' }));
  await eventually('the selected one\'s entry', async () => (await spiffeIds()).includes('spiffe://example.org/selected/web-1') || JSON.stringify(await spiffeIds()), 60_000);
  // Several full reconciliations later, still only that one.
  await new Promise((resolve) => setTimeout(resolve, 7000));
  assert.deepEqual(await spiffeIds(), ['spiffe://example.org/selected/web-1']);
});

test('reconcile with ClusterSPIFFEIDs off: not read, their entries kept while such objects exist, swept once they are gone; ClusterStaticEntries still on', async () => {
  await h.controller?.stop();
  const proc = h.startController({ config: { ...narrowing, reconcile: '{ clusterStaticEntries: true }' } });
  await must(h.fleet.management, 'POST', clusterStaticEntries, {
    apiVersion,
    kind: 'ClusterStaticEntry',
    metadata: { name: 'db' },
    spec: { className: 'fleet', spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/spire/agent/join_token/db-host', selectors: ['unix:uid:999'] },
  });
  await eventually('the static entry', async () => (await spiffeIds()).includes('spiffe://example.org/db') || JSON.stringify(await spiffeIds()), 60_000);
  await eventually('a held sweep, said', async () => logLines(proc).some((line) => typeof line.msg === 'string' && line.msg.includes('reconcile.clusterSPIFFEIDs is false and 1 ClusterSPIFFEID object(s) of this class exist')), 30_000);
  assert.deepEqual(await spiffeIds(), ['spiffe://example.org/db', 'spiffe://example.org/selected/web-1']);
  // The kind is not read: a change to it does nothing.
  await must(h.fleet.management, 'POST', clusterSPIFFEIDs, clusterSPIFFEID('new', { team: 'a', 'spire.spiffe.io/class-name': 'fleet' }));
  await must(h.fleet.management, 'DELETE', `${clusterSPIFFEIDs}/selected`);
  await new Promise((resolve) => setTimeout(resolve, 4000));
  assert.ok((await spiffeIds()).includes('spiffe://example.org/selected/web-1'), 'still held: "new" is of this class');
  await must(h.fleet.management, 'DELETE', `${clusterSPIFFEIDs}/new`);
  await eventually('the sweep, once no such object is left', async () => JSON.stringify(await spiffeIds()) === JSON.stringify(['spiffe://example.org/db']) || JSON.stringify(await spiffeIds()), 30_000);
});
