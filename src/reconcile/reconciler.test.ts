import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RegistrationEntry } from '../spire/entry.ts';
import { sampleConfig, sampleIdentity, samplePod, sampleRegistry } from '../../test/fixtures/fleet-objects.ts';
import { MemoryCluster } from '../../test/support/memory-cluster.ts';
import { MemoryEntries } from '../../test/support/memory-entries.ts';
import { RecordingLogger } from '../../test/support/recording-logger.ts';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { FleetState } from './fleet-state.ts';
import { Reconciler } from './reconciler.ts';

const foreign = registrationEntry({ id: 'manual-1', spiffeId: 'spiffe://example.org/manual', parentId: 'spiffe://example.org/agent', selectors: [{ type: 'unix', value: 'uid:0' }] });

function setup(server = new MemoryEntries()): { server: MemoryEntries; state: FleetState; cluster: MemoryCluster; reconciler: Reconciler } {
  const state = new FleetState(sampleConfig());
  const cluster = new MemoryCluster();
  for (let i = 0; i < 3; i++) cluster.pods.set(`shop/web-${i}`, samplePod('shop', `web-${i}`));
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('web'));
  state.setClusterObjects('east', cluster);
  return { server, state, cluster, reconciler: new Reconciler({ client: server, state, logger: new RecordingLogger() }) };
}

test('the first full reconciliation creates; a restart with nothing changed writes nothing; foreign entries are untouched', async () => {
  const server = new MemoryEntries();
  server.entries.set(foreign.id, foreign);
  const first = setup(server);
  const report = await first.reconciler.full();
  assert.equal(report.created, 3);
  assert.equal(server.entries.size, 4);
  const writes = server.writes;
  const restarted = setup(server);
  const again = await restarted.reconciler.full();
  assert.deepEqual([again.created, again.updated, again.deleted], [0, 0, 0]);
  assert.equal(server.writes, writes);
  assert.deepEqual(server.entries.get(foreign.id), foreign);
});

test('targeted reconciliation writes only what a pod change touched, from the cache, without listing', async () => {
  const { server, state, cluster, reconciler } = setup();
  await reconciler.full();
  const lists = server.lists;
  cluster.pods.set('shop/web-9', samplePod('shop', 'web-9'));
  assert.equal((await reconciler.targeted(state.podChanged('east', 'shop/web-9'))).created, 1);
  cluster.pods.delete('shop/web-0');
  assert.equal((await reconciler.targeted(state.podChanged('east', 'shop/web-0'))).deleted, 1);
  assert.equal(server.lists, lists);
  assert.equal(server.entries.size, 3);
});

test('an unsynced cluster keeps its entries; a disabled one loses them; the other cluster keeps its own', async () => {
  const { server, state, reconciler } = setup();
  const west = new MemoryCluster();
  west.pods.set('shop/api', samplePod('shop', 'api'));
  state.setRegistry(sampleRegistry('west'));
  state.setClusterObjects('west', west);
  await reconciler.full();
  assert.equal(server.entries.size, 4);
  state.setClusterObjects('east', undefined);
  await reconciler.full();
  assert.equal(server.entries.size, 4, 'lost caches delete nothing');
  await reconciler.targetedPrefix(state.clusterIdPrefix('east'));
  assert.equal(server.entries.size, 4);
  state.setRegistry(sampleRegistry('east', { enabled: false }));
  const report = await reconciler.targetedPrefix(state.clusterIdPrefix('east'));
  assert.equal(report.deleted, 3);
  assert.deepEqual([...server.entries.keys()].map((id) => id.startsWith(state.clusterIdPrefix('west'))), [true]);
});

test('a full reconciliation restores entries deleted or edited out of band, and removes stale owned ones', async () => {
  const { server, state, reconciler } = setup();
  await reconciler.full();
  const [first, second] = [...server.entries.keys()];
  server.entries.delete(first as string);
  const edited = server.entries.get(second as string) as RegistrationEntry;
  server.entries.set(edited.id, { ...edited, x509SvidTtl: 42 });
  const stale = { ...foreign, id: `${state.clusterIdPrefix('east')}0000`, selectors: [{ type: 'k8s', value: 'pod-uid:gone' }] };
  server.entries.set(stale.id, stale);
  const report = await reconciler.full();
  assert.deepEqual([report.created, report.updated, report.deleted], [1, 1, 1]);
  assert.equal(server.entries.get(edited.id)?.x509SvidTtl, 0);
});

