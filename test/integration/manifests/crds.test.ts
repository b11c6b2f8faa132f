import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseClusterSpiffeID } from '../../../src/api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { parseSpiffeID } from '../../../src/api/spiffeid-v1beta1/spiffe-id.ts';
import { parseEKSClusterRegistry } from '../../../src/api/v1alpha1/eks-cluster-registry.ts';
import { parseWorkloadIdentity } from '../../../src/api/v1alpha1/workload-identity.ts';
import type { Validated } from '../../../src/api/validation.ts';
import { startManifestsApi, statusMessage, type ApiResponse, type ManifestsApi } from './api-fixture.ts';
import { configDir, readManifest, readSeedFixture, type ManifestObject } from './manifest-files.ts';

// The CRDs of config/crd/bases on a real kube-apiserver: what it accepts, refuses, defaults and prints,
// compared with what the registrar's own validation (src/api) says about the same objects.

const group = 'eksclusterregistry.spire.spiffe.io';
const apiVersion = `${group}/v1alpha1`;
const registries = `/apis/${apiVersion}/eksclusterregistries`;
const identities = `/apis/${apiVersion}/workloadidentities`;
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io';

let kube: ManifestsApi;

before(async () => {
  kube = await startManifestsApi('it-manifests-crds-');
  const crds: ManifestObject[] = [];
  for (const file of await readdir(join(configDir, 'crd', 'bases'))) {
    crds.push(...(await readManifest(join('config', 'crd', 'bases', file))).map(({ object }) => object));
  }
  await kube.installCrds(crds);
});
after(() => kube?.stop());

type Spec = Record<string, unknown>;

function registry(spec: Spec, name = 'probe'): ManifestObject {
  return { apiVersion, kind: 'EKSClusterRegistry', metadata: { name }, spec: { clusterName: 'c', region: 'us-west-2', accountId: '123456789012', ...spec } };
}

