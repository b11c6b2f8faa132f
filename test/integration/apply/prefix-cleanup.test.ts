// entryIDPrefixCleanup against the real spire-server: spire-controller-manager's entries (written here as
// SCM writes them, "<prefix>.<uuid>" or server-made UUIDs) are deleted exactly: only under the cleanup
// prefix, never the registrar's own, a neighbouring prefix, a foreign entry or a join-token node entry;
// an entry with the key of one the registrar creates goes first (the server refuses the create while it
// exists); nothing goes while a cluster is unsynced. `diff` shows it, `apply` and the controller's
// Reconciler do it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { FleetState } from '../../../src/reconcile/fleet-state.ts';
import { Reconciler } from '../../../src/reconcile/reconciler.ts';
import { createEntryClient, type SpireEntryClient } from '../../../src/spire/entry-client.ts';
import { formatSelector } from '../../../src/spire/entry.ts';
import { sampleConfig, sampleIdentity, samplePod, sampleRegistry } from '../../fixtures/fleet-objects.ts';
import { shopEntryIdPrefix, writeShopCluster, writeShopManifests } from '../../fixtures/shop-cluster.ts';
import { ProcessGroup } from '../../rig/processes.ts';
import { startSpireServer, type SpireServer } from '../../rig/spire-server.ts';
import { MemoryCluster } from '../../support/memory-cluster.ts';
import { RecordingLogger } from '../../support/recording-logger.ts';

const group = new ProcessGroup('prefix-cleanup-test-');
const dir = mkdtempSync(join(tmpdir(), 'prefix-cleanup-inputs-'));
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

