import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { createEntryClient, type SpireEntryClient } from '../../../src/spire/entry-client.ts';
import { formatSelector, type RegistrationEntry } from '../../../src/spire/entry.ts';
import { shopEntryIdPrefix, writeShopCluster, writeShopConfig, writeShopManifests } from '../../fixtures/shop-cluster.ts';
import { ProcessGroup } from '../../rig/processes.ts';
import { startSpireServer, type SpireServer } from '../../rig/spire-server.ts';

const group = new ProcessGroup('apply-test-');
const dir = mkdtempSync(join(tmpdir(), 'apply-inputs-'));
let spire: SpireServer;
let client: SpireEntryClient;

before(async () => {
  spire = await startSpireServer(group, { trustDomain: 'example.org' });
  client = createEntryClient({ socketPath: spire.socketPath });
});
after(async () => {
  client.close();
  await group.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const configPath = writeShopConfig(dir);
const writeManifests = (ttl: string): string => writeShopManifests(dir, ttl);
const writeCluster = (pods: number): string => writeShopCluster(dir, pods);

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

async function apply(manifests: string, cluster: string): Promise<{ created: number; updated: number; deleted: number; failed: number }> {
  const result = await run('apply', '--config', configPath, '-f', manifests, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

async function planned(manifests: string, cluster: string): Promise<{ id: string; spiffeId: string; parentId: string; selectors: string[]; x509SvidTtl: number }[]> {
  const result = await run('plan', '--config', configPath, '-f', manifests, '--cluster', `prod=${cluster}`);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout).entries;
}

async function ownedEntries(): Promise<RegistrationEntry[]> {
  return (await client.listEntries()).filter((entry) => entry.id.startsWith(shopEntryIdPrefix));
}

function sortedIds(entries: readonly { id: string }[]): string[] {
  return entries.map((e) => e.id).sort();
}

test('apply creates exactly the planned entries; a second apply writes nothing', async () => {
  const manifests = writeManifests('1h');
  const cluster = writeCluster(3);
  const plan = await planned(manifests, cluster);
  assert.equal(plan.length, 3);
  assert.deepEqual(await apply(manifests, cluster), { created: 3, updated: 0, deleted: 0, failed: 0 });
  const stored = await ownedEntries();
  assert.deepEqual(sortedIds(stored), sortedIds(plan));
  for (const entry of plan) {
    const actual = stored.find((e) => e.id === entry.id);
    assert.ok(actual);
    assert.equal(actual.spiffeId, entry.spiffeId);
    assert.equal(actual.parentId, entry.parentId);
    assert.deepEqual(actual.selectors.map(formatSelector).sort(), [...entry.selectors].sort());
    assert.equal(actual.x509SvidTtl, 3600);
  }
  assert.deepEqual(await apply(manifests, cluster), { created: 0, updated: 0, deleted: 0, failed: 0 });
});

test('diff shows a TTL change as updates of that field only, and apply makes exactly those', async () => {
  const manifests = writeManifests('30m');
  const cluster = writeCluster(3);
  const result = await run('diff', '--config', configPath, '-f', manifests, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(result.code, 0, result.stderr);
  const diff = JSON.parse(result.stdout);
  assert.equal(diff.creates.length, 0);
  assert.deepEqual(diff.deletes, []);
  assert.deepEqual(diff.updates.map((u: { fields: string[] }) => u.fields), [['x509SvidTtl'], ['x509SvidTtl'], ['x509SvidTtl']]);
  assert.deepEqual(await apply(manifests, cluster), { created: 0, updated: 3, deleted: 0, failed: 0 });
  assert.deepEqual((await ownedEntries()).map((e) => e.x509SvidTtl), [1800, 1800, 1800]);
});

test('a removed pod is one delete, and entries the registrar does not own are never touched', async () => {
  const foreignId = 'manual-entry-1';
  await spire.cliOk(['entry', 'create', '-entryID', foreignId, '-spiffeID', 'spiffe://example.org/manual', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:1000']);
  const token = await spire.cliOk(['token', 'generate', '-spiffeID', 'spiffe://example.org/joined-node']);
  assert.match(token, /Token:/);
  const before = (await client.listEntries()).filter((e) => !e.id.startsWith(shopEntryIdPrefix));
  assert.ok(before.some((e) => e.id === foreignId));
  assert.ok(before.some((e) => e.spiffeId === 'spiffe://example.org/joined-node'), 'the join token made its entry');

  const manifests = writeManifests('30m');
  const plan = await planned(manifests, writeCluster(2));
  assert.deepEqual(await apply(manifests, writeCluster(2)), { created: 0, updated: 0, deleted: 1, failed: 0 });
  assert.deepEqual(sortedIds(await ownedEntries()), sortedIds(plan));
  const after = (await client.listEntries()).filter((e) => !e.id.startsWith(shopEntryIdPrefix));
  assert.deepEqual(after.sort((a, b) => a.id.localeCompare(b.id)), before.sort((a, b) => a.id.localeCompare(b.id)));
});

test('a cluster without a dump is unsynced: its entries are kept, not deleted', async () => {
  const manifests = writeManifests('30m');
  const result = await run('apply', '--config', configPath, '-f', manifests, '--spire-socket', spire.socketPath);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { created: 0, updated: 0, deleted: 0, failed: 0 });
  assert.match(result.stderr, /cluster prod: no --cluster prod=PATH given/);
  assert.equal((await ownedEntries()).length, 2);
});

test('a ClusterSpiffeID: apply writes its entry and the node alias, which the SPIRE server accepts as they are; without it, both go', async () => {
  const manifests = writeManifests('30m');
  const cluster = writeCluster(2);
  await apply(manifests, cluster);
  const declared = join(dir, 'clusterspiffeid.yaml');
  writeFileSync(declared, 'apiVersion: spiffeid.spiffe.io/v1beta1\nkind: ClusterSpiffeID\nmetadata: {name: api}\nspec: {spiffeId: "spiffe://example.org/api", selector: {namespace: shop, serviceAccount: api}}\n');
  const result = await run('apply', '--config', configPath, '-f', manifests, '-f', declared, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { created: 2, updated: 0, deleted: 0, failed: 0 });
  const stored = (await ownedEntries()).map((entry) => [entry.spiffeId, entry.parentId, entry.selectors.map(formatSelector).join(',')]);
  assert.deepEqual(stored.filter(([spiffeId]) => !spiffeId?.startsWith('spiffe://example.org/ns/')).sort(), [
    ['spiffe://example.org/api', 'spiffe://example.org/k8s-cluster/prod-eks/nodes', 'k8s:ns:shop,k8s:sa:api'],
    ['spiffe://example.org/k8s-cluster/prod-eks/nodes', 'spiffe://example.org/spire/server', 'k8s_psat:cluster:prod-eks'],
  ]);
  assert.deepEqual(await apply(manifests, cluster), { created: 0, updated: 0, deleted: 2, failed: 0 });
});

test("a ClusterSpiffeID's entries depend on no pod: without it, apply deletes them and the node alias from a cluster without a dump too, and keeps that cluster's pod entries", async () => {
  const manifests = writeManifests('30m');
  const cluster = writeCluster(2);
  await apply(manifests, cluster);
  const podEntries = sortedIds(await ownedEntries());
  assert.equal(podEntries.length, 2);
  const declared = join(dir, 'clusterspiffeid-unsynced.yaml');
  writeFileSync(declared, 'apiVersion: spiffeid.spiffe.io/v1beta1\nkind: ClusterSpiffeID\nmetadata: {name: api}\nspec: {spiffeId: "spiffe://example.org/api", selector: {namespace: shop, serviceAccount: api}}\n');
  const created = await run('apply', '--config', configPath, '-f', manifests, '-f', declared, '--spire-socket', spire.socketPath);
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual(JSON.parse(created.stdout), { created: 2, updated: 0, deleted: 0, failed: 0 }, 'created up front, without a dump');
  const result = await run('apply', '--config', configPath, '-f', manifests, '--spire-socket', spire.socketPath);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /cluster prod: no --cluster prod=PATH given/);
  assert.deepEqual(JSON.parse(result.stdout), { created: 0, updated: 0, deleted: 2, failed: 0 });
  assert.deepEqual(sortedIds(await ownedEntries()), podEntries, 'the unsynced cluster keeps its pod entries');
});

test("spire-controller-manager's ClusterSPIFFEID and ClusterStaticEntry: apply writes their entries, which the SPIRE server accepts as they are; without them, they go", async () => {
  const manifests = writeManifests('30m');
  const cluster = writeCluster(2);
  await apply(manifests, cluster);
  const scm = join(dir, 'scm.yaml');
  writeFileSync(
    scm,
    [
      'apiVersion: spire.spiffe.io/v1alpha1',
      'kind: ClusterSPIFFEID',
      'metadata: {name: scm}',
      'spec: {spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/scm/{{ .PodMeta.Name }}", workloadSelectorTemplates: ["k8s:ns:{{ .PodMeta.Namespace }}"], ttl: 2h, hint: scm}',
      '---',
      'apiVersion: spire.spiffe.io/v1alpha1',
      'kind: ClusterStaticEntry',
      'metadata: {name: db}',
      'spec: {spiffeID: "spiffe://example.org/db", parentID: "spiffe://example.org/spire/agent/join_token/db-host", selectors: ["unix:uid:999"], x509SVIDTTL: 4h}',
      '',
    ].join('\n'),
  );
  const result = await run('apply', '--config', configPath, '-f', manifests, '-f', scm, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { created: 3, updated: 0, deleted: 0, failed: 0 });
  const stored = (await ownedEntries()).filter((entry) => !entry.spiffeId.startsWith('spiffe://example.org/ns/'));
  assert.deepEqual(stored.map((entry) => [entry.spiffeId, entry.selectors.map(formatSelector).filter((selector) => !selector.startsWith('k8s:pod-uid:')).join(','), entry.x509SvidTtl, entry.hint]).sort(), [
    ['spiffe://example.org/db', 'unix:uid:999', 14400, ''],
    ['spiffe://example.org/scm/web-0', 'k8s:ns:shop', 7200, 'scm'],
    ['spiffe://example.org/scm/web-1', 'k8s:ns:shop', 7200, 'scm'],
  ]);
  assert.deepEqual(await apply(manifests, cluster), { created: 0, updated: 0, deleted: 3, failed: 0 });
});

test('a server restart in the middle of an apply loses and duplicates nothing', async () => {
  const manifests = writeManifests('30m');
  const cluster = writeCluster(3_000);
  const applying = apply(manifests, cluster);
  // Restart while the creates are under way: 2 entries exist, 2998 are being created.
  const restarted = (async () => {
    for (let i = 0; i < 400; i++) {
      if ((await client.countEntries()) > 800) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await spire.restart({ downtimeMs: 1000 });
  })();
  const [counts] = await Promise.all([applying, restarted]);
  assert.equal(counts.failed, 0);
  const owned = await ownedEntries();
  assert.equal(owned.length, 3_000, 'every planned entry exists');
  assert.equal(new Set(owned.map((e) => `${e.spiffeId} ${e.parentId}`)).size, 3_000, 'no entry twice');
  assert.deepEqual(await apply(manifests, cluster), { created: 0, updated: 0, deleted: 0, failed: 0 });
});

test('10k entries apply, then nothing is left to write', async () => {
  const manifests = writeManifests('30m');
  const cluster = writeCluster(10_000);
  const counts = await apply(manifests, cluster);
  assert.deepEqual(counts, { created: 7_000, updated: 0, deleted: 0, failed: 0 });
  assert.equal((await ownedEntries()).length, 10_000);
  assert.deepEqual(await apply(manifests, cluster), { created: 0, updated: 0, deleted: 0, failed: 0 });
});