function identity(spec: Spec, name = 'probe'): ManifestObject {
  return { apiVersion, kind: 'WorkloadIdentity', metadata: { name }, spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/x', ...spec } };
}

/** The registrar's verdict on an object of either kind. */
function parse(object: unknown): Validated<unknown> {
  return (object as ManifestObject).kind === 'WorkloadIdentity' ? parseWorkloadIdentity(object) : parseEKSClusterRegistry(object);
}

function parsedSpec(object: unknown): unknown {
  const result = parse(object);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return (result.value as { spec: unknown }).spec;
}

async function ok(response: Promise<ApiResponse>, status = 200): Promise<Record<string, unknown>> {
  const { status: actual, body } = await response;
  assert.equal(actual, status, JSON.stringify(body));
  return body as Record<string, unknown>;
}

test('discovery serves both kinds cluster-scoped, with short names, the spire category and a status subresource', async () => {
  const body = await ok(kube.request('GET', `/apis/${apiVersion}`));
  const resources = body.resources as { name: string; kind: string; namespaced: boolean; shortNames?: string[]; categories?: string[]; verbs: string[] }[];
  const byName = new Map(resources.map((r) => [r.name, r]));
  for (const [plural, kind, shortName] of [
    ['eksclusterregistries', 'EKSClusterRegistry', 'ekscr'],
    ['workloadidentities', 'WorkloadIdentity', 'wid'],
  ] as const) {
    const resource = byName.get(plural);
    assert.ok(resource !== undefined, plural);
    assert.equal(resource.kind, kind);
    assert.equal(resource.namespaced, false);
    assert.deepEqual(resource.shortNames, [shortName]);
    assert.deepEqual(resource.categories, ['spire']);
    assert.ok(byName.has(`${plural}/status`), `${plural}/status`);
  }
});

test("the seed's examples are accepted unchanged, and what the apiserver stores means the same to the registrar", async () => {
  const files = ['eks-cluster-registry.yaml', 'workload-identity.yaml', 'example-1-web-app.yaml', 'example-2-multi-cluster.yaml', 'example-3-cross-account.yaml'];
  let created = 0;
  for (const file of files) {
    for (const { object } of await readSeedFixture(file)) {
      const stored = await ok(kube.create(object), 201);
      assert.deepEqual(parsedSpec(stored), parsedSpec(object), `${file}: ${object.kind} ${object.metadata.name}`);
      created++;
    }
  }
  assert.equal(created, 8);
});

test("the apiserver's defaults are the registrar's: a minimal object means the same before and after", async () => {
  for (const object of [registry({}), identity({})]) {
    const stored = await ok(kube.create(object, { dryRun: true }), 201);
    assert.notDeepEqual(stored.spec, object.spec, 'the apiserver filled in defaults');
    assert.deepEqual(parsedSpec(stored), parsedSpec(object), object.kind);
  }
  const stored = (await ok(kube.create(registry({ enabled: false }), { dryRun: true }), 201)) as { spec: { enabled: boolean } };
  assert.equal(stored.spec.enabled, false, 'a given value is kept');
});

interface Rejection {
  readonly what: string;
  readonly object: ManifestObject;
  /** The fields the apiserver's causes name, in order. */
  readonly fields: readonly string[];
  /** Words the message must contain. */
  readonly says: readonly string[];
}

const rejections: readonly Rejection[] = [
  { what: 'an unquoted account ID', object: registry({ accountId: 72422391281 }), fields: ['spec.accountId', '<nil>'], says: ['must be of type string'] },
  { what: 'an account ID of 11 digits', object: registry({ accountId: '12345678901' }), fields: ['spec.accountId'], says: ['should match'] },
  { what: 'a region in capitals', object: registry({ region: 'US-WEST-2' }), fields: ['spec.region'], says: ['should match'] },
  { what: 'a cluster name starting with "-"', object: registry({ clusterName: '-prod' }), fields: ['spec.clusterName'], says: ['should match'] },
  { what: 'a user ARN as role', object: registry({ assumeRoleArn: 'arn:aws:iam::123456789012:user/bob' }), fields: ['spec.assumeRoleArn'], says: ['should match'] },
  { what: 'enabled as a string', object: registry({ enabled: 'yes' }), fields: ['spec.enabled', '<nil>'], says: ['must be of type boolean'] },
  { what: 'a missing cluster name', object: { ...registry({}), spec: { region: 'us-west-2', accountId: '123456789012' } }, fields: ['spec.clusterName', '<nil>'], says: ['Required value'] },
  { what: 'a missing spec', object: { apiVersion, kind: 'EKSClusterRegistry', metadata: { name: 'probe' } }, fields: ['spec', '<nil>'], says: ['Required value'] },
  { what: 'a label key with a space', object: registry({ labels: { 'team name': 'x' } }), fields: ['spec.labels'], says: ['every key must be a label key'] },
  { what: 'a label value starting with "-"', object: registry({ labels: { team: '-x' } }), fields: ['spec.labels.team'], says: ['should match'] },
  { what: 'a TTL that is no duration', object: identity({ ttl: '1x' }), fields: ['spec.ttl'], says: ['should match'] },
  { what: 'a negative TTL', object: identity({ ttl: '-5m' }), fields: ['spec.ttl'], says: ['whole number of seconds from 0s to 2147483647s'] },
  { what: 'a fractional JWT TTL', object: identity({ jwtTtl: '1.5s' }), fields: ['spec.jwtTtl'], says: ['whole number of seconds'] },
  { what: 'a TTL beyond int32 seconds', object: identity({ ttl: '2147483648s' }), fields: ['spec.ttl'], says: ['2147483647s'] },
  { what: 'an unknown selector operator', object: identity({ podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] } }), fields: ['spec.podSelector.matchExpressions[0].operator', '<nil>'], says: ['supported values: "In", "NotIn", "Exists", "DoesNotExist"'] },
  { what: 'In without values', object: identity({ clusterSelector: { matchExpressions: [{ key: 'tier', operator: 'In' }] } }), fields: ['spec.clusterSelector.matchExpressions[0]'], says: ['values must be non-empty when the operator is In or NotIn'] },
  { what: 'Exists with values', object: identity({ podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['a'] }] } }), fields: ['spec.podSelector.matchExpressions[0]'], says: ['values must be empty when the operator is Exists or DoesNotExist'] },
  { what: 'a matchLabels key with a space', object: identity({ clusterSelector: { matchLabels: { 'a b': 'c' } } }), fields: ['spec.clusterSelector.matchLabels'], says: ['every key must be a label key'] },
  { what: 'a namespace in capitals', object: identity({ namespace: 'Default' }), fields: ['spec.namespace'], says: ['should match'] },
  { what: 'an empty SPIFFE ID template', object: identity({ spiffeIDTemplate: '' }), fields: ['spec.spiffeIDTemplate'], says: ['at least 1 chars long'] },
  { what: 'a trust domain in capitals', object: identity({ federatesWith: ['Example.org'] }), fields: ['spec.federatesWith[0]'], says: ['should match'] },
  { what: 'an empty DNS name template', object: identity({ dnsNameTemplates: [''] }), fields: ['spec.dnsNameTemplates[0]'], says: ['at least 1 chars long'] },
  { what: 'admin as a string', object: identity({ admin: 'false' }), fields: ['spec.admin', '<nil>'], says: ['must be of type boolean'] },
];

