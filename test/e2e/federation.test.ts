import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spiffeBundleJson } from '../support/spiffe-bundle.ts';
import { clusterFederatedTrustDomains, clusterSPIFFEIDs, createNode, createPod, eventually, logLines, must, registries, registryFor, startHarness, type Harness } from './e2e-fixture.ts';

// spire-controller-manager's ClusterFederatedTrustDomain on the rig: the SPIRE server's federation
// relationships follow the objects (created, changed, deleted), a relationship made by hand is left alone,
// and a ClusterSPIFFEID that federates with the trust domain gets its entries once SPIRE knows its bundle.
// One fleet for the file; the tests run in order and build on each other.
let h: Harness;
const apiVersion = 'spire.spiffe.io/v1alpha1';
const claimAnnotation = 'eksclusterregistry.spire.spiffe.io/federation-relationship';
const partnerBundle = spiffeBundleJson({ keyId: 'partner-1' });

const partner = {
  apiVersion,
  kind: 'ClusterFederatedTrustDomain',
  metadata: { name: 'partner' },
  spec: {
    trustDomain: 'partner.org',
    bundleEndpointURL: 'https://spire-bundle.partner.org:8443',
    bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.org/spire/server' },
    trustDomainBundle: partnerBundle,
  },
};

/** `spire-server federation list`, by trust domain, as the CLI prints it. */
async function relationships(): Promise<Map<string, Record<string, unknown>>> {
  const listed = JSON.parse((await h.fleet.spire?.cliOk(['federation', 'list', '-output', 'json'])) ?? '{}') as { federation_relationships?: Record<string, unknown>[] };
  return new Map((listed.federation_relationships ?? []).map((relationship) => [String(relationship.trust_domain), relationship]));
}

