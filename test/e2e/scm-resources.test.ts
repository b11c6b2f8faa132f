import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterEntryIdPrefix } from '../../src/identity/entry-id.ts';
import { formatSelector, type RegistrationEntry } from '../../src/spire/entry.ts';
import { clusterSPIFFEIDs, clusterStaticEntries, createNode, createPod, eventually, must, registries, registryFor, startHarness, type Harness } from './e2e-fixture.ts';

// spire-controller-manager's ClusterSPIFFEID and ClusterStaticEntry on the rig: SCM-style manifests,
// unchanged, in the management cluster; the controller as a process, two workload clusters, a real
// spire-server. One fleet for the file; the tests run in order and build on each other.
let h: Harness;
const apiVersion = 'spire.spiffe.io/v1alpha1';
const clusters = ['production-cluster', 'partner-cluster'] as const;
const foreign = 'manual-scm-1';

// As SCM users write it: every field whose entry SPIRE takes without further set-up (federatesWith needs
// a federated bundle on the server) and templates reaching the containers.
const web = {
  apiVersion,
  kind: 'ClusterSPIFFEID',
  metadata: { name: 'web' },
  spec: {
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    namespaceSelector: { matchLabels: { team: 'a' } },
    podSelector: { matchLabels: { app: 'web' } },
    workloadSelectorTemplates: ['k8s:container-image:{{ (index .PodSpec.Containers 0).Image }}'],
    dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc'],
    ttl: '1h',
    jwtTtl: '5m',
    admin: false,
    downstream: false,
    autoPopulateDNSNames: false,
    hint: 'web',
  },
};

async function uidOf(api: Harness['fleet']['management'], path: string): Promise<string> {
  return ((await must(api, 'GET', path)) as { metadata: { uid: string } }).metadata.uid;
}

function prefixOf(cluster: string): string {
  return clusterEntryIdPrefix(h.prefix, cluster);
}

/** The owned entries with this SPIFFE ID, by the cluster whose ID prefix they carry. */
async function entriesOf(spiffeId: string): Promise<Partial<Record<string, RegistrationEntry>>> {
  const found: Partial<Record<string, RegistrationEntry>> = {};
  for (const entry of await h.ownedEntries()) {
    if (entry.spiffeId !== spiffeId) continue;
    found[clusters.find((cluster) => entry.id.startsWith(prefixOf(cluster))) ?? entry.id] = entry;
  }
  return found;
}

