// The conversion keeps the meaning: for generated ClusterSPIFFEIDs (every spec field, the registry selector
// annotation, fallbacks and classes together), the plan of the converted WorkloadIdentities over the
// fixtures' cluster dumps is the plan of the originals, entry for entry. The seed is fixed (CONVERT_SEED
// changes it).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseClusterSPIFFEID, type ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { parseWorkloadIdentity, type WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import { parseControllerManagerConfig } from '../config/load-config.ts';
import { planEntries, type Plan, type PlanInput } from '../reconcile/plan-entries.ts';
import { clusterSPIFFEIDAsIdentity } from '../reconcile/cluster-spiffeid-identity.ts';
import { convertManifests } from './convert-manifests.ts';
import { loadPlanInput } from './plan.ts';

const seed = Number(process.env.CONVERT_SEED ?? 20261207);
const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

// The four dumps of test/fixtures/clusters/ with their registries, under a config that manages them all.
let fleet: Omit<PlanInput, 'identities'>;
before(async () => {
  const input = await loadPlanInput({
    configPath: join(fixtures, 'seed/controller-manager-config.yaml'),
    manifestPaths: ['seed/example-1-web-app.yaml', 'seed/example-2-multi-cluster.yaml', 'seed/eks-cluster-registry.yaml'].map((file) => join(fixtures, file)),
    clusterPaths: new Map(
      Object.entries({
        'production-cluster': 'production-cluster.yaml',
        'us-west-cluster': 'us-west-cluster.json',
        'us-east-cluster': 'us-east-cluster.json',
        'workload-cluster': 'workload-cluster.yaml',
      }).map(([name, file]) => [name, join(fixtures, 'clusters', file)]),
    ),
  });
  assert.ok(input.ok, JSON.stringify(input));
  const config = parseControllerManagerConfig('trustDomain: example.org\nclassName: fleet\nwatchClassless: true\nignoreNamespaces: ["^kube-"]\n', 'config.yaml');
  assert.ok(config.ok);
  fleet = { ...input.value, config: config.value };
});

const templates = {
  spiffeID: [
    'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    'spiffe://example.org/c/{{ .ClusterName }}/{{ .PodMeta.Name }}',
    'spiffe://example.org/node/{{ .NodeMeta.Name }}',
    'spiffe://example.org/app/{{ index .PodMeta.Labels "app" }}',
    'spiffe://example.org/shared',
    'spiffe://example.org/shared',
    // Render failures: an image has ":" and "/", and one pod has no containers.
    'spiffe://example.org/image/{{ (index .PodSpec.Containers 0).Image }}',
  ],
  workloadSelector: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:sa:{{ .PodSpec.ServiceAccountName }}', 'k8s:container-name:{{ (index .PodSpec.Containers 0).Name }}', 'k8s:node-name:{{ .PodSpec.NodeName }}'],
  dnsName: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}', 'web.example.org'],
  // Not a DNS name (aws:///...): every pod fails, so it comes rarely.
  failingDnsName: '{{ .NodeSpec.ProviderID }}',
};

// The dumps' namespaces carry no labels: these select all of them or none.
const namespaceSelectors = [{ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, { matchLabels: { team: 'nobody' } }];

const selectors = [
  { matchLabels: { app: 'web-app' } },
  { matchLabels: { app: 'api-gateway' } },
  { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
  { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['billing', 'auth'] }] },
  { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] },
  { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] },
  { matchLabels: { team: 'nobody' } },
];

const registrySelectors = ['{"matchLabels":{"region":"us-west"}}', '{"matchExpressions":[{"key":"environment","operator":"Exists"}]}', '{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["compute"]}]}', '{"matchLabels":{"tier":"nothing"}}'];

const ttl = fc.oneof(fc.constantFrom('0s', '90s', '1h30m', '24h', '1m1s', '2h0m5s'), fc.integer({ min: 0, max: 200_000 }).map((seconds) => `${seconds}s`));

