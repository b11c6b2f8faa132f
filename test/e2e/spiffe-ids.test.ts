import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterEntryIdPrefix } from '../../src/identity/entry-id.ts';
import { formatSelector, type RegistrationEntry } from '../../src/spire/entry.ts';
import { clusterFederatedTrustDomains, clusterSPIFFEIDs, clusterSpiffeIds, clusterStaticEntries, createNamespace, createNode, createPod, eventually, expectRestartWritesNothing, identities, logLines, must, podNameOf, registries, registryFor, spiffeIdsIn, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

// ClusterSpiffeID and SpiffeID on the rig: the controller as a process, two workload clusters, a real
// spire-server. One fleet for the file; the tests run in order and build on each other.
let h: Harness;
const production = (): string => clusterEntryIdPrefix('eks-e2e-', 'production-cluster');
const partner = (): string => clusterEntryIdPrefix('eks-e2e-', 'partner-cluster');
const apiVersion = 'spiffeid.spiffe.io/v1beta1';

/** The EKS cluster name of workload cluster `index`: what its node alias is named after. */
function eksName(index: number): string {
  const workload = h.fleet.workloads[index];
  assert.ok(workload);
  return workload.clusterName;
}

/** The owned entries of SPIFFE ID `spiffeId`, by cluster prefix: `production` or `partner`. */
async function entriesOf(spiffeId: string): Promise<Record<string, RegistrationEntry>> {
  const found: Record<string, RegistrationEntry> = {};
  for (const entry of await h.ownedEntries()) {
    if (entry.spiffeId !== spiffeId) continue;
    found[entry.id.startsWith(production()) ? 'production' : entry.id.startsWith(partner()) ? 'partner' : entry.id] = entry;
  }
  return found;
}

function aliasId(index: number): string {
  return `spiffe://example.org/k8s-cluster/${eksName(index)}/nodes`;
}

interface SpiffeIdStatus {
  clustersTargeted?: number;
  entriesRegistered?: number;
  entriesMasked?: number;
  clusters?: { cluster: string; entryId: string; state: string; message: string }[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

async function statusOf(path: string): Promise<SpiffeIdStatus> {
  return ((await must(h.fleet.management, 'GET', path)) as { status?: SpiffeIdStatus }).status ?? {};
}

before(async () => {
  h = await startHarness({ gcInterval: '4s' });
  await h.fleet.spire?.cliOk(['entry', 'create', '-entryID', 'manual-1', '-spiffeID', 'spiffe://example.org/manual', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:0']);
  await createNamespace(h.fleet.management, 'shop');
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await must(h.fleet.management, 'POST', registries, registryFor('partner-cluster', h.fleet, 1, { environment: 'partner' }));
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('a ClusterSpiffeID creates its entries and the node alias in both workload clusters before any pod exists', async () => {
  await must(h.fleet.management, 'POST', clusterSpiffeIds, {
    apiVersion,
    kind: 'ClusterSpiffeID',
    metadata: { name: 'payments-api' },
    spec: { spiffeId: 'spiffe://example.org/ns/payments/sa/api', selector: { namespace: 'payments', serviceAccount: 'api' }, ttl: '1h' },
  });
  await eventually('its entries in both clusters', async () => Object.keys(await entriesOf('spiffe://example.org/ns/payments/sa/api')).sort().join() === 'partner,production');
  const entries = await entriesOf('spiffe://example.org/ns/payments/sa/api');
  for (const [index, cluster] of [[0, 'production'], [1, 'partner']] as const) {
    const entry = entries[cluster];
    assert.equal(entry?.parentId, aliasId(index));
    assert.deepEqual(entry?.selectors.map(formatSelector), ['k8s:ns:payments', 'k8s:sa:api']);
    assert.equal(entry?.x509SvidTtl, 3600);
    const alias = (await entriesOf(aliasId(index)))[cluster];
    assert.equal(alias?.parentId, 'spiffe://example.org/spire/server');
    assert.deepEqual(alias?.selectors.map(formatSelector), [`k8s_psat:cluster:${eksName(index)}`]);
  }
  assert.equal((await h.ownedEntries()).length, 4, 'its two entries and the two aliases: no pod exists');
  await eventually('its status: written in both clusters, Ready', async () => {
    const status = await statusOf(`${clusterSpiffeIds}/payments-api`);
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    return (status.clustersTargeted === 2 && status.entriesRegistered === 2 && ready?.status === 'True') || JSON.stringify(status);
  });
  const clusters = (await statusOf(`${clusterSpiffeIds}/payments-api`)).clusters ?? [];
  assert.deepEqual(
    clusters.map((c) => [c.cluster, c.entryId, c.state]),
    [
      ['partner-cluster', entries.partner?.id, 'Written'],
      ['production-cluster', entries.production?.id, 'Written'],
    ],
  );
});

test('a SpiffeID cannot reach another namespace, its pods or its IDs: refused, naming the fields, an event in its namespace, no entry', async () => {
  // No webhook runs here: the controller refuses it.
  await must(h.fleet.management, 'POST', spiffeIdsIn('shop'), { apiVersion, kind: 'SpiffeID', metadata: { name: 'reach' }, spec: { spiffeId: 'spiffe://example.org/ns/bank/reach', selector: { namespace: 'bank' } } });
  await eventually('Ready=False/InvalidSpec', async () => {
    const ready = (await statusOf(`${spiffeIdsIn('shop')}/reach`)).conditions?.find((c) => c.type === 'Ready');
    return (
      (ready?.status === 'False' &&
        ready.reason === 'InvalidSpec' &&
        ready.message.includes('spec.selector.namespace: namespace "bank" is not this SpiffeID\'s own "shop"') &&
        ready.message.includes('spec.spiffeId: "spiffe://example.org/ns/bank/reach" is not under "spiffe://example.org/ns/shop/"')) ||
      JSON.stringify(ready)
    );
  });
  await eventually('an InvalidSpec event in shop', async () => {
    const { items } = (await must(h.fleet.management, 'GET', '/api/v1/namespaces/shop/events')) as { items: { involvedObject: { kind: string; name: string }; reason: string }[] };
    return items.some((e) => e.involvedObject.kind === 'SpiffeID' && e.involvedObject.name === 'reach' && e.reason === 'InvalidSpec');
  });
  assert.deepEqual(await entriesOf('spiffe://example.org/ns/bank/reach'), {});

  // Its own namespace's pods only, in every cluster, whatever it selects besides.
  await must(h.fleet.management, 'POST', spiffeIdsIn('shop'), { apiVersion, kind: 'SpiffeID', metadata: { name: 'web' }, spec: { spiffeId: 'spiffe://example.org/ns/shop/web', selector: { podLabel: { app: 'web' } } } });
  await eventually('the SpiffeID entries', async () => Object.keys(await entriesOf('spiffe://example.org/ns/shop/web')).length === 2);
  for (const entry of Object.values(await entriesOf('spiffe://example.org/ns/shop/web'))) assert.deepEqual(entry.selectors.map(formatSelector), ['k8s:ns:shop', 'k8s:pod-label:app:web']);
});

test('a ClusterSpiffeID and a WorkloadIdentity that want the same key give one entry: the older decides it', async () => {
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createNode(api, 'node-1');
  await createPod(api, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await must(h.fleet.management, 'POST', identities, webAppIdentity({ environment: 'production' }));
  await eventually("web-1's entry", async () => (await h.ownedEntries()).some((entry) => podNameOf(entry) === 'web-1'));
  const wanted = (await h.ownedEntries()).find((entry) => podNameOf(entry) === 'web-1');
  assert.ok(wanted);
  const uid = wanted.selectors.find((s) => s.value.startsWith('pod-uid:'))?.value.slice('pod-uid:'.length);
  // creationTimestamp has whole seconds: the identity must be older by one at least.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await must(h.fleet.management, 'POST', clusterSpiffeIds, {
    apiVersion,
    kind: 'ClusterSpiffeID',
    metadata: { name: 'same' },
    spec: { spiffeId: wanted.spiffeId, parentId: wanted.parentId, selector: { namespace: 'default', podName: 'web-1', podUid: uid }, clusterSelector: { matchLabels: { environment: 'production' } }, ttl: '2h' },
  });
  await eventually('the ClusterSpiffeID reported masked by the identity', async () => {
    const [cluster] = (await statusOf(`${clusterSpiffeIds}/same`)).clusters ?? [];
    return (cluster?.state === 'Masked' && cluster.entryId === wanted.id && cluster.message.startsWith('WorkloadIdentity web-app wants the same entry')) || JSON.stringify(cluster);
  });
  const same = (await h.ownedEntries()).filter((entry) => entry.spiffeId === wanted.spiffeId);
  assert.deepEqual(same, [wanted], "one entry, the identity's, unchanged");

  await must(h.fleet.management, 'DELETE', `${identities}/web-app`);
  await eventually("the same entry, now with the ClusterSpiffeID's fields", async () => {
    const entries = (await h.ownedEntries()).filter((entry) => entry.spiffeId === wanted.spiffeId);
    return (entries.length === 1 && entries[0]?.id === wanted.id && entries[0].x509SvidTtl === 7200) || JSON.stringify(entries);
  });
});

test('a controller restart with nothing changed writes nothing, node aliases and masked entries included', async () => {
  await expectRestartWritesNothing(h);
});

test('deleting a ClusterSpiffeID removes its entries; a node alias goes with the last entry parented to it; foreign entries stay', async () => {
  await must(h.fleet.management, 'DELETE', `${clusterSpiffeIds}/payments-api`);
  await eventually('its entries gone', async () => Object.keys(await entriesOf('spiffe://example.org/ns/payments/sa/api')).length === 0);
  assert.equal(Object.keys(await entriesOf(aliasId(0))).length, 1, 'the SpiffeID still uses the aliases');
  await must(h.fleet.management, 'DELETE', `${spiffeIdsIn('shop')}/web`);
  await eventually('the aliases gone', async () => Object.keys(await entriesOf(aliasId(0))).length + Object.keys(await entriesOf(aliasId(1))).length === 0);
  // The entry of `same` has a literal parent: it needs no alias, and stays.
  assert.deepEqual((await h.ownedEntries()).map((entry) => podNameOf(entry)), ['web-1']);
  assert.ok(await h.spire.getEntry('manual-1'), 'the manual entry is still there');
});

test('deleting a ClusterSpiffeID and a SpiffeID while a cluster they target is Unresponsive removes their entries and node alias there too; that cluster keeps its pod entries', async () => {
  const partnerApi = h.fleet.workloads[1]?.apiServer;
  assert.ok(partnerApi);
  await createNode(partnerApi, 'node-1');
  await createPod(partnerApi, 'default', 'partner-web-1', { app: 'web-app' }, 'node-1');
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
  await must(h.fleet.management, 'POST', clusterSpiffeIds, { apiVersion, kind: 'ClusterSpiffeID', metadata: { name: 'frozen' }, spec: { spiffeId: 'spiffe://example.org/ns/payments/sa/frozen', selector: { namespace: 'payments', serviceAccount: 'frozen' } } });
  await must(h.fleet.management, 'POST', spiffeIdsIn('shop'), { apiVersion, kind: 'SpiffeID', metadata: { name: 'frozen' }, spec: { spiffeId: 'spiffe://example.org/ns/shop/frozen', selector: { podLabel: { app: 'frozen' } } } });
  const declared = async (): Promise<string[]> => {
    const found = [];
    for (const id of ['spiffe://example.org/ns/payments/sa/frozen', 'spiffe://example.org/ns/shop/frozen', aliasId(0), aliasId(1)]) for (const cluster of Object.keys(await entriesOf(id))) found.push(`${id} ${cluster}`);
    return found.sort();
  };
  // The pod entries as SPIRE keeps them: a rewrite changes the revision, a re-creation the creation time.
  const podEntries = async (): Promise<string[]> => {
    const pods = new Map((await h.ownedEntries()).filter((entry) => podNameOf(entry) !== '').map((entry) => [entry.id, podNameOf(entry)]));
    const stored = (await h.fleet.spire?.cliEntries()) ?? [];
    return stored.filter((entry) => pods.has(String(entry.id))).map((entry) => [pods.get(String(entry.id)), entry.id, entry.created_at, entry.revision_number ?? 0].map(String).join(' ')).sort();
  };
  await eventually('both objects and both aliases in both clusters, and the pods of both clusters', async () => {
    const pods = (await podEntries()).map((line) => line.split(' ')[0]);
    return ((await declared()).length === 6 && JSON.stringify(pods) === JSON.stringify(['partner-web-1', 'web-1'])) || JSON.stringify([await declared(), pods]);
  });
  const podsBefore = await podEntries();

  partnerApi.process().pause();
  try {
    await eventually('partner-cluster Ready=False/Unresponsive', async () => {
      const ready = (await statusOf(`${registries}/partner-cluster`)).conditions?.find((c) => c.type === 'Ready');
      return (ready?.status === 'False' && ready.reason === 'Unresponsive') || JSON.stringify(ready);
    }, 60_000);
    const deletedAt = Date.now();
    await must(h.fleet.management, 'DELETE', `${clusterSpiffeIds}/frozen`);
    await eventually('the ClusterSpiffeID\'s entries gone from both clusters, the Unresponsive one too', async () => {
      const left = (await declared()).filter((line) => line.startsWith('spiffe://example.org/ns/payments/sa/frozen'));
      return left.length === 0 || JSON.stringify(left);
    });
    const clusterSpiffeIdMs = Date.now() - deletedAt;
    const spiffeIdDeletedAt = Date.now();
    await must(h.fleet.management, 'DELETE', `${spiffeIdsIn('shop')}/frozen`);
    await eventually("the SpiffeID's entries gone, and the node aliases with their last users", async () => {
      const left = await declared();
      return left.length === 0 || JSON.stringify(left);
    });
    process.stdout.write(`# while partner-cluster is Unresponsive: ClusterSpiffeID deleted -> its entries gone in ${(clusterSpiffeIdMs / 1000).toFixed(1)} s; SpiffeID deleted -> its entries and the aliases gone in ${((Date.now() - spiffeIdDeletedAt) / 1000).toFixed(1)} s\n`);
    assert.deepEqual(await podEntries(), podsBefore, 'the pod entries of both clusters stay as they were: the Unresponsive cluster\'s pods are unknown');
  } finally {
    partnerApi.process().resume();
  }
  await eventually('partner-cluster Ready=True/Synced again', async () => {
    const ready = (await statusOf(`${registries}/partner-cluster`)).conditions?.find((c) => c.type === 'Ready');
    return (ready?.status === 'True' && ready.reason === 'Synced') || JSON.stringify(ready);
  }, 60_000);
  assert.deepEqual(await podEntries(), podsBefore, 'nothing of the pods rewritten after the recovery');
  await must(h.fleet.management, 'DELETE', `${identities}/web-app`);
  await eventually("the identity's pod entries gone", async () => JSON.stringify((await podEntries()).map((line) => line.split(' ')[0])) === JSON.stringify(['web-1']));
});

test('without the spiffeid.spiffe.io and spire.spiffe.io CRDs (an upgrade that kept the old ones), the controller starts and serves the other kinds', async () => {
  for (const crd of ['clusterspiffeids.spiffeid.spiffe.io', 'spiffeids.spiffeid.spiffe.io', 'clusterspiffeids.spire.spiffe.io', 'clusterstaticentries.spire.spiffe.io', 'clusterfederatedtrustdomains.spire.spiffe.io']) {
    await must(h.fleet.management, 'DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`);
  }
  for (const path of [clusterSpiffeIds, clusterSPIFFEIDs, clusterStaticEntries, clusterFederatedTrustDomains]) await eventually(`${path} no longer served`, async () => (await h.fleet.management.request('GET', path)).status === 404);
  await h.controller?.stop();
  const proc = h.startController();
  await eventually('the first full reconciliation', async () => logLines(proc).some((line) => line.msg === 'Full reconciliation done'), 60_000);
  for (const crd of ['clusterspiffeids.spiffeid.spiffe.io', 'clusterspiffeids.spire.spiffe.io', 'clusterstaticentries.spire.spiffe.io', 'clusterfederatedtrustdomains.spire.spiffe.io']) {
    assert.ok(logLines(proc).some((line) => String(line.msg).startsWith(`management ${crd}: not served`)), `it says why, naming ${crd}`);
  }
  await must(h.fleet.management, 'POST', identities, webAppIdentity({ environment: 'production' }));
  await eventually("web-1's entry, from the identity", async () => (await h.ownedEntries()).some((entry) => podNameOf(entry) === 'web-1'));
});
