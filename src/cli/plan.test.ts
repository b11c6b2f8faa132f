import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { main } from './main.ts';
import { loadPlanInput } from './plan.ts';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const seedConfig = join(fixtures, 'seed/controller-manager-config.yaml');
const seed = (file: string): string => join(fixtures, 'seed', file);
const dump = (file: string): string => join(fixtures, 'clusters', file);

let scratch = '';
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'plan-test-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function scratchFile(name: string, text: string): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, text);
  return path;
}

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function run(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (text) => (out += text), stderr: (text) => (err += text) });
  return { code, out, err };
}

interface EntryJson {
  id: string;
  spiffeId: string;
  parentId: string;
  selectors: string[];
  x509SvidTtl: number;
  jwtSvidTtl: number;
  dnsNames: string[];
  federatesWith: string[];
  admin: boolean;
  downstream: boolean;
  hint: string;
  cluster: string;
  identities: string[];
}

interface PlanJson {
  entries: EntryJson[];
  identities: { name: string; stats: Record<string, number> }[];
  clusters: { name: string; state: string; entryIdPrefix: string; namespacesCount: number; entriesRegistered: number }[];
  errors: { identity?: string; cluster?: string; pod?: string; message: string }[];
}

test("Example 1 of the seed: the web-app pods of the production cluster get their entries", async () => {
  const result = await run('plan', '--config', seedConfig, '-f', seed('example-1-web-app.yaml'), '--cluster', `production-cluster=${dump('production-cluster.yaml')}`);
  assert.equal(result.err, '');
  assert.equal(result.code, 0);
  const plan = JSON.parse(result.out) as PlanJson;
  assert.deepEqual(Object.keys(plan), ['entries', 'identities', 'clusterSPIFFEIDs', 'spiffeIds', 'clusters', 'errors']);
  assert.deepEqual(plan.entries, [
    {
      id: 'eks-e0ecc6593af1-03f1f3d42ca1262af99ce22eb582562d',
      spiffeId: 'spiffe://example.org/ns/default/sa/web-app',
      parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod-eks-cluster/3c2d7e9a-aaaa-4b1f-9d21-5e6f7a8b9c01',
      selectors: ['k8s:ns:default', 'k8s:pod-name:web-app-7d4b9c6f8-abcde', 'k8s:pod-uid:6f1d9a3e-2b7c-4f0a-8e11-0a1b2c3d4e01'],
      x509SvidTtl: 3600,
      jwtSvidTtl: 300,
      dnsNames: [],
      federatesWith: [],
      admin: false,
      downstream: false,
      hint: '',
      cluster: 'production-cluster',
      identities: ['web-app'],
    },
    {
      id: 'eks-e0ecc6593af1-8db6d2062009fa06b5acc9ba0ebbd22a',
      spiffeId: 'spiffe://example.org/ns/default/sa/web-app',
      parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod-eks-cluster/3c2d7e9a-aaaa-4b1f-9d21-5e6f7a8b9c02',
      selectors: ['k8s:ns:default', 'k8s:pod-name:web-app-7d4b9c6f8-fghij', 'k8s:pod-uid:6f1d9a3e-2b7c-4f0a-8e11-0a1b2c3d4e02'],
      x509SvidTtl: 3600,
      jwtSvidTtl: 300,
      dnsNames: [],
      federatesWith: [],
      admin: false,
      downstream: false,
      hint: '',
      cluster: 'production-cluster',
      identities: ['web-app'],
    },
  ]);
  assert.deepEqual(plan.identities, [
    { name: 'web-app', stats: { clustersTargeted: 1, namespacesFound: 1, podsSelected: 2, entriesRegistered: 2, entriesMasked: 0, renderFailures: 0 } },
  ]);
  assert.deepEqual(plan.clusters, [
    { name: 'production-cluster', clusterName: 'prod-eks-cluster', entryIdPrefix: 'eks-e0ecc6593af1-', state: 'synced', namespacesCount: 1, entriesRegistered: 2 },
  ]);
  assert.deepEqual(plan.errors, []);
});