for (const { what, object, fields, says } of rejections) {
  test(`refused with 422, naming the field: ${what}`, async () => {
    const response = await kube.create(object, { dryRun: true });
    assert.equal(response.status, 422, JSON.stringify(response.body));
    const causes = (response.body as { details?: { causes?: { field: string }[] } }).details?.causes ?? [];
    // "<nil>" is the apiserver's note that CEL rules were skipped because of a type error.
    assert.deepEqual(
      causes.map((cause) => cause.field),
      fields,
      statusMessage(response),
    );
    for (const words of says) assert.ok(statusMessage(response).includes(words), `${statusMessage(response)}\nlacks: ${words}`);
    assert.ok(!parse(object).ok, 'the registrar refuses it too');
  });
}

test('unknown fields: refused under strict field validation (kubectl apply), dropped with a warning otherwise', async () => {
  const typo = registry({ clusterNmae: 'x' });
  const strict = await kube.create(typo, { dryRun: true });
  assert.equal(strict.status, 400);
  assert.match(statusMessage(strict), /unknown field "spec\.clusterNmae"/);
  const lenient = await kube.create(typo, { dryRun: true, lenient: true });
  assert.equal(lenient.status, 201);
  // A Warning header: 299 - "unknown field \"spec.clusterNmae\"".
  assert.ok(lenient.warnings.some((w) => w.includes('unknown field \\"spec.clusterNmae\\"')), lenient.warnings.join('\n'));
  assert.equal('clusterNmae' in ((lenient.body as { spec: Spec }).spec), false);
  assert.ok(!parse(typo).ok, 'the registrar refuses the typo');
});

/** `[what, object, valid]`: both the apiserver and the registrar must give this verdict. */
type Case = readonly [what: string, object: ManifestObject, valid: boolean];

const x = (n: number): string => 'x'.repeat(n);