/** A full garbage collection, once no job keeps a weakly referenced object alive. */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

test("the cache keeps the desired state's own values, not a second copy, for entries the server holds as desired", async () => {
  const server = new MemoryEntries();
  await setup(server).reconciler.full();
  const edited = [...server.entries.values()][0] as RegistrationEntry;
  server.entries.set(edited.id, { ...edited, hint: 'edited' });
  // What a restarted controller gets: copies decoded from the server's answers, one of them edited.
  const copies: WeakRef<object>[] = [];
  const decoded = (entry: RegistrationEntry): RegistrationEntry => {
    const copy = structuredClone(entry);
    copies.push(new WeakRef(copy), new WeakRef(copy.selectors));
    return copy;
  };
  server.listEntryPages = async function* () {
    yield [...server.entries.values()].map(decoded);
  };
  const update = server.updateEntries.bind(server);
  server.updateEntries = async (updates) => (await update(updates)).map((outcome) => (outcome.kind === 'ok' && outcome.entry !== undefined ? { ...outcome, entry: decoded(outcome.entry) } : outcome));
  const { state, reconciler } = setup(server);
  const report = await reconciler.full();
  assert.deepEqual([report.created, report.updated, report.deleted], [0, 1, 0]);
  assert.equal(copies.length, 8, 'three entries listed, one written');
  assert.equal(reconciler.countCached(state.clusterIdPrefix('east')), 3);
  await collectGarbage();
  assert.deepEqual(
    copies.map((copy) => copy.deref() === undefined),
    copies.map(() => true),
    "the cache holds none of the server's copies, nor their selectors",
  );
  assert.deepEqual((await reconciler.targeted([...state.entries()].map((entry) => entry.id))).updated, 0, 'the cache still equals the server');
});

test('writes go a thousand at a time: one bad entry does not stop the others, a server that fails every write stops the rest', async () => {
  const many = (count: number): { state: FleetState; reconciler: Reconciler; server: MemoryEntries } => {
    const server = new MemoryEntries();
    const state = new FleetState(sampleConfig());
    const cluster = new MemoryCluster();
    for (let i = 0; i < count; i++) cluster.pods.set(`shop/web-${i}`, samplePod('shop', `web-${i}`, { uid: `uid-${i}` }));
    state.setRegistry(sampleRegistry('east'));
    state.setIdentity(sampleIdentity('web', { spiffeIDTemplate: 'spiffe://example.org/pod/{{ .PodMeta.Name }}' }));
    state.setClusterObjects('east', cluster);
    return { state, server, reconciler: new Reconciler({ client: server, state, logger: new RecordingLogger() }) };
  };
  const calls: number[] = [];
  const bad = many(2500);
  const create = bad.server.createEntries.bind(bad.server);
  bad.server.createEntries = async (entries) => {
    calls.push(entries.length);
    const outcomes = await create(entries);
    return outcomes.map((outcome, index) => (index === 0 && calls.length === 1 ? { kind: 'error', entryId: outcome.entryId, spiffeId: outcome.spiffeId, code: 3, message: 'invalid' } : outcome));
  };
  const report = await bad.reconciler.full();
  assert.deepEqual(calls, [1000, 1000, 500]);
  assert.deepEqual([report.created, report.failures.length], [2499, 1]);

  const down = many(2500);
  let asked = 0;
  down.server.createEntries = async (entries) => {
    asked++;
    return entries.map((entry) => ({ kind: 'error', entryId: entry.id, spiffeId: entry.spiffeId, code: 14, message: 'unknown whether written: UNAVAILABLE', callFailed: true }));
  };
  const failed = await down.reconciler.full();
  assert.equal(asked, 1);
  assert.deepEqual([failed.created, failed.failures.length], [0, 1000]);
});