test('IDs are stable across releases: changing the scheme would re-create every entry of every fleet', async () => {
  // The first entry above, recomputed from its parts: prefix, SHA-256 tag of "production-cluster", digest of the key.
  const result = await run('plan', '--config', seedConfig, '-f', seed('example-1-web-app.yaml'), '--cluster', `production-cluster=${dump('production-cluster.yaml')}`);
  const plan = JSON.parse(result.out) as PlanJson;
  assert.equal(plan.entries[0]?.id, 'eks-e0ecc6593af1-03f1f3d42ca1262af99ce22eb582562d');
});

test("the seed's first WorkloadIdentity: DNS names from templates and from the Service, federation, TTLs", async () => {
  const result = await run('plan', '--config', seedConfig, '-f', seed('eks-cluster-registry.yaml'), '-f', seed('workload-identity.yaml'), '--cluster', `workload-cluster=${dump('workload-cluster.yaml')}`);
  assert.equal(result.code, 0, result.err);
  const [entry] = (JSON.parse(result.out) as PlanJson).entries;
  assert.ok(entry);
  assert.equal(entry.spiffeId, 'spiffe://example.org/ns/test-app/sa/test-app');
  assert.equal(entry.parentId, 'spiffe://example.org/spire/agent/k8s_psat/spire-agent-cluster/22222222-3333-4444-8555-666666666601');
  assert.deepEqual(entry.selectors, ['k8s:ns:test-app', 'k8s:pod-uid:11111111-2222-4333-8444-555555555501', 'k8s:sa:test-app']);
  assert.deepEqual(entry.dnsNames, [
    'test-app-5b7d8c9f4-x2x9z.test-app.svc',
    'test-app-5b7d8c9f4-x2x9z.test-app.svc.cluster.local',
    'test-app',
    'test-app.test-app',
    'test-app.test-app.svc',
    'test-app.test-app.svc.cluster.local',
  ]);
  assert.deepEqual(entry.federatesWith, ['example.org']);
  assert.deepEqual([entry.x509SvidTtl, entry.jwtSvidTtl], [3600, 300]);
});

test('Example 2 of the seed: one identity over two clusters, a directory given to -f', async () => {
  const config = await scratchFile('example-2-config.yaml', 'trustDomain: example.org\n');
  const dir = join(scratch, 'example-2');
  await mkdir(dir);
  await writeFile(join(dir, 'all.yaml'), await readFile(seed('example-2-multi-cluster.yaml'), 'utf8'));
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  const result = await run('plan', '--config', config, '-f', dir, '--cluster', `us-west-cluster=${dump('us-west-cluster.json')}`, '--cluster', `us-east-cluster=${dump('us-east-cluster.json')}`);
  assert.equal(result.code, 0, result.err);
  const plan = JSON.parse(result.out) as PlanJson;
  assert.deepEqual(
    plan.entries.map((entry) => [entry.spiffeId, entry.parentId, entry.cluster, entry.x509SvidTtl, entry.id.slice(0, 26)]),
    [
      ['spiffe://example.org/ns/gateway/sa/api-gateway', 'spiffe://example.org/spire/agent/k8s_psat/microservices-west-1/c0ffee00-1111-4000-8000-000000000001', 'us-west-cluster', 1800, plan.clusters[0]?.entryIdPrefix],
      ['spiffe://example.org/ns/gateway/sa/api-gateway', 'spiffe://example.org/spire/agent/k8s_psat/microservices-west-2/c0ffee00-2222-4000-8000-000000000001', 'us-east-cluster', 1800, plan.clusters[1]?.entryIdPrefix],
    ],
  );
  assert.deepEqual(plan.identities[0]?.stats, { clustersTargeted: 2, namespacesFound: 2, podsSelected: 2, entriesRegistered: 2, entriesMasked: 0, renderFailures: 0 });
});