/** A ClusterSPIFFEID as a user writes it; absent fields are left out, so defaults are drawn too. */
const clusterSPIFFEIDManifest = (name: string): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .record(
      {
        spiffeIDTemplate: fc.constantFrom(...templates.spiffeID),
        namespaceSelector: fc.constantFrom(...namespaceSelectors),
        podSelector: fc.constantFrom(...selectors),
        workloadSelectorTemplates: fc.subarray(templates.workloadSelector, { maxLength: 2 }),
        dnsNameTemplates: fc.tuple(fc.subarray(templates.dnsName), fc.constantFrom(...Array.from({ length: 10 }, (_, index) => index === 0))).map(([names, failing]) => (failing ? [...names, templates.failingDnsName] : names)),
        autoPopulateDNSNames: fc.boolean(),
        federatesWith: fc.array(fc.constantFrom('a.org', 'b.org', 'c.org'), { maxLength: 3 }),
        ttl,
        jwtTtl: ttl,
        admin: fc.boolean(),
        downstream: fc.boolean(),
        hint: fc.constantFrom('', 'web'),
        className: fc.constantFrom('', '', 'fleet', 'other'),
        fallback: fc.boolean(),
      },
      { requiredKeys: ['spiffeIDTemplate'] },
    )
    .chain((spec) =>
      fc.option(fc.constantFrom(...registrySelectors), { nil: undefined }).map((registries) => ({
        apiVersion: 'spire.spiffe.io/v1alpha1',
        kind: 'ClusterSPIFFEID',
        metadata: { name, ...(registries === undefined ? {} : { annotations: { 'eksclusterregistry.spire.spiffe.io/cluster-selector': registries } }) },
        spec,
      })),
    );

const manifests = fc.uniqueArray(fc.constantFrom('alpha', 'beta', 'gamma'), { minLength: 1, maxLength: 3 }).chain((names) => fc.tuple(...names.map(clusterSPIFFEIDManifest)));