const agreed: readonly Case[] = [
  ['clusterName "a"', registry({ clusterName: 'a' }), true],
  ['clusterName with "_" and "-"', registry({ clusterName: '9A_b-c' }), true],
  ['clusterName of 100', registry({ clusterName: x(100) }), true],
  ['clusterName of 101', registry({ clusterName: x(101) }), false],
  ['clusterName with "."', registry({ clusterName: 'a.b' }), false],
  ['clusterName starting with "_"', registry({ clusterName: '_a' }), false],
  ['clusterName empty', registry({ clusterName: '' }), false],
  ['region us-gov-west-1', registry({ region: 'us-gov-west-1' }), true],
  ['region ap-southeast-1', registry({ region: 'ap-southeast-1' }), true],
  ['region without number', registry({ region: 'us-west' }), false],
  ['region with "_"', registry({ region: 'us_west_2' }), false],
  ['region empty', registry({ region: '' }), false],
  ['accountId with a leading zero', registry({ accountId: '012345678901' }), true],
  ['accountId of 13 digits', registry({ accountId: '1234567890123' }), false],
  ['accountId of letters', registry({ accountId: 'abcdefghijkl' }), false],
  ['accountId as a number', registry({ accountId: 123456789012 }), false],
  ['assumeRoleArn empty', registry({ assumeRoleArn: '' }), true],
  ['assumeRoleArn with a path', registry({ assumeRoleArn: 'arn:aws:iam::123456789012:role/team/Spire+=,.@-_' }), true],
  ['assumeRoleArn in aws-us-gov', registry({ assumeRoleArn: 'arn:aws-us-gov:iam::123456789012:role/R' }), true],
  ['assumeRoleArn of STS', registry({ assumeRoleArn: 'arn:aws:sts::123456789012:role/R' }), false],
  ['assumeRoleArn with a short account', registry({ assumeRoleArn: 'arn:aws:iam::1234:role/R' }), false],
  ['assumeRoleArn without a name', registry({ assumeRoleArn: 'arn:aws:iam::123456789012:role/' }), false],
  ['enabled false', registry({ enabled: false }), true],
  ['labels with a prefix', registry({ labels: { 'example.com/tier': 'compute' } }), true],
  ['labels with an empty value', registry({ labels: { tier: '' } }), true],
  ['label value of 63', registry({ labels: { tier: x(63) } }), true],
  ['label value of 64', registry({ labels: { tier: x(64) } }), false],
  ['label name of 64', registry({ labels: { [x(64)]: 'v' } }), false],
  ['label prefix in capitals', registry({ labels: { 'Example.com/tier': 'v' } }), false],
  ['label prefix of 254', registry({ labels: { [`${x(254)}/tier`]: 'v' } }), false],
  ['label prefix of 253', registry({ labels: { [`${'x.'.repeat(126)}x/tier`]: 'v' } }), true],
  ['label key "/a"', registry({ labels: { '/a': 'v' } }), false],
  ['label key "a/b/c"', registry({ labels: { 'a/b/c': 'v' } }), false],
  ['labels not a map', registry({ labels: ['a'] }), false],
  ['name not a DNS subdomain', registry({}, 'Bad_Name'), false],
  ['namespace empty', identity({ namespace: '' }), true],
  ['namespace of 63', identity({ namespace: x(63) }), true],
  ['namespace of 64', identity({ namespace: x(64) }), false],
  ['namespace with "_"', identity({ namespace: 'a_b' }), false],
  ['ttl 90s', identity({ ttl: '90s' }), true],
  ['ttl 1h30m', identity({ ttl: '1h30m' }), true],
  ['ttl 1.5h', identity({ ttl: '1.5h' }), true],
  ['ttl 1000ms', identity({ ttl: '1000ms' }), true],
  ['ttl 0', identity({ ttl: '0' }), true],
  ['ttl +1h', identity({ ttl: '+1h' }), true],
  ['ttl 2147483647s', identity({ ttl: '2147483647s' }), true],
  ['ttl 1s1ns', identity({ ttl: '1s1ns' }), false],
  ['ttl 1µs', identity({ ttl: '1\u00b5s' }), false],
  ['ttl without unit', identity({ ttl: '1' }), false],
  ['ttl unit alone', identity({ ttl: 'h' }), false],
  ['ttl empty', identity({ ttl: '' }), false],
  ['ttl as a number', identity({ ttl: 3600 }), false],
  ['ttl beyond int64 nanoseconds', identity({ ttl: '9999999h' }), false],
  ['jwtTtl 5m', identity({ jwtTtl: '5m' }), true],
  ['jwtTtl -1s', identity({ jwtTtl: '-1s' }), false],
  ['federatesWith spiffe://example.org', identity({ federatesWith: ['spiffe://example.org'] }), true],
  ['federatesWith a_b-c.d', identity({ federatesWith: ['a_b-c.d'] }), true],
  ['federatesWith of 255', identity({ federatesWith: [x(255)] }), true],
  ['federatesWith of 256', identity({ federatesWith: [x(256)] }), false],
  ['federatesWith spiffe:// alone', identity({ federatesWith: ['spiffe://'] }), false],
  ['federatesWith with a path', identity({ federatesWith: ['example.org/x'] }), false],
  ['federatesWith empty', identity({ federatesWith: [''] }), false],
  ['podSelector In', identity({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] } }), true],
  ['podSelector NotIn []', identity({ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [] }] } }), false],
  ['podSelector DoesNotExist []', identity({ podSelector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist', values: [] }] } }), true],
  ['podSelector key with a prefix', identity({ podSelector: { matchExpressions: [{ key: 'example.com/app', operator: 'Exists' }] } }), true],
  ['podSelector key with a space', identity({ podSelector: { matchExpressions: [{ key: 'my app', operator: 'Exists' }] } }), false],
  ['podSelector key prefix of 254', identity({ podSelector: { matchExpressions: [{ key: `${x(254)}/a`, operator: 'Exists' }] } }), false],
  ['podSelector value starting with "."', identity({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['.a'] }] } }), false],
  ['podSelector without operator', identity({ podSelector: { matchExpressions: [{ key: 'app' }] } }), false],
  ['podSelector with a misspelt field', identity({ podSelector: { matchExpression: [] } }), false],
  ['clusterSelector matchLabels', identity({ clusterSelector: { matchLabels: { tier: 'compute' } } }), true],
  ['parentIDTemplate empty', identity({ parentIDTemplate: '' }), true],
  ['parentIDTemplate a template', identity({ parentIDTemplate: 'spiffe://{{ .TrustDomain }}/agent/{{ .NodeMeta.UID }}' }), true],
  ['workloadSelectorTemplates empty item', identity({ workloadSelectorTemplates: [''] }), false],
  ['dnsNameTemplates not a list', identity({ dnsNameTemplates: 'a' }), false],
  ['applicationName as a number', identity({ applicationName: 5 }), false],
  ['hint', identity({ hint: 'internal' }), true],
  ['autoPopulateDNSNames true', identity({ autoPopulateDNSNames: true }), true],
  ['downstream as a string', identity({ downstream: 'true' }), false],
];