test('a failed full reconciliation is retried whole: the next targeted one compares only its own IDs', async () => {
  const { server, state, cluster, reconciler } = setup();
  const create = server.createEntries.bind(server);
  server.createEntries = async (entries) => entries.map((entry) => ({ kind: 'error', entryId: entry.id, spiffeId: entry.spiffeId, code: 14, message: 'unknown whether written: UNAVAILABLE', callFailed: true }));
  assert.equal((await reconciler.full()).failures.length, 3);
  server.createEntries = create;
  cluster.pods.set('shop/web-9', samplePod('shop', 'web-9'));
  assert.equal((await reconciler.targeted(state.podChanged('east', 'shop/web-9'))).created, 1);
  assert.equal((await reconciler.full()).created, 3);
});

test('entries the server refuses, even every create of a pass, do not stop the deletes and updates after them', async () => {
  const { server, state, reconciler } = setup();
  await reconciler.full();
  // A stale owned entry and a drifted one, and the server now refuses every create (a missing federated bundle, say).
  const [drifted] = [...server.entries.values()];
  assert.ok(drifted);
  server.entries.set(drifted.id, { ...drifted, x509SvidTtl: 60 });
  const stale = registrationEntry({ id: `${state.clusterIdPrefix('east')}${'f'.repeat(32)}`, spiffeId: 'spiffe://example.org/stale' });
  server.entries.set(stale.id, stale);
  const [gone] = [...server.entries.keys()].filter((id) => id !== drifted.id && id !== stale.id);
  assert.ok(gone);
  server.entries.delete(gone);
  server.createEntries = async (entries) => entries.map((entry) => ({ kind: 'error', entryId: entry.id, spiffeId: entry.spiffeId, code: 13, message: 'failed to create entry: unable to find federated bundle' }));
  const report = await reconciler.full();
  assert.deepEqual([report.created, report.updated, report.deleted, report.failures.length], [0, 1, 1, 1]);
  assert.equal(server.entries.has(stale.id), false);
  assert.equal(server.entries.get(drifted.id)?.x509SvidTtl, drifted.x509SvidTtl);
});

test('sharded: only the held clusters’ entries are listed into the cache, compared and written; a cluster taken in is listed first, one let go is dropped', async () => {
  const { server, state } = setup();
  const west = new MemoryCluster();
  west.pods.set('shop/api', samplePod('shop', 'api'));
  state.setRegistry(sampleRegistry('west'));
  state.setClusterObjects('west', west);
  // Another replica wrote west's entry; this one holds east only.
  await new Reconciler({ client: server, state, logger: new RecordingLogger() }).full();
  const westPrefix = state.clusterIdPrefix('west');
  const eastPrefix = state.clusterIdPrefix('east');
  const westEntry = [...server.entries.values()].find((entry) => entry.id.startsWith(westPrefix)) as RegistrationEntry;
  server.entries.set(westEntry.id, { ...westEntry, x509SvidTtl: 42 });
  const held = new Set([eastPrefix]);
  const reconciler = new Reconciler({ client: server, state, logger: new RecordingLogger(), heldPrefixes: () => held });
  const writes = server.writes;
  const report = await reconciler.full();
  // West's drift is not this replica's to repair, nor are its entries to delete when west's state goes.
  assert.deepEqual([report.created, report.updated, report.deleted, server.writes], [0, 0, 0, writes]);
  assert.equal(reconciler.countCached(westPrefix), 0);
  state.removeRegistry('west');
  assert.equal((await reconciler.targetedPrefix(westPrefix)).deleted, 0);
  assert.equal(server.entries.get(westEntry.id)?.x509SvidTtl, 42);
  // West taken in: the targeted reconciliation lists first, then repairs it as its own.
  state.setRegistry(sampleRegistry('west'));
  state.setClusterObjects('west', west);
  held.add(westPrefix);
  const lists = server.lists;
  const taken = await reconciler.targetedPrefix(westPrefix);
  assert.equal(server.lists, lists + 1);
  assert.equal(taken.updated, 1);
  // East let go: nothing of it is written any more, even when its state changes.
  held.delete(eastPrefix);
  state.removeRegistry('east');
  assert.equal((await reconciler.targetedPrefix(eastPrefix)).deleted, 0);
  assert.equal(reconciler.countCached(eastPrefix), 0);
  assert.equal([...server.entries.keys()].filter((id) => id.startsWith(eastPrefix)).length, 3);
});

