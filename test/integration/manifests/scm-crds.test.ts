import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseClusterFederatedTrustDomain } from '../../../src/api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { parseClusterSPIFFEID } from '../../../src/api/spire-v1alpha1/cluster-spiffeid.ts';
import { parseClusterStaticEntry } from '../../../src/api/spire-v1alpha1/cluster-static-entry.ts';
import { spiffeBundleJson } from '../../support/spiffe-bundle.ts';
import { startManifestsApi, statusMessage, type ManifestsApi } from './api-fixture.ts';
import { configDir, readManifest, type ManifestObject } from './manifest-files.ts';

// spire-controller-manager's kinds on a real kube-apiserver with the CRDs of config/crd/bases: its
// manifests, every field set, are accepted unchanged under strict field validation (what kubectl apply
// asks for), and what the apiserver stores means the same to the registrar.

const apiVersion = 'spire.spiffe.io/v1alpha1';
let kube: ManifestsApi;

before(async () => {
  kube = await startManifestsApi('it-manifests-scm-crds-');
  const crds: ManifestObject[] = [];
  for (const file of await readdir(join(configDir, 'crd', 'bases'))) crds.push(...(await readManifest(join('config', 'crd', 'bases', file))).map(({ object }) => object));
  await kube.installCrds(crds);
});
after(() => kube?.stop());

// Every spec field of spire-controller-manager's ClusterSPIFFEID, ClusterStaticEntry and
// ClusterFederatedTrustDomain (api/v1alpha1).
const everyField: readonly ManifestObject[] = [
  {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'every-field' },
    spec: {
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      ttl: '1h0m0s',
      jwtTtl: '5m',
      dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'],
      workloadSelectorTemplates: ['k8s:container-image:{{ (index .PodSpec.Containers 0).Image }}'],
      federatesWith: ['partner.org'],
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] },
      podSelector: { matchLabels: { app: 'web' } },
      admin: false,
      downstream: false,
      autoPopulateDNSNames: true,
      className: '',
      fallback: true,
      hint: 'web',
    },
  },
  {
    apiVersion,
    kind: 'ClusterStaticEntry',
    metadata: { name: 'every-field' },
    spec: {
      spiffeID: 'spiffe://example.org/db',
      parentID: 'spiffe://example.org/spire/agent/join_token/host-1',
      selectors: ['unix:uid:999'],
      federatesWith: ['partner.org'],
      x509SVIDTTL: '4h',
      jwtSVIDTTL: '10m',
      dnsNames: ['db.example.org'],
      hint: 'db',
      admin: false,
      downstream: false,
      storeSVID: false,
      className: '',
    },
  },
  {
    apiVersion,
    kind: 'ClusterFederatedTrustDomain',
    metadata: { name: 'every-field' },
    spec: {
      trustDomain: 'partner.org',
      bundleEndpointURL: 'https://spire-bundle.partner.org:8443',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.org/spire/server' },
      trustDomainBundle: spiffeBundleJson(),
      className: '',
    },
  },
];

function parse(object: unknown): ReturnType<typeof parseClusterSPIFFEID> | ReturnType<typeof parseClusterStaticEntry> | ReturnType<typeof parseClusterFederatedTrustDomain> {
  const { kind } = object as ManifestObject;
  if (kind === 'ClusterSPIFFEID') return parseClusterSPIFFEID(object, 'example.org');
  return kind === 'ClusterStaticEntry' ? parseClusterStaticEntry(object, 'example.org') : parseClusterFederatedTrustDomain(object, 'example.org');
}

test("spire-controller-manager's manifests and the samples are accepted unchanged, and what is stored means the same to the registrar", async () => {
  const samples: ManifestObject[] = [];
  for (const file of ['clusterspiffeid-scm-default.yaml', 'clusterstaticentry-database.yaml', 'clusterfederatedtrustdomain-partner.yaml']) samples.push(...(await readManifest(join('config', 'samples', file))).map(({ object }) => object));
  for (const manifest of [...everyField, ...samples]) {
    const created = await kube.create(manifest);
    assert.equal(created.status, 201, `${manifest.kind} ${manifest.metadata.name}: ${statusMessage(created)}`);
    const [before, after] = [parse(manifest), parse(created.body)];
    assert.ok(before.ok && after.ok, JSON.stringify([before, after]));
    assert.deepEqual(after.value.spec, before.value.spec, `${manifest.kind} ${manifest.metadata.name}`);
  }
});

test("the statuses spire-controller-manager writes are accepted by the status subresource", async () => {
  for (const [kind, status] of [
    ['ClusterSPIFFEID', { stats: { namespacesSelected: 3, namespacesIgnored: 1, podsSelected: 4, podEntryRenderFailures: 0, entriesMasked: 1, entriesToSet: 3, entryFailures: 0 } }],
    ['ClusterStaticEntry', { rendered: true, masked: false, set: true }],
    // SCM writes an empty status.
    ['ClusterFederatedTrustDomain', {}],
  ] as const) {
    const manifest = everyField.find((object) => object.kind === kind) as ManifestObject;
    const path = await kube.objectPath(manifest);
    const current = (await kube.request('GET', path)).body as ManifestObject;
    const updated = await kube.request('PUT', `${path}/status`, { body: { ...current, status } });
    assert.equal(updated.status, 200, statusMessage(updated));
    assert.deepEqual((updated.body as { status: unknown }).status, status);
  }
});

test("kubectl get shows spire-controller-manager's columns for a ClusterFederatedTrustDomain, and whether it is Ready", async () => {
  const manifest = everyField.find((object) => object.kind === 'ClusterFederatedTrustDomain') as ManifestObject;
  const path = await kube.objectPath(manifest);
  const current = (await kube.request('GET', path)).body as ManifestObject;
  const condition = { type: 'Ready', status: 'True', reason: 'RelationshipSet', message: 'set', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 };
  assert.equal((await kube.request('PUT', `${path}/status`, { body: { ...current, status: { conditions: [condition] } } })).status, 200);
  const table = (await kube.request('GET', path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  const cells = Object.fromEntries(table.columnDefinitions.map((column, index) => [column.name, table.rows[0]?.cells[index]]));
  assert.deepEqual([cells['Trust Domain'], cells['Endpoint URL'], cells.Ready, cells.Reason], ['partner.org', 'https://spire-bundle.partner.org:8443', 'True', 'RelationshipSet']);
});