test("with the seed's config, Example 2's accounts are not among aws.accountIds: an error, exit 1", async () => {
  const result = await run('plan', '--config', seedConfig, '-f', seed('example-2-multi-cluster.yaml'), '--cluster', `us-west-cluster=${dump('us-west-cluster.json')}`);
  assert.equal(result.code, 1);
  const plan = JSON.parse(result.out) as PlanJson;
  assert.deepEqual(plan.entries, []);
  assert.deepEqual(
    plan.errors.map((error) => error.message),
    [
      "EKSClusterRegistry us-west-cluster: spec.accountId 111111111111 is not in the config's aws.accountIds: the cluster's pods get no entries",
      "EKSClusterRegistry us-east-cluster: spec.accountId 222222222222 is not in the config's aws.accountIds: the cluster's pods get no entries",
    ],
  );
});

test('Example 3 loads; a registry without --cluster is reported unsynced and gets no entries', async () => {
  const config = await scratchFile('example-3-config.yaml', 'trustDomain: example.org\n');
  const result = await run('plan', '--config', config, '-f', seed('example-3-cross-account.yaml'), '-f', seed('example-1-web-app.yaml'));
  assert.equal(result.code, 0);
  assert.equal(
    result.err,
    'cluster dev-account-cluster: no --cluster dev-account-cluster=PATH given: its pods\' entries are not planned\ncluster production-cluster: no --cluster production-cluster=PATH given: its pods\' entries are not planned\n',
  );
  const plan = JSON.parse(result.out) as PlanJson;
  assert.deepEqual(
    plan.clusters.map((cluster) => [cluster.name, cluster.state]),
    [
      ['dev-account-cluster', 'unsynced'],
      ['production-cluster', 'unsynced'],
    ],
  );
  assert.deepEqual(plan.entries, []);
});

test('-o yaml prints the same document; -o table prints entries, identities and clusters', async () => {
  const args = ['plan', '--config', seedConfig, '-f', seed('example-1-web-app.yaml'), '--cluster', `production-cluster=${dump('production-cluster.yaml')}`];
  const json = JSON.parse((await run(...args)).out) as unknown;
  const yaml = await run(...args, '-o', 'yaml');
  assert.equal(yaml.code, 0);
  assert.deepEqual(parseYaml(yaml.out), json);
  const table = await run(...args, '--output', 'table');
  assert.equal(table.code, 0);
  const lines = table.out.split('\n');
  assert.match(lines[0] ?? '', /^SPIFFE ID\s+PARENT ID\s+SELECTORS\s+CLUSTER\s+IDENTITIES\s+ID$/);
  assert.match(lines[1] ?? '', /^spiffe:\/\/example\.org\/ns\/default\/sa\/web-app\s+spiffe:\/\/example\.org\/spire\/agent\/k8s_psat\/prod-eks-cluster\/\S+\s+k8s:ns:default,k8s:pod-name:web-app-7d4b9c6f8-abcde,\S+\s+production-cluster\s+web-app\s+eks-e0ecc6593af1-03f1f3d42ca1262af99ce22eb582562d$/);
  assert.match(table.out, /^web-app\s+1\s+1\s+2\s+2\s+0\s+0$/m);
  assert.match(table.out, /^production-cluster\s+prod-eks-cluster\s+synced\s+1\s+2$/m);
});