function writeConfig(cleanup: string | undefined): string {
  const path = join(dir, 'config.yaml');
  const line = cleanup === undefined ? '' : `entryIDPrefixCleanup: ${JSON.stringify(cleanup)}\n`;
  writeFileSync(path, `trustDomain: example.org\nentryIDPrefix: ${shopEntryIdPrefix}\n${line}`);
  return path;
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Creates an entry with the spire-server CLI, as an operator or another controller would; `id` undefined: the server picks a UUID. */
async function create(id: string | undefined, spiffeId: string, parentId: string, selectors: readonly string[]): Promise<void> {
  await spire.cliOk(['entry', 'create', ...(id === undefined ? [] : ['-entryID', id]), '-spiffeID', spiffeId, '-parentID', parentId, ...selectors.flatMap((selector) => ['-selector', selector])]);
}

async function ids(): Promise<string[]> {
  return (await client.listEntries()).map((entry) => entry.id).sort();
}

const manifests = writeShopManifests(dir, '1h');
const cluster = writeShopCluster(dir, 2);
const joinToken = { spiffeId: 'spiffe://example.org/joined-node', parentId: 'spiffe://example.org/spire/agent/join_token/tok-1' };

test('a prefix: only its entries go, the one blocking a create first; diff shows them; the server refused that create without the cleanup', async () => {
  const planned = JSON.parse((await run('plan', '--config', writeConfig(undefined), '-f', manifests, '--cluster', `prod=${cluster}`)).stdout).entries as { id: string; spiffeId: string; parentId: string; selectors: string[] }[];
  assert.equal(planned.length, 2);
  const [first] = planned;
  assert.ok(first !== undefined);
  // SCM's entry for the same pod: the same key under its own ID.
  await create('cluster-a.6b1c2a34-0001', first.spiffeId, first.parentId, first.selectors);
  await create('cluster-a.6b1c2a34-0002', 'spiffe://example.org/scm/gone', 'spiffe://example.org/spire/agent/k8s_psat/cluster-a/node-9', ['k8s:pod-uid:gone']);
  await create('cluster-ab.6b1c2a34-0003', 'spiffe://example.org/scm/neighbour', 'spiffe://example.org/spire/agent/k8s_psat/cluster-ab/node-9', ['k8s:pod-uid:other']);
  await create(undefined, 'spiffe://example.org/manual', 'spiffe://example.org/spire/agent/x509pop/host', ['unix:uid:1000']);
  await create(undefined, joinToken.spiffeId, joinToken.parentId, [`spiffe_id:${joinToken.parentId}`]);
  const foreign = (await ids()).filter((id) => !id.startsWith('cluster-a.'));

  const refused = await run('apply', '--config', writeConfig(undefined), '-f', manifests, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /create failed: .*cluster-a\.6b1c2a34-0001/);
  assert.equal((await ids()).filter((id) => id.startsWith(shopEntryIdPrefix)).length, 1);

  const config = writeConfig('cluster-a');
  const diff = await run('diff', '--config', config, '-f', manifests, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(diff.code, 0, diff.stderr);
  const shown = JSON.parse(diff.stdout) as { creates: { id: string }[]; deletes: string[]; cleanupDeletes: string[] };
  assert.deepEqual([shown.creates.map((entry) => entry.id), shown.deletes, shown.cleanupDeletes], [[first.id], [], ['cluster-a.6b1c2a34-0001', 'cluster-a.6b1c2a34-0002']]);

  const applied = await run('apply', '--config', config, '-f', manifests, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(JSON.parse(applied.stdout), { created: 1, updated: 0, deleted: 2, failed: 0 });
  assert.deepEqual(await ids(), [...foreign, ...planned.map((entry) => entry.id)].sort());
  const stored = (await client.listEntries()).find((entry) => entry.id === first.id);
  assert.deepEqual(stored?.selectors.map(formatSelector).sort(), [...first.selectors].sort());
});

test('"": the unprefixed entries go, not the join-token node entry, a prefixed one or the registrar\'s; not while a cluster is unsynced', async () => {
  const config = writeConfig('');
  const before = await ids();
  const unsynced = await run('apply', '--config', config, '-f', manifests, '--spire-socket', spire.socketPath);
  assert.equal(unsynced.code, 0, unsynced.stderr);
  assert.match(unsynced.stderr, /entryIDPrefixCleanup: 1 entries not deleted: the entries of 1 cluster\(s\) are kept/);
  assert.deepEqual(await ids(), before);

  const applied = await run('apply', '--config', config, '-f', manifests, '--cluster', `prod=${cluster}`, '--spire-socket', spire.socketPath);
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(JSON.parse(applied.stdout), { created: 0, updated: 0, deleted: 1, failed: 0 });
  const left = await client.listEntries();
  assert.deepEqual(left.map((entry) => entry.spiffeId).filter((id) => !id.startsWith('spiffe://example.org/ns/')).sort(), [joinToken.spiffeId, 'spiffe://example.org/scm/neighbour']);
  assert.equal(left.filter((entry) => entry.id.startsWith(shopEntryIdPrefix)).length, 2);
});

test("the controller's full reconciliation cleans up the same way, against the real server", async () => {
  const state = new FleetState(sampleConfig({ entryIDPrefixCleanup: ['cluster-c.'] }));
  const objects = new MemoryCluster();
  objects.pods.set('shop/web-0', samplePod('shop', 'web-0'));
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('web'));
  state.setClusterObjects('east', objects);
  const [wanted] = [...state.entries()];
  assert.ok(wanted !== undefined);
  await create('cluster-c.6b1c2a34-0004', wanted.spiffeId, wanted.parentId, wanted.selectors.map(formatSelector));
  await create('cluster-c.6b1c2a34-0005', 'spiffe://example.org/scm/c-gone', 'spiffe://example.org/spire/agent/k8s_psat/cluster-c/node-9', ['k8s:pod-uid:c-gone']);
  const others = (await ids()).filter((id) => !id.startsWith('cluster-c.'));
  const report = await new Reconciler({ client, state, logger: new RecordingLogger() }).full();
  assert.deepEqual([report.created, report.deleted, report.failures], [1, 2, []]);
  assert.deepEqual(await ids(), [...others, wanted.id].sort());
});