/** A plan with every source name as a WorkloadIdentity would have it, so that both plans compare. */
function unprefixed(plan: Plan): unknown {
  const name = (source: string): string => source.replace(/^ClusterSPIFFEID\//, '');
  return {
    entries: plan.entries.map((entry) => ({ ...entry, identities: entry.identities.map(name) })),
    identities: [...plan.identities, ...plan.clusterSPIFFEIDs].map((report) => ({ ...report, name: name(report.name) })),
    errors: plan.errors.map((error) => ({ cluster: error.cluster, pod: error.pod, identity: error.identity === undefined ? undefined : name(error.identity), problem: error.message.slice(error.message.indexOf(': cluster ')) })),
    clusters: plan.clusters,
    keepIdPrefixes: plan.keepIdPrefixes,
    keepPodEntryIdPrefixes: plan.keepPodEntryIdPrefixes,
  };
}

test('the plan of the converted WorkloadIdentities is the plan of the ClusterSPIFFEIDs over the fixture clusters, entry for entry', () => {
  let entries = 0;
  let failures = 0;
  let empty = 0;
  fc.assert(
    fc.property(manifests, (written) => {
      const originals = written.map((object) => {
        const parsed = parseClusterSPIFFEID(object, 'example.org');
        assert.ok(parsed.ok, JSON.stringify(parsed));
        return parsed.value;
      });
      const conversion = convertManifests(written.map((object) => ({ object, source: 'scm.yaml' })));
      assert.deepEqual(conversion.notes, []);
      const converted = conversion.objects.map((object) => {
        const parsed = parseWorkloadIdentity(object);
        assert.ok(parsed.ok, JSON.stringify(parsed));
        return parsed.value;
      });
      const original = planEntries({ ...fleet, identities: [], clusterSPIFFEIDs: originals });
      const after = planEntries({ ...fleet, identities: converted });
      assert.deepEqual(unprefixed(after), unprefixed(original));
      entries += original.entries.length;
      if (original.entries.length === 0) empty++;
      failures += original.errors.length;
    }),
    { seed, numRuns: 300 },
  );
  // The runs must have made entries and render failures, or the comparison proved little.
  assert.ok(entries > 400 && failures > 50 && empty < 200, `${entries} entries, ${failures} failures, ${empty} of 300 runs without entries`);
});

test('the written WorkloadIdentity reads back as the identity the ClusterSPIFFEID renders as', () => {
  fc.assert(
    fc.property(manifests, (written) => {
      const { objects } = convertManifests(written.map((object) => ({ object, source: 'scm.yaml' })));
      written.forEach((object, index) => {
        const parsed = parseClusterSPIFFEID(object);
        assert.ok(parsed.ok);
        const identity = parseWorkloadIdentity(objects[index]);
        assert.ok(identity.ok);
        const expected: WorkloadIdentity = clusterSPIFFEIDAsIdentity(parsed.value as ClusterSPIFFEID);
        assert.deepEqual(identity.value.spec, expected.spec);
        assert.equal(identity.value.metadata.name, parsed.value.metadata.name);
      });
    }),
    { seed, numRuns: 200 },
  );
});

test('metadata: name, labels and annotations carried over; the registry selector moves into the spec; what the API server set is left out', () => {
  const { objects, notes } = convertManifests([
    {
      source: 'dump.yaml',
      object: {
        apiVersion: 'spire.spiffe.io/v1alpha1',
        kind: 'ClusterSPIFFEID',
        metadata: {
          name: 'web',
          uid: 'u-1',
          resourceVersion: '7',
          generation: 2,
          creationTimestamp: '2026-01-01T00:00:00Z',
          labels: { team: 'shop' },
          annotations: { 'eksclusterregistry.spire.spiffe.io/cluster-selector': '{"matchLabels":{"env":"prod"}}', 'kubectl.kubernetes.io/last-applied-configuration': '{}', owner: 'shop' },
        },
        spec: { spiffeIDTemplate: 'spiffe://example.org/web', ttl: '1h' },
        status: { stats: { podsSelected: 2 } },
      },
    },
  ]);
  assert.deepEqual(notes, []);
  assert.deepEqual(objects, [
    {
      apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
      kind: 'WorkloadIdentity',
      metadata: { name: 'web', labels: { team: 'shop' }, annotations: { owner: 'shop' } },
      spec: { spiffeIDTemplate: 'spiffe://example.org/web', clusterSelector: { matchLabels: { env: 'prod' } }, ttl: '1h0m0s' },
    },
  ]);
});

test('what is not converted is said, naming the file, the object and the field; the objects stay in the output as they were', () => {
  const invalid = { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterSPIFFEID', metadata: { name: 'broken' }, spec: { spiffeIDTemplate: 'spiffe://example.org/{{ .Nope', ttl: '-1s' } };
  const staticEntry = { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterStaticEntry', metadata: { name: 'db' }, spec: { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/host', selectors: ['unix:uid:999'] } };
  const storing = { ...staticEntry, metadata: { name: 'store' }, spec: { ...staticEntry.spec, storeSVID: true } };
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
  const clash = { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterSPIFFEID', metadata: { name: 'web' }, spec: { spiffeIDTemplate: 'spiffe://example.org/web' } };
  const identity = { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'WorkloadIdentity', metadata: { name: 'web' }, spec: { spiffeIDTemplate: 'spiffe://example.org/w' } };
  const { objects, notes } = convertManifests([invalid, staticEntry, storing, namespace, clash, identity].map((object) => ({ object, source: 'scm.yaml' })));
  assert.deepEqual(objects.slice(0, 4), [invalid, staticEntry, storing, namespace]);
  assert.equal((objects[4] as { kind: string }).kind, 'WorkloadIdentity');
  assert.deepEqual(objects[5], identity);
  assert.equal(notes.length, 5, notes.join('\n'));
  assert.match(notes[0] ?? '', /^scm\.yaml: ClusterSPIFFEID broken: spec\.spiffeIDTemplate: .*: not converted \(kept as it is\)$/);
  assert.match(notes[1] ?? '', /^scm\.yaml: ClusterSPIFFEID broken: spec\.ttl: must not be negative: not converted/);
  assert.equal(notes[2], 'scm.yaml: ClusterStaticEntry db: kept as it is: the registrar applies ClusterStaticEntries unchanged (docs/scm-resources.md)');
  assert.match(notes[3] ?? '', /^scm\.yaml: ClusterStaticEntry store: spec\.storeSVID: not supported: .*: the registrar refuses it as it is$/);
  assert.equal(notes[4], 'scm.yaml: ClusterSPIFFEID web: metadata.name: a WorkloadIdentity web is in the input too: rename one before applying');
});