test('a render failure is listed under errors with the identity, cluster and pod; the plan still prints; exit 1', async () => {
  const identities = await scratchFile(
    'tiered.yaml',
    [
      'apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1',
      'kind: WorkloadIdentity',
      'metadata: {name: tiered}',
      'spec:',
      '  namespace: default',
      '  spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/tier/{{ .PodMeta.Labels.tier }}"',
      '---',
      'apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1',
      'kind: WorkloadIdentity',
      'metadata: {name: billing}',
      'spec:',
      '  spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/billing"',
      '  podSelector: {matchLabels: {app: billing}}',
    ].join('\n'),
  );
  const result = await run('plan', '--config', seedConfig, '-f', seed('example-1-web-app.yaml'), '-f', identities, '--cluster', `production-cluster=${dump('production-cluster.yaml')}`);
  assert.equal(result.code, 1);
  const plan = JSON.parse(result.out) as PlanJson;
  assert.deepEqual(
    plan.entries.map((entry) => [entry.spiffeId, entry.identities]),
    [
      ['spiffe://example.org/billing', ['billing']],
      ['spiffe://example.org/ns/default/sa/web-app', ['web-app']],
      ['spiffe://example.org/ns/default/sa/web-app', ['web-app']],
    ],
  );
  assert.equal(plan.errors.length, 3);
  assert.deepEqual(plan.errors[0], {
    identity: 'tiered',
    cluster: 'production-cluster',
    pod: 'default/web-app-7d4b9c6f8-abcde',
    message:
      'WorkloadIdentity tiered: cluster production-cluster: pod default/web-app-7d4b9c6f8-abcde: spec.spiffeIDTemplate: rendered "spiffe://example.org/tier/<no value>" contains "<no value>": the template refers to a missing map key',
  });
  assert.deepEqual(plan.identities.find((identity) => identity.name === 'tiered')?.stats.renderFailures, 3);
});

test('invalid input: every problem of every file is listed, nothing is printed, exit 1', async () => {
  const config = await scratchFile('bad-config.yaml', 'trustDomain: example.org\ngcInterval: 10\nentryIDprefix: x\n');
  const objects = await scratchFile(
    'bad-objects.yaml',
    [
      'apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1',
      'kind: WorkloadIdentity',
      'metadata: {name: web-app}',
      'spec:',
      '  spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/x"',
      '  ttl: 1x',
      '---',
      'apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1',
      'kind: EKSClusterRegistry',
      'metadata: {name: prod}',
      'spec: {clusterName: prod, region: us-west-2, accountId: 123456789012}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      '---',
      'kind: [broken',
    ].join('\n'),
  );
  const badDump = await scratchFile('bad-dump.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\n');
  const result = await run('plan', '--config', config, '-f', objects, '-f', seed('example-1-web-app.yaml'), '-f', seed('example-1-web-app.yaml'), '--cluster', `prod=${badDump}`, '--cluster', `nowhere=${badDump}`);
  assert.equal(result.code, 1);
  assert.equal(result.out, '');
  assert.deepEqual(result.err.trimEnd().split('\n'), [
    `${config}: gcInterval: invalid duration 10 (Go syntax, e.g. 1h, 5m, 90s, 1h30m)`,
    `${config}: entryIDprefix: unknown field`,
    `${objects}: document 4: ${result.err.split(`${objects}: document 4: `)[1]?.split('\n')[0] ?? ''}`,
    `${objects}: WorkloadIdentity web-app: spec.ttl: invalid duration "1x": unknown unit "x" (Go syntax, e.g. 1h, 5m, 90s, 1h30m)`,
    `${objects}: EKSClusterRegistry prod: spec.accountId: must be a 12-digit string: quote it in YAML ("123456789012")`,
    `${objects}: Deployment web: expected an EKSClusterRegistry, a WorkloadIdentity, a ClusterSpiffeID, a SpiffeID, a ClusterSPIFFEID, a ClusterStaticEntry or a ClusterFederatedTrustDomain`,
    `${seed('example-1-web-app.yaml')}: EKSClusterRegistry production-cluster: defined more than once`,
    `${seed('example-1-web-app.yaml')}: WorkloadIdentity web-app: defined more than once`,
    `cluster prod: ${badDump}: Pod ns/p: metadata.uid: required`,
    `cluster nowhere: ${badDump}: Pod ns/p: metadata.uid: required`,
  ]);
});

test('a --cluster for a registry that does not exist is an error', async () => {
  const result = await run('plan', '--config', seedConfig, '-f', seed('example-1-web-app.yaml'), '--cluster', `typo-cluster=${dump('production-cluster.yaml')}`);
  assert.equal(result.code, 1);
  assert.equal(result.err, `--cluster typo-cluster=${dump('production-cluster.yaml')}: no EKSClusterRegistry is named "typo-cluster"\n`);
});