test('entryIDPrefixCleanup: the entries under the cleanup prefix go in a full reconciliation, those that would block a create first; others stay', async () => {
  const server = new MemoryEntries();
  server.entries.set(foreign.id, foreign);
  const state = new FleetState(sampleConfig({ entryIDPrefixCleanup: ['cluster-a.'] }));
  const cluster = new MemoryCluster();
  cluster.pods.set('shop/web-0', samplePod('shop', 'web-0'));
  state.setRegistry(sampleRegistry('east'));
  state.setIdentity(sampleIdentity('web'));
  state.setClusterObjects('east', cluster);
  const [wanted] = [...state.entries()];
  assert.ok(wanted !== undefined);
  const scm = [
    registrationEntry({ ...wanted, id: 'cluster-a.same-key' }),
    registrationEntry({ id: 'cluster-a.stale', spiffeId: 'spiffe://example.org/gone' }),
    registrationEntry({ id: 'cluster-b.kept', spiffeId: 'spiffe://example.org/b' }),
  ];
  for (const entry of scm) server.entries.set(entry.id, entry);
  // The order of writes (the real spire-server refuses a create while an entry with its key exists: test/integration/apply/prefix-cleanup.test.ts).
  const order: string[] = [];
  const create = server.createEntries.bind(server);
  server.createEntries = async (entries) => {
    order.push(...entries.map((entry) => `create ${entry.id}`));
    return create(entries);
  };
  const remove = server.deleteEntries.bind(server);
  server.deleteEntries = async (ids) => {
    order.push(...ids.map((id) => `delete ${id}`));
    return remove(ids);
  };
  const logger = new RecordingLogger();
  const report = await new Reconciler({ client: server, state, logger }).full();
  assert.deepEqual(order, ['delete cluster-a.same-key', `create ${wanted.id}`, 'delete cluster-a.stale']);
  assert.deepEqual([report.created, report.deleted, report.written?.delete], [1, 2, []]);
  assert.deepEqual([...server.entries.keys()].sort(), ['cluster-b.kept', foreign.id, wanted.id].sort());
});

test('sweepHold: while it gives a reason, no entry that no source wants is deleted, in full and per-cluster reconciliations; wanted ones are still written', async () => {
  const { server, state, cluster } = setup();
  let hold: string | undefined = 'reconcile.clusterSPIFFEIDs is false and 1 ClusterSPIFFEID of this class exists';
  const logger = new RecordingLogger();
  const reconciler = new Reconciler({ client: server, state, logger, sweepHold: async () => hold });
  const stale = registrationEntry({ id: `${state.clusterIdPrefix('east')}stale`, spiffeId: 'spiffe://example.org/stale' });
  server.entries.set(stale.id, stale);
  const first = await reconciler.full();
  assert.deepEqual([first.created, first.deleted], [3, 0]);
  assert.ok(server.entries.has(stale.id));
  cluster.pods.set('shop/web-9', samplePod('shop', 'web-9'));
  state.setClusterObjects('east', cluster);
  assert.equal((await reconciler.targetedPrefix(state.clusterIdPrefix('east'))).deleted, 0);
  assert.ok(server.entries.has(stale.id));
  // A pod that goes takes its entry with it: the state knew that entry, so it is not a sweep.
  cluster.pods.delete('shop/web-0');
  assert.equal((await reconciler.targeted(state.podChanged('east', 'shop/web-0'))).deleted, 1);
  hold = undefined;
  assert.equal((await reconciler.full()).deleted, 1);
  assert.ok(!server.entries.has(stale.id));
});