interface Conditioned {
  metadata: { finalizers?: string[]; annotations?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
}

async function ready(path: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  return ((await must(h.fleet.management, 'GET', path)) as Conditioned).status?.conditions?.find((condition) => condition.type === 'Ready');
}

/** The owned entries of the federating ClusterSPIFFEID. */
async function federatingEntries(): Promise<{ spiffeId: string; federatesWith: readonly string[] }[]> {
  return (await h.ownedEntries()).filter((entry) => entry.spiffeId === 'spiffe://example.org/ns/shop/sa/web-app');
}

before(async () => {
  h = await startHarness({ gcInterval: '4s' });
  // A relationship made by hand, before the registrar runs.
  await h.fleet.spire?.cliOk(['federation', 'create', '-trustDomain', 'by-hand.org', '-bundleEndpointURL', 'https://by-hand.org:8443', '-bundleEndpointProfile', 'https_web']);
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

test('a ClusterSPIFFEID that federates with a trust domain SPIRE does not know: its entry is refused, told on its status, nothing deleted', async () => {
  await must(h.fleet.management, 'POST', clusterSPIFFEIDs, {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'web' },
    spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', podSelector: { matchLabels: { app: 'web' } }, federatesWith: ['partner.org'] },
  });
  await eventually(
    'Ready=False, EntryFailed',
    async () => {
      const condition = await ready(`${clusterSPIFFEIDs}/web`);
      return (condition?.status === 'False' && condition.reason === 'EntryFailed' && /unable to find federated bundle "spiffe:\/\/partner\.org"/.test(condition.message)) || JSON.stringify(condition);
    },
    60_000,
  );
  assert.deepEqual(await federatingEntries(), []);
});

test('a ClusterFederatedTrustDomain reaches the spire-server as written, owned by its object; the ClusterSPIFFEID then gets its entry', async () => {
  await must(h.fleet.management, 'POST', clusterFederatedTrustDomains, partner);
  await eventually('the relationship', async () => (await relationships()).has('partner.org') || JSON.stringify([...(await relationships()).keys()]), 60_000);
  const relationship = (await relationships()).get('partner.org');
  assert.equal(relationship?.bundle_endpoint_url, 'https://spire-bundle.partner.org:8443');
  assert.deepEqual(relationship?.https_spiffe, { endpoint_spiffe_id: 'spiffe://partner.org/spire/server' });
  const bundle = JSON.parse((await h.fleet.spire?.cliOk(['bundle', 'list', '-id', 'spiffe://partner.org', '-format', 'spiffe'])) ?? '{}') as { keys: { use: string; kid?: string }[] };
  assert.ok(bundle.keys.some((key) => key.kid === 'partner-1'), JSON.stringify(bundle));
  const object = (await must(h.fleet.management, 'GET', `${clusterFederatedTrustDomains}/partner`)) as Conditioned;
  assert.equal(object.metadata.annotations?.[claimAnnotation], 'partner.org');
  assert.deepEqual(object.metadata.finalizers, [claimAnnotation]);
  // The log line a write makes (the restart test below looks for its absence).
  assert.ok(h.controller && logLines(h.controller).some((line) => line.msg === "Federation relationship: created the SPIRE server's federation relationship with partner.org"));
  await eventually('partner Ready', async () => (await ready(`${clusterFederatedTrustDomains}/partner`))?.reason === 'RelationshipSet' || JSON.stringify(await ready(`${clusterFederatedTrustDomains}/partner`)));
  await eventually('the federating entry', async () => (await federatingEntries()).length === 1 || JSON.stringify(await federatingEntries()), 60_000);
  assert.deepEqual((await federatingEntries())[0]?.federatesWith, ['partner.org']);
  await eventually('web Ready', async () => (await ready(`${clusterSPIFFEIDs}/web`))?.status === 'True' || JSON.stringify(await ready(`${clusterSPIFFEIDs}/web`)));
});

test('a change applies; drift made by hand is repaired; a restarted controller owns it still and writes nothing', async () => {
  const patched = await h.fleet.management.request('PATCH', `${clusterFederatedTrustDomains}/partner`, { spec: { bundleEndpointURL: 'https://bundles.partner.org', bundleEndpointProfile: { type: 'https_web', endpointSPIFFEID: null } } }, { contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  await eventually('the new URL and profile', async () => {
    const relationship = (await relationships()).get('partner.org');
    return (relationship?.bundle_endpoint_url === 'https://bundles.partner.org' && relationship.https_web !== undefined) || JSON.stringify(relationship);
  }, 30_000);
  await h.fleet.spire?.cliOk(['federation', 'update', '-trustDomain', 'partner.org', '-bundleEndpointURL', 'https://tampered.example', '-bundleEndpointProfile', 'https_web']);
  await eventually('repaired by the full reconciliation', async () => (await relationships()).get('partner.org')?.bundle_endpoint_url === 'https://bundles.partner.org', 30_000);

  const old = h.controller;
  assert.ok(old);
  await old.stop();
  const proc = h.startController();
  await eventually('the new process reconciled the relationships', async () => logLines(proc).some((line) => line.msg === 'Full reconciliation done'), 60_000);
  // Two federation reconciliations at least (one at start, one gcInterval later): neither wrote.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  assert.deepEqual(logLines(proc).filter((line) => String(line.msg).startsWith('Federation relationship:') || String(line.msg).startsWith('ClusterFederatedTrustDomain ')), []);
  assert.equal((await ready(`${clusterFederatedTrustDomains}/partner`))?.reason, 'RelationshipSet');
});

test('a ClusterFederatedTrustDomain naming a relationship made by hand is told so and leaves it untouched', async () => {
  await must(h.fleet.management, 'POST', clusterFederatedTrustDomains, {
    apiVersion,
    kind: 'ClusterFederatedTrustDomain',
    metadata: { name: 'clash' },
    spec: { trustDomain: 'by-hand.org', bundleEndpointURL: 'https://ours.example', bundleEndpointProfile: { type: 'https_web' } },
  });
  await eventually('RelationshipNotOwned', async () => (await ready(`${clusterFederatedTrustDomains}/clash`))?.reason === 'RelationshipNotOwned' || JSON.stringify(await ready(`${clusterFederatedTrustDomains}/clash`)), 30_000);
  assert.equal((await relationships()).get('by-hand.org')?.bundle_endpoint_url, 'https://by-hand.org:8443');
  // Deleted, it goes at once (it owned nothing) and the relationship made by hand stays.
  await must(h.fleet.management, 'DELETE', `${clusterFederatedTrustDomains}/clash`);
  await eventually('clash gone', async () => (await h.fleet.management.request('GET', `${clusterFederatedTrustDomains}/clash`)).status === 404);
  assert.equal((await relationships()).get('by-hand.org')?.bundle_endpoint_url, 'https://by-hand.org:8443');
});

test('deleted, its relationship goes and then the object; the bundle stays, and with it the federating entry', async () => {
  await must(h.fleet.management, 'DELETE', `${clusterFederatedTrustDomains}/partner`);
  await eventually('the relationship gone', async () => !(await relationships()).has('partner.org'), 30_000);
  await eventually('the object gone', async () => (await h.fleet.management.request('GET', `${clusterFederatedTrustDomains}/partner`)).status === 404, 30_000);
  assert.ok((await relationships()).has('by-hand.org'));
  // SPIRE keeps the trust domain's bundle; nothing is deleted because the relationship went.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  assert.equal((await federatingEntries()).length, 1);
});