test('usage errors name the flag and exit 1', async () => {
  const missing = await run('plan');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /plan: --config FILE is required\nplan: -f PATH is required/);
  const bad = await run('plan', '--config', seedConfig, '-f', 'x', '--cluster', 'noequals', '--cluster', 'a=p', '--cluster', 'a=q', '-o', 'xml');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^plan: -o xml: expected one of json, yaml, table\nplan: --cluster noequals: expected NAME=PATH\nplan: --cluster a: given more than once\nUsage: /);
  const unknown = await run('plan', '--frobnicate');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /^plan: Unknown option '--frobnicate'/);
});

test('plan is a command of the CLI, with its options in --help', async () => {
  const help = await run('--help');
  assert.match(help.out, /^ {2}plan +Compute offline the SPIRE entries/m);
  const planHelp = await run('plan', '--help');
  assert.equal(planHelp.code, 0);
  assert.match(planHelp.out, /--cluster NAME=PATH/);
});

test('loadPlanInput gives diff and apply the validated inputs', async () => {
  const input = await loadPlanInput({ configPath: seedConfig, manifestPaths: [seed('example-1-web-app.yaml')], clusterPaths: new Map([['production-cluster', dump('production-cluster.yaml')]]) });
  assert.ok(input.ok);
  assert.equal(input.value.config.entryIDPrefix, 'eks-');
  assert.deepEqual(
    input.value.registries.map((registry) => registry.metadata.name),
    ['production-cluster'],
  );
  assert.equal(input.value.snapshots.get('production-cluster')?.pods.length, 7);
});

test('ClusterSpiffeIDs and SpiffeIDs: their entries and node aliases in every targeted cluster, without any cluster dump', async () => {
  const config = await scratchFile('td-config.yaml', 'trustDomain: example.org\n');
  const tenant = fileURLToPath(new URL('../../config/samples/spiffeid-tenant-web.yaml', import.meta.url));
  const result = await run('plan', '--config', config, '-f', seed('example-2-multi-cluster.yaml'), '-f', tenant, '-o', 'table');
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /cluster us-west-cluster: no --cluster us-west-cluster=PATH given/);
  const lines = result.out.split('\n');
  const entries = lines.filter((line) => line.includes('SpiffeID/shop/web') && line.startsWith('spiffe://'));
  assert.deepEqual(entries.map((line) => line.split(/\s{3,}/).slice(0, 4)), [
    ['spiffe://example.org/ns/shop/web', 'spiffe://example.org/k8s-cluster/microservices-west-1/nodes', 'k8s:ns:shop,k8s:pod-label:app:web', 'us-west-cluster'],
    ['spiffe://example.org/ns/shop/web', 'spiffe://example.org/k8s-cluster/microservices-west-2/nodes', 'k8s:ns:shop,k8s:pod-label:app:web', 'us-east-cluster'],
  ]);
  assert.equal(lines.filter((line) => line.includes('NodeAlias')).length, 2);
  assert.ok(lines.some((line) => /^SpiffeID\/shop\/web\s+us-east-cluster\s+Written\s+eks-workload-/.test(line)), result.out);
});

test("a SpiffeID reaching into another namespace (its pods, its IDs) is refused: nothing is planned, exit 1", async () => {
  const config = await scratchFile('td-config-2.yaml', 'trustDomain: example.org\n');
  const reaching = await scratchFile(
    'reaching.yaml',
    ['apiVersion: spiffeid.spiffe.io/v1beta1', 'kind: SpiffeID', 'metadata: {name: web, namespace: shop}', 'spec:', '  spiffeId: spiffe://example.org/ns/bank/web', '  selector: {namespace: bank}'].join('\n'),
  );
  const result = await run('plan', '--config', config, '-f', reaching);
  assert.equal(result.code, 1);
  assert.equal(result.out, '');
  assert.equal(
    result.err,
    `${reaching}: SpiffeID shop/web: spec.selector.namespace: namespace "bank" is not this SpiffeID's own "shop": a SpiffeID selects pods of its own namespace only; a ClusterSpiffeID can select others\n` +
      `${reaching}: SpiffeID shop/web: spec.spiffeId: "spiffe://example.org/ns/bank/web" is not under "spiffe://example.org/ns/shop/", where the SpiffeIDs of namespace "shop" name theirs ` +
      `(config spiffeIDPolicy.namespacedIDPrefixTemplate): another namespace's workloads may hold that ID; use an ID under it, or a ClusterSpiffeID\n`,
  );
});