test('the apiserver and the registrar agree on which values are valid', async () => {
  const disagreements: string[] = [];
  for (const [what, object, valid] of agreed) {
    const registrar = parse(object).ok;
    const response = await kube.create(object, { dryRun: true });
    assert.ok([201, 400, 422].includes(response.status), `${what}: ${response.status} ${JSON.stringify(response.body)}`);
    const apiserver = response.status === 201;
    if (registrar !== valid || apiserver !== valid) disagreements.push(`${what}: expected ${valid}, registrar ${registrar}, apiserver ${apiserver} (${apiserver ? '' : statusMessage(response)})`);
    // What the apiserver stores (pruned and defaulted) is what the registrar will read.
    if (apiserver && valid) assert.ok(parse(response.body).ok, `${what}: the stored object does not parse`);
  }
  assert.deepEqual(disagreements, []);
});

interface Disagreement {
  readonly what: string;
  readonly object: ManifestObject;
  readonly registrar: boolean;
  readonly apiserver: boolean;
  /** Whether the registrar accepts what the apiserver stores, when it stores the object. */
  readonly storedParses?: boolean;
  readonly why: string;
}

/** The known differences, each kept on purpose (docs/adr/0012). */
const disagreed: readonly Disagreement[] = [
  { what: 'a SPIFFE ID template that does not parse', object: identity({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain' }), registrar: false, apiserver: true, storedParses: false, why: 'CEL cannot parse Go templates; the registrar reports it' },
  { what: 'a DNS name template that does not parse', object: identity({ dnsNameTemplates: ['{{ end }}'] }), registrar: false, apiserver: true, storedParses: false, why: 'CEL cannot parse Go templates; the registrar reports it' },
  { what: '257 labels', object: registry({ labels: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`l${i}`, 'v'])) }), registrar: true, apiserver: false, why: 'CEL cost needs a bound on the map' },
  { what: '257 selector requirements', object: identity({ podSelector: { matchExpressions: Array.from({ length: 257 }, (_, i) => ({ key: `k${i}`, operator: 'Exists' })) } }), registrar: true, apiserver: false, why: 'CEL cost needs a bound on the list' },
  { what: 'a TTL of 66 characters', object: identity({ ttl: '1s'.repeat(33) }), registrar: true, apiserver: false, why: 'CEL cost needs a bound on the string' },
  { what: 'a null matchLabels', object: identity({ podSelector: { matchLabels: null } }), registrar: false, apiserver: true, storedParses: true, why: 'the apiserver drops nulls, so the registrar never reads one' },
];

test('the known disagreements between the apiserver and the registrar are exactly these', async () => {
  for (const { what, object, registrar, apiserver, storedParses, why } of disagreed) {
    assert.equal(parse(object).ok, registrar, `${what}: the registrar (${why})`);
    const response = await kube.create(object, { dryRun: true });
    assert.equal(response.status === 201, apiserver, `${what}: the apiserver (${why}): ${statusMessage(response)}`);
    if (apiserver) assert.equal(parse(response.body).ok, storedParses, `${what}: the registrar on the stored object`);
  }
});