before(async () => {
  h = await startHarness({ gcInterval: '4s' });
  await h.fleet.spire?.cliOk(['entry', 'create', '-entryID', foreign, '-spiffeID', 'spiffe://example.org/manual', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:0']);
  for (const [index, cluster] of clusters.entries()) {
    const workload = h.fleet.workloads[index]?.apiServer;
    assert.ok(workload);
    await must(workload, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop', labels: { team: 'a' } } });
    await must(workload, 'POST', '/api/v1/namespaces', { metadata: { name: 'bank' } });
    await createNode(workload, 'node-1');
    await createPod(workload, 'shop', 'web-1', { app: 'web' }, 'node-1');
    await createPod(workload, 'shop', 'db-1', { app: 'db' }, 'node-1');
    await createPod(workload, 'bank', 'web-1', { app: 'web' }, 'node-1');
    await must(h.fleet.management, 'POST', registries, registryFor(cluster, h.fleet, index, { environment: cluster.split('-')[0] as string }));
  }
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('a ClusterSPIFFEID applied unchanged gives, in both workload clusters, the entry spire-controller-manager writes for the selected pod', async () => {
  await must(h.fleet.management, 'POST', clusterSPIFFEIDs, web);
  const spiffeId = 'spiffe://example.org/ns/shop/sa/web-app';
  await eventually('an entry in each cluster', async () => Object.keys(await entriesOf(spiffeId)).length === 2 || JSON.stringify(await entriesOf(spiffeId)), 60_000);
  const found = await entriesOf(spiffeId);
  for (const [index, cluster] of clusters.entries()) {
    const workload = h.fleet.workloads[index];
    assert.ok(workload);
    const podUid = await uidOf(workload.apiServer, '/api/v1/namespaces/shop/pods/web-1');
    const nodeUid = await uidOf(workload.apiServer, '/api/v1/nodes/node-1');
    const entry = found[cluster];
    assert.ok(entry, cluster);
    assert.deepEqual(
      {
        spiffeId: entry.spiffeId,
        parentId: entry.parentId,
        selectors: entry.selectors.map(formatSelector).sort(),
        dnsNames: entry.dnsNames,
        x509SvidTtl: entry.x509SvidTtl,
        jwtSvidTtl: entry.jwtSvidTtl,
        federatesWith: entry.federatesWith,
        admin: entry.admin,
        downstream: entry.downstream,
        hint: entry.hint,
      },
      {
        spiffeId,
        // SCM's default parentIDTemplate: the agent of the pod's node, attested by k8s_psat in this cluster.
        parentId: `spiffe://example.org/spire/agent/k8s_psat/${workload.clusterName}/${nodeUid}`,
        selectors: [`k8s:container-image:registry.example/web:1`, `k8s:pod-uid:${podUid}`],
        dnsNames: ['web-1.shop.svc'],
        x509SvidTtl: 3600,
        jwtSvidTtl: 300,
        federatesWith: [],
        admin: false,
        downstream: false,
        hint: 'web',
      },
      cluster,
    );
  }
  await eventually('SCM stats in the status', async () => {
    const { status } = (await must(h.fleet.management, 'GET', `${clusterSPIFFEIDs}/web`)) as { status?: { stats?: Record<string, number> } };
    return (status?.stats?.podsSelected === 2 && status.stats.entriesToSet === 2 && status.stats.namespacesSelected === 2) || JSON.stringify(status);
  });
});

test('the registry selector annotation narrows it to the production cluster: the partner cluster loses its entry', async () => {
  const annotation = { metadata: { annotations: { 'eksclusterregistry.spire.spiffe.io/cluster-selector': '{"matchLabels":{"environment":"production"}}' } } };
  const patched = await h.fleet.management.request('PATCH', `${clusterSPIFFEIDs}/web`, annotation, { contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  await eventually('only production', async () => {
    const found = Object.keys(await entriesOf('spiffe://example.org/ns/shop/sa/web-app'));
    return (found.length === 1 && found[0] === 'production-cluster') || JSON.stringify(found);
  }, 60_000);
});

test('a ClusterStaticEntry reaches the spire-server as written and is removed when deleted; a foreign entry is untouched', async () => {
  await must(h.fleet.management, 'POST', clusterStaticEntries, {
    apiVersion,
    kind: 'ClusterStaticEntry',
    metadata: { name: 'db' },
    spec: { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/spire/agent/join_token/db-host', selectors: ['unix:uid:999', 'unix:user:postgres'], dnsNames: ['db.example.org'], x509SVIDTTL: '4h', hint: 'db' },
  });
  await eventually('the static entry', async () => Object.keys(await entriesOf('spiffe://example.org/db')).length === 1, 60_000);
  const [entry] = Object.values(await entriesOf('spiffe://example.org/db'));
  assert.ok(entry);
  assert.deepEqual(
    [entry.parentId, entry.selectors.map(formatSelector).sort(), entry.dnsNames, entry.x509SvidTtl, entry.hint],
    ['spiffe://example.org/spire/agent/join_token/db-host', ['unix:uid:999', 'unix:user:postgres'], ['db.example.org'], 14400, 'db'],
  );
  await eventually('rendered and set', async () => {
    const { status } = (await must(h.fleet.management, 'GET', `${clusterStaticEntries}/db`)) as { status?: { rendered?: boolean; masked?: boolean; set?: boolean } };
    return (status?.rendered === true && status.masked === false && status.set === true) || JSON.stringify(status);
  });
  await must(h.fleet.management, 'DELETE', `${clusterStaticEntries}/db`);
  await eventually('the static entry gone', async () => Object.keys(await entriesOf('spiffe://example.org/db')).length === 0, 60_000);
  const all = await h.fleet.spire?.cliOk(['entry', 'show', '-entryID', foreign]);
  assert.match(all ?? '', /spiffe:\/\/example\.org\/manual/);
});