test("spire-controller-manager's ClusterSPIFFEID and ClusterStaticEntry samples, unchanged: their entries in the plan", async () => {
  const config = await scratchFile('td-config-scm.yaml', 'trustDomain: example.org\n');
  const samples = ['clusterspiffeid-scm-default.yaml', 'clusterstaticentry-database.yaml'].map((file) => fileURLToPath(new URL(`../../config/samples/${file}`, import.meta.url)));
  const args = ['--config', config, '-f', seed('eks-cluster-registry.yaml'), ...samples.flatMap((file) => ['-f', file]), '--cluster', `workload-cluster=${dump('workload-cluster.yaml')}`];
  const result = await run('plan', ...args, '-o', 'json');
  assert.equal(result.code, 0, result.err);
  const plan = JSON.parse(result.out) as { entries: { spiffeId: string; parentId: string; selectors: string[]; identities: string[]; hint: string }[]; clusterSPIFFEIDs: { name: string }[] };
  // The seed's registry is labelled type: workload, so both samples apply; no pod carries spiffe.io/spiffe-id,
  // so the pods get the fallback's entry.
  assert.deepEqual(
    plan.entries.map((entry) => [entry.spiffeId, entry.parentId, entry.selectors.join(','), entry.identities.join(','), entry.hint]),
    [
      ['spiffe://example.org/cluster/spire-agent-cluster/ns/test-app/sa/test-app', 'spiffe://example.org/spire/agent/k8s_psat/spire-agent-cluster/22222222-3333-4444-8555-666666666601', 'k8s:pod-uid:11111111-2222-4333-8444-555555555501', 'ClusterSPIFFEID/fallback', 'fallback'],
      ['spiffe://example.org/db/orders', 'spiffe://example.org/spire/agent/join_token/db-host-1', 'unix:uid:999,unix:user:postgres', 'ClusterStaticEntry/database', 'database'],
    ],
  );
  assert.deepEqual(
    plan.clusterSPIFFEIDs.map((report) => report.name),
    ['ClusterSPIFFEID/default', 'ClusterSPIFFEID/fallback'],
  );
});

test("the config's reconcile toggles and ClusterSPIFFEID labels leave out, in the plan, what the controller would not read", async () => {
  const samples = ['clusterspiffeid-scm-default.yaml', 'clusterstaticentry-database.yaml'].map((file) => fileURLToPath(new URL(`../../config/samples/${file}`, import.meta.url)));
  const planned = async (configText: string): Promise<{ entries: string[]; sources: string[] }> => {
    const config = await scratchFile('toggles-config.yaml', `trustDomain: example.org\n${configText}`);
    const args = ['--config', config, '-f', seed('eks-cluster-registry.yaml'), ...samples.flatMap((file) => ['-f', file]), '--cluster', `workload-cluster=${dump('workload-cluster.yaml')}`];
    const result = await run('plan', ...args, '-o', 'json');
    assert.equal(result.code, 0, result.err);
    const plan = JSON.parse(result.out) as { entries: { identities: string[] }[]; clusterSPIFFEIDs: { name: string }[]; spiffeIds: { name: string }[] };
    return { entries: plan.entries.flatMap((entry) => entry.identities), sources: [...plan.clusterSPIFFEIDs, ...plan.spiffeIds].map((report) => report.name) };
  };
  assert.deepEqual(await planned('reconcile: {clusterStaticEntries: true}\n'), { entries: ['ClusterStaticEntry/database'], sources: ['ClusterStaticEntry/database'] });
  assert.deepEqual(await planned('reconcile: {clusterSPIFFEIDs: true}\n'), { entries: ['ClusterSPIFFEID/fallback'], sources: ['ClusterSPIFFEID/default', 'ClusterSPIFFEID/fallback'] });
  // Neither sample is labelled: a label selector leaves both ClusterSPIFFEIDs out.
  assert.deepEqual(await planned('clusterSPIFFEIDLabelSelector: {team: a}\n'), { entries: ['ClusterStaticEntry/database'], sources: ['ClusterStaticEntry/database'] });
});

