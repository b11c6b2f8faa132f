import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterEntryIdPrefix } from '../../src/identity/entry-id.ts';
import {
  createNamespace,
  createNode,
  createPod,
  deletePod,
  eventually,
  expectRestartWritesNothing,
  identities,
  logLines,
  must,
  podNameOf,
  registries,
  registryFor,
  startHarness,
  webAppIdentity,
  type Harness,
} from './e2e-fixture.ts';

// One fleet for the file (starting it is most of the time); the tests run in order and build on each other.
let h: Harness;
const west = (): string => clusterEntryIdPrefix('eks-e2e-', 'production-cluster');
const east = (): string => clusterEntryIdPrefix('eks-e2e-', 'partner-cluster');

async function podNames(prefix?: string): Promise<string[]> {
  return (await h.ownedEntries())
    .filter((entry) => prefix === undefined || entry.id.startsWith(prefix))
    .map(podNameOf)
    .sort();
}

async function expectPods(what: string, expected: string[], prefix?: string): Promise<void> {
  await eventually(what, async () => {
    const names = await podNames(prefix);
    return JSON.stringify(names) === JSON.stringify([...expected].sort()) || `entries of pods ${JSON.stringify(names)}`;
  });
}

before(async () => {
  h = await startHarness({ gcInterval: '4s' });
  const [one, two] = h.fleet.workloads.map((w) => w.apiServer);
  assert.ok(one && two);
  for (const api of [one, two]) {
    await createNode(api, 'node-1');
    await createNamespace(api, 'ignored-ns');
  }
  await createPod(one, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await createPod(one, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await createPod(one, 'default', 'db-1', { app: 'db' }, 'node-1');
  await createPod(one, 'ignored-ns', 'web-ignored', { app: 'web-app' }, 'node-1');
  await createPod(two, 'default', 'partner-web-1', { app: 'web-app' }, 'node-1');
  // Entries of someone else: a manual entry and one with a foreign prefix.
  await h.fleet.spire?.cliOk(['entry', 'create', '-entryID', 'manual-1', '-spiffeID', 'spiffe://example.org/manual', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:0']);
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production', team: 'platform' }));
  await must(h.fleet.management, 'POST', registries, registryFor('partner-cluster', h.fleet, 1, { environment: 'production', team: 'partner' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
  h.startController();
});

after(async () => {
  await h?.stop();
});

test("Example 1 converges to exactly the expected entries in both clusters (the second through its role); ignoreNamespaces holds", async () => {
  await expectPods('entries of the web-app pods', ['web-1', 'web-2', 'partner-web-1']);
  const entries = await h.ownedEntries();
  for (const entry of entries) {
    assert.equal(entry.spiffeId, 'spiffe://example.org/ns/default/sa/web-app');
    assert.equal(entry.x509SvidTtl, 3600);
    assert.equal(entry.jwtSvidTtl, 300);
    assert.match(entry.parentId, /^spiffe:\/\/example\.org\/spire\/agent\/k8s_psat\/workload-[12]\/[0-9a-f-]{36}$/);
    assert.ok(entry.selectors.some((s) => s.type === 'k8s' && s.value === 'ns:default'));
    assert.ok(entry.selectors.some((s) => s.type === 'k8s' && s.value.startsWith('pod-uid:')));
  }
  assert.deepEqual(await podNames(west()), ['web-1', 'web-2']);
  assert.deepEqual(await podNames(east()), ['partner-web-1']);
});

test('registry statuses report Ready, entries and namespaces; the identity its stats', async () => {
  await eventually('production-cluster status', async () => {
    const body = (await must(h.fleet.management, 'GET', `${registries}/production-cluster`)) as { status?: { entriesRegistered?: number; conditions?: { type: string; status: string; reason: string }[] } };
    const ready = body.status?.conditions?.find((c) => c.type === 'Ready');
    return (ready?.status === 'True' && ready.reason === 'Synced' && body.status?.entriesRegistered === 2) || JSON.stringify(body.status);
  });
  await eventually('web-app stats', async () => {
    const body = (await must(h.fleet.management, 'GET', `${identities}/web-app`)) as { status?: { stats?: Record<string, number> } };
    const stats = body.status?.stats;
    return (stats?.clustersTargeted === 2 && stats.podsSelected === 3 && stats.entriesRegistered === 3) || JSON.stringify(body.status);
  });
});

test('a pod created gets its entry; a pod deleted loses it', async () => {
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  const started = Date.now();
  await createPod(api, 'default', 'web-3', { app: 'web-app' }, 'node-1');
  await expectPods('the new pod', ['web-1', 'web-2', 'web-3', 'partner-web-1']);
  const createdMs = Date.now() - started;
  await deletePod(api, 'default', 'web-1');
  await expectPods('the deleted pod gone', ['web-2', 'web-3', 'partner-web-1']);
  process.stdout.write(`# pod created -> entry listed: ${createdMs} ms (polling every 100 ms)\n`);
});

test('clusterSelector and label changes move entries', async () => {
  await must(h.fleet.management, 'PUT', `${identities}/web-app`, {
    ...webAppIdentity({ team: 'platform' }),
    metadata: { name: 'web-app', resourceVersion: ((await must(h.fleet.management, 'GET', `${identities}/web-app`)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion },
  });
  await expectPods('only the platform cluster', ['web-2', 'web-3']);
  const registry = (await must(h.fleet.management, 'GET', `${registries}/partner-cluster`)) as Record<string, unknown> & { spec: Record<string, unknown> };
  await must(h.fleet.management, 'PUT', `${registries}/partner-cluster`, { ...registry, spec: { ...registry.spec, labels: { team: 'platform' } } });
  await expectPods('the partner cluster selected by its new label', ['web-2', 'web-3', 'partner-web-1']);
});

test('entries deleted in SPIRE behind its back come back at the next full reconciliation; foreign entries are never touched', async () => {
  const [victim] = await h.ownedEntries();
  assert.ok(victim);
  await h.fleet.spire?.cliOk(['entry', 'delete', '-entryID', victim.id]);
  await eventually('the deleted entry restored', async () => (await h.spire.getEntry(victim.id)) !== undefined);
  assert.ok(await h.spire.getEntry('manual-1'), 'the manual entry is still there');
});

test('a stopped workload apiserver keeps its entries and sets Ready=False; once back, it resyncs without churn', async () => {
  const api = h.fleet.workloads[1]?.apiServer;
  assert.ok(api);
  const before = (await h.ownedEntries()).filter((e) => e.id.startsWith(east()));
  assert.equal(before.length, 1);
  await api.stop();
  await eventually('partner-cluster Ready=False', async () => {
    const body = (await must(h.fleet.management, 'GET', `${registries}/partner-cluster`)) as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
    const ready = body.status?.conditions?.find((c) => c.type === 'Ready');
    return (ready?.status === 'False' && ready.reason === 'Unreachable') || JSON.stringify(ready);
  }, 60_000);
  // Two full reconciliations (gcInterval 4s) pass while it is down.
  const proc = h.controller;
  assert.ok(proc);
  const fulls = (): number => logLines(proc).filter((line) => line.msg === 'Full reconciliation done').length;
  const seen = fulls();
  await eventually('two full reconciliations while it is down', async () => fulls() >= seen + 2);
  assert.deepEqual((await h.ownedEntries()).filter((e) => e.id.startsWith(east())), before);
  await api.start();
  await eventually('partner-cluster Ready=True again', async () => {
    const body = (await must(h.fleet.management, 'GET', `${registries}/partner-cluster`)) as { status?: { conditions?: { type: string; status: string }[] } };
    return body.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }, 60_000);
  assert.deepEqual((await h.ownedEntries()).filter((e) => e.id.startsWith(east())), before, 'the same entries, not rewritten');
});

test('a controller restart with nothing changed writes nothing', async () => {
  await expectRestartWritesNothing(h);
});

test('an orphan entry with our prefix is removed by the first full reconciliation at startup, not a gcInterval later', async () => {
  const before = await h.ownedEntries();
  const old = h.controller;
  assert.ok(old);
  await old.stop();
  const orphan = `${west()}${'f'.repeat(32)}`;
  await h.fleet.spire?.cliOk(['entry', 'create', '-entryID', orphan, '-spiffeID', 'spiffe://example.org/orphan', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:1']);
  const proc = h.startController({ config: { gcInterval: '10m' } });
  await eventually('the first full reconciliation of the new process', async () => logLines(proc).some((line) => line.msg === 'Full reconciliation done'));
  const done = logLines(proc).find((line) => line.msg === 'Full reconciliation done');
  assert.deepEqual([done?.entries, done?.created, done?.updated, done?.deleted], [before.length, 0, 0, 1]);
  assert.equal(await h.spire.getEntry(orphan), undefined);
  assert.deepEqual(await h.ownedEntries(), before);
});

test('a disabled registry loses its entries while the other cluster keeps its own; a deleted one too, through its finalizer', async () => {
  const registry = (await must(h.fleet.management, 'GET', `${registries}/partner-cluster`)) as Record<string, unknown> & { spec: Record<string, unknown> };
  await must(h.fleet.management, 'PUT', `${registries}/partner-cluster`, { ...registry, spec: { ...registry.spec, enabled: false } });
  await expectPods('the disabled cluster without entries', ['web-2', 'web-3']);
  await must(h.fleet.management, 'DELETE', `${registries}/production-cluster`);
  await expectPods('the deleted cluster without entries', []);
  await eventually('the deleted registry gone (finalizer removed)', async () => (await h.fleet.management.request('GET', `${registries}/production-cluster`)).status === 404);
  assert.ok(await h.spire.getEntry('manual-1'), 'the manual entry is still there');
});