async function writeStatus(path: string, status: unknown): Promise<Record<string, unknown>> {
  const current = await ok(kube.request('GET', path));
  return ok(kube.request('PUT', `${path}/status`, { body: { ...current, status } }));
}

async function table(path: string): Promise<{ columns: { name: string; type: string; priority: number }[]; cells: unknown[] }> {
  const body = await ok(kube.request('GET', path, { accept: tableAccept }));
  assert.equal(body.kind, 'Table');
  const rows = body.rows as { cells: unknown[] }[];
  assert.equal(rows.length, 1);
  return { columns: body.columnDefinitions as { name: string; type: string; priority: number }[], cells: (rows[0] as { cells: unknown[] }).cells };
}

const age = /^\d+s$/;

test('kubectl get eksclusterregistries shows cluster, region, account, ready, entries and age (and with -o wide the shard, enabled, namespaces and last sync)', async () => {
  const path = `${registries}/columns-cluster`;
  await ok(kube.create(registry({ clusterName: 'prod-eks', region: 'eu-west-1', accountId: '012345678901' }, 'columns-cluster')), 201);
  const before = await table(path);
  assert.deepEqual(before.cells.slice(0, 6), ['columns-cluster', 'prod-eks', 'eu-west-1', '012345678901', null, null], 'no status yet');

  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await writeStatus(path, {
    lastSync: now,
    conditions: [
      { type: 'Synced', status: 'False', reason: 'Pending', message: '', lastTransitionTime: now },
      { type: 'Ready', status: 'True', reason: 'InformersSynced', message: 'pods, nodes and namespaces are synced', lastTransitionTime: now, observedGeneration: 1 },
    ],
    namespacesCount: 7,
    entriesRegistered: 42,
    shard: 'registrar-1',
  });
  const { columns, cells } = await table(path);
  assert.deepEqual(
    columns.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['EKS Cluster', 'string', 0],
      ['Region', 'string', 0],
      ['Account', 'string', 0],
      ['Ready', 'string', 0],
      ['Entries', 'integer', 0],
      ['Age', 'date', 0],
      ['Shard', 'string', 1],
      ['Enabled', 'boolean', 1],
      ['Namespaces', 'integer', 1],
      ['Last Sync', 'date', 1],
    ],
  );
  assert.deepEqual(cells.slice(0, 6), ['columns-cluster', 'prod-eks', 'eu-west-1', '012345678901', 'True', 42]);
  assert.match(String(cells[6]), age);
  assert.deepEqual(cells.slice(7, 10), ['registrar-1', true, 7]);
  assert.match(String(cells[10]), age);
});

test('kubectl get workloadidentities shows clusters, pods, entries and age (and more with -o wide)', async () => {
  const path = `${identities}/columns-identity`;
  await ok(kube.create(identity({ namespace: 'payments' }, 'columns-identity')), 201);
  await writeStatus(path, {
    stats: { clustersTargeted: 3, namespacesFound: 3, podsSelected: 12, entriesRegistered: 11, entriesMasked: 1, renderFailures: 2 },
    lastReconciliation: new Date().toISOString(),
  });
  const { columns, cells } = await table(path);
  assert.deepEqual(
    columns.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Clusters', 'integer', 0],
      ['Pods', 'integer', 0],
      ['Entries', 'integer', 0],
      ['Age', 'date', 0],
      ['Pod Namespace', 'string', 1],
      ['Masked', 'integer', 1],
      ['Failures', 'integer', 1],
    ],
  );
  assert.deepEqual(cells.slice(0, 4), ['columns-identity', 3, 12, 11]);
  assert.match(String(cells[4]), age);
  assert.deepEqual(cells.slice(5), ['payments', 1, 2]);
});