test('ClusterFederatedTrustDomains: the federation relationships they would set, the oldest per trust domain, another class left out', async () => {
  const config = await scratchFile('td-config-cftd.yaml', 'trustDomain: example.org\n');
  const sample = fileURLToPath(new URL('../../config/samples/clusterfederatedtrustdomain-partner.yaml', import.meta.url));
  const more = await scratchFile(
    'cftd-more.yaml',
    [
      'apiVersion: spire.spiffe.io/v1alpha1',
      'kind: ClusterFederatedTrustDomain',
      'metadata: { name: partner-again }',
      'spec: { trustDomain: partner.org, bundleEndpointURL: "https://elsewhere", bundleEndpointProfile: { type: https_web } }',
      '---',
      'apiVersion: spire.spiffe.io/v1alpha1',
      'kind: ClusterFederatedTrustDomain',
      'metadata: { name: theirs }',
      'spec: { trustDomain: theirs.org, bundleEndpointURL: "https://theirs.org", bundleEndpointProfile: { type: https_web }, className: other }',
      '',
    ].join('\n'),
  );
  const args = ['--config', config, '-f', seed('eks-cluster-registry.yaml'), '-f', sample, '-f', more, '--cluster', `workload-cluster=${dump('workload-cluster.yaml')}`];
  const json = await run('plan', ...args, '-o', 'json');
  assert.equal(json.code, 0, json.err);
  assert.deepEqual((JSON.parse(json.out) as { federationRelationships: unknown }).federationRelationships, [
    {
      trustDomain: 'partner.org',
      bundleEndpointURL: 'https://spire-bundle.partner.org:8443',
      bundleEndpointProfile: 'https_spiffe',
      endpointSPIFFEID: 'spiffe://partner.org/spire/server',
      trustDomainBundle: false,
      clusterFederatedTrustDomain: 'partner',
      masked: ['partner-again'],
    },
  ]);
  const table = await run('plan', ...args, '-o', 'table');
  assert.match(table.out, /\nTRUST DOMAIN +BUNDLE ENDPOINT URL +PROFILE +BUNDLE +CLUSTERFEDERATEDTRUSTDOMAIN +MASKED\npartner\.org +https:\/\/spire-bundle\.partner\.org:8443 +https_spiffe spiffe:\/\/partner\.org\/spire\/server +no +partner +partner-again\n/);
  const bad = await scratchFile('cftd-bad.yaml', 'apiVersion: spire.spiffe.io/v1alpha1\nkind: ClusterFederatedTrustDomain\nmetadata: { name: self }\nspec: { trustDomain: example.org, bundleEndpointURL: "https://x", bundleEndpointProfile: { type: https_web } }\n');
  const refused = await run('plan', '--config', config, '-f', bad);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /ClusterFederatedTrustDomain self: spec\.trustDomain: "example\.org" is the SPIRE server's own trust domain/);
});

test('with reconcile.clusterFederatedTrustDomains off, plan reads no ClusterFederatedTrustDomain', async () => {
  const config = await scratchFile('td-config-cftd-off.yaml', 'trustDomain: example.org\nreconcile: {clusterSPIFFEIDs: true}\n');
  const sample = fileURLToPath(new URL('../../config/samples/clusterfederatedtrustdomain-partner.yaml', import.meta.url));
  const result = await run('plan', '--config', config, '-f', seed('eks-cluster-registry.yaml'), '-f', sample, '-o', 'json');
  assert.equal(result.code, 0, result.err);
  assert.equal((JSON.parse(result.out) as { federationRelationships?: unknown }).federationRelationships, undefined);
});