test('the status subresource ignores spec changes, and the main resource ignores status changes', async () => {
  const path = `${registries}/status-split`;
  const created = (await ok(kube.create(registry({ clusterName: 'original' }, 'status-split')), 201)) as { metadata: { generation: number } };
  const afterStatus = (await writeStatus(path, { entriesRegistered: 5 })) as { spec: Spec; status: Spec; metadata: { generation: number } };
  assert.equal(afterStatus.status.entriesRegistered, 5);

  // A status write that also changes spec: spec stays, generation stays.
  const statusWrite = (await ok(
    kube.request('PUT', `${path}/status`, { body: { ...afterStatus, spec: { ...afterStatus.spec, clusterName: 'changed' }, status: { entriesRegistered: 6 } } }),
  )) as typeof afterStatus;
  assert.equal(statusWrite.spec.clusterName, 'original');
  assert.equal(statusWrite.status.entriesRegistered, 6);
  assert.equal(statusWrite.metadata.generation, created.metadata.generation);

  // A main-resource write that also changes status: status stays, spec changes, generation moves on.
  const specWrite = (await ok(
    kube.request('PUT', path, { body: { ...statusWrite, spec: { ...statusWrite.spec, clusterName: 'renamed' }, status: { entriesRegistered: 99 } } }),
  )) as typeof afterStatus;
  assert.equal(specWrite.spec.clusterName, 'renamed');
  assert.equal(specWrite.status.entriesRegistered, 6);
  assert.equal(specWrite.metadata.generation, created.metadata.generation + 1);

  const stored = (await ok(kube.request('GET', path))) as typeof afterStatus;
  assert.deepEqual([stored.spec.clusterName, stored.status.entriesRegistered], ['renamed', 6]);
});

test('status writes are validated: counts, condition status and the fields metav1.Condition requires', async () => {
  const path = `${identities}/status-checks`;
  await ok(kube.create(identity({}, 'status-checks')), 201);
  const now = new Date().toISOString();
  const cases: [status: unknown, field: string][] = [
    [{ stats: { podsSelected: -1 } }, 'status.stats.podsSelected'],
    [{ conditions: [{ type: 'Ready', status: 'Maybe', reason: 'X', message: '', lastTransitionTime: now }] }, 'status.conditions[0].status'],
    [{ conditions: [{ type: 'Ready', status: 'True', message: '', lastTransitionTime: now }] }, 'status.conditions[0].reason'],
    [{ lastReconciliation: 'yesterday' }, 'status.lastReconciliation'],
  ];
  for (const [status, field] of cases) {
    const current = await ok(kube.request('GET', path));
    const response = await kube.request('PUT', `${path}/status`, { body: { ...current, status } });
    assert.equal(response.status, 422, JSON.stringify(status));
    const fields = ((response.body as { details?: { causes?: { field: string }[] } }).details?.causes ?? []).map((c) => c.field);
    assert.ok(fields.includes(field), `${JSON.stringify(status)}: ${statusMessage(response)}`);
  }
  // Two conditions of one type are refused: conditions are a map keyed by type.
  const current = await ok(kube.request('GET', path));
  const twice = { type: 'Ready', status: 'True', reason: 'Synced', message: '', lastTransitionTime: now };
  const duplicate = await kube.request('PUT', `${path}/status`, { body: { ...current, status: { conditions: [twice, twice] } } });
  assert.equal(duplicate.status, 422, statusMessage(duplicate));
  assert.match(statusMessage(duplicate), /status\.conditions\[1\]: Duplicate value/);
});

// ClusterSpiffeID and SpiffeID (spiffeid.spiffe.io/v1beta1).

const spiffeIdApiVersion = 'spiffeid.spiffe.io/v1beta1';

function clusterSpiffeId(spec: Spec, name = 'probe'): ManifestObject {
  return { apiVersion: spiffeIdApiVersion, kind: 'ClusterSpiffeID', metadata: { name }, spec: { spiffeId: 'spiffe://example.org/x', selector: { namespace: 'shop' }, ...spec } };
}

function spiffeId(spec: Spec, name = 'probe'): ManifestObject {
  return { apiVersion: spiffeIdApiVersion, kind: 'SpiffeID', metadata: { name, namespace: 'default' }, spec: { spiffeId: 'spiffe://example.org/x', selector: { podName: 'web' }, ...spec } };
}

test('ClusterSpiffeID (cluster-scoped, csid) and SpiffeID (namespaced, sid) are served with a status subresource', async () => {
  const body = await ok(kube.request('GET', `/apis/${spiffeIdApiVersion}`));
  const resources = new Map((body.resources as { name: string; namespaced: boolean; shortNames?: string[] }[]).map((r) => [r.name, r]));
  assert.equal(resources.get('clusterspiffeids')?.namespaced, false);
  assert.deepEqual(resources.get('clusterspiffeids')?.shortNames, ['csid']);
  assert.equal(resources.get('spiffeids')?.namespaced, true);
  assert.deepEqual(resources.get('spiffeids')?.shortNames, ['sid']);
  assert.ok(resources.has('clusterspiffeids/status') && resources.has('spiffeids/status'));
});

test('the samples are accepted unchanged, and what the apiserver stores means the same to the registrar', async () => {
  for (const namespace of ['shop', 'billing']) await ok(kube.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } }), 201);
  for (const file of ['clusterspiffeid-payments-api.yaml', 'spiffeid-tenant-web.yaml', 'spiffeid-k8s-workload-registrar.yaml']) {
    for (const { object: manifest } of await readManifest(join('config', 'samples', file))) {
      const parseAs = (value: unknown) => (manifest.kind === 'SpiffeID' ? parseSpiffeID(value) : parseClusterSpiffeID(value));
      const stored = await ok(kube.create(manifest, { dryRun: true }), 201);
      const [before, after] = [parseAs(manifest), parseAs(stored)];
      assert.ok(before.ok && after.ok, `${file}: ${JSON.stringify([before, after])}`);
      assert.deepEqual(after.value.spec, before.value.spec, file);
    }
  }
});

for (const { what, object, field, says } of [
  { what: 'agent_node_uid', object: clusterSpiffeId({ selector: { namespace: 'shop', agent_node_uid: 'c0ffee' } }), field: 'spec.selector.agent_node_uid', says: 'not supported: it is a node attestation selector' },
  { what: 'a SpiffeID with admin', object: spiffeId({ admin: true }), field: 'spec.admin', says: 'not allowed on a SpiffeID' },
  { what: 'a SpiffeID with downstream', object: spiffeId({ downstream: true }), field: 'spec.downstream', says: 'not allowed on a SpiffeID' },
  { what: 'a SPIFFE ID that is none', object: clusterSpiffeId({ spiffeId: 'https://example.org/x' }), field: 'spec.spiffeId', says: 'should match' },
  { what: 'no selector', object: { ...clusterSpiffeId({}), spec: { spiffeId: 'spiffe://example.org/x' } }, field: 'spec.selector', says: 'Required value' },
]) {
  test(`ClusterSpiffeID and SpiffeID: refused by the apiserver and the registrar: ${what}`, async () => {
    const response = await kube.create(object, { dryRun: true });
    assert.equal(response.status, 422, JSON.stringify(response.body));
    const causes = (response.body as { details?: { causes?: { field: string }[] } }).details?.causes ?? [];
    // "<nil>": the apiserver's note that CEL rules were skipped because the object was invalid.
    assert.deepEqual(causes.map((cause) => cause.field).filter((cause) => cause !== '<nil>'), [field], statusMessage(response));
    assert.ok(statusMessage(response).includes(says), statusMessage(response));
    const registrar = object.kind === 'SpiffeID' ? parseSpiffeID(object) : parseClusterSpiffeID(object);
    assert.ok(!registrar.ok, 'the registrar refuses it too');
  });
}

test('kubectl get clusterspiffeids shows SPIFFE ID, clusters, entries and age (and more with -o wide)', async () => {
  const path = `/apis/${spiffeIdApiVersion}/clusterspiffeids/columns-csid`;
  await ok(kube.create(clusterSpiffeId({ parentId: 'spiffe://example.org/gw' }, 'columns-csid')), 201);
  await writeStatus(path, {
    clustersTargeted: 2,
    entriesRegistered: 1,
    entriesMasked: 1,
    clusters: [
      { cluster: 'east', entryId: 'eks-workload-a', state: 'Written', message: '' },
      { cluster: 'west', entryId: 'eks-workload-b', state: 'Masked', message: 'WorkloadIdentity older decides' },
    ],
  });
  const { columns, cells } = await table(path);
  const shown = columns.map((c) => `${c.name} (${c.type}${c.priority > 0 ? ', wide' : ''})`);
  assert.equal(shown.join(', '), 'Name (string), SPIFFE ID (string), Clusters (integer), Entries (integer), Age (date), Masked (integer, wide), Parent ID (string, wide)');
  assert.deepEqual(cells.slice(0, 4), ['columns-csid', 'spiffe://example.org/x', 2, 1]);
  assert.match(String(cells[4]), age);
  assert.deepEqual(cells.slice(5), [1, 'spiffe://example.org/gw']);
});
