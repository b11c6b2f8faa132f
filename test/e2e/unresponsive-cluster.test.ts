import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultLivenessProbeTiming, unresponsiveBoundMs } from '../../src/fleet/liveness-probe.ts';
import { clusterEntryIdPrefix } from '../../src/identity/entry-id.ts';
import { createNode, createPod, eventually, identities, logLines, must, podNameOf, registries, registryFor, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

// A frozen apiserver (SIGSTOP: its connections stay open, nothing is answered) fails no list or watch;
// only the liveness probe sees it. One fleet for the file; the tests run in order.
let h: Harness;
const west = (): string => clusterEntryIdPrefix('eks-e2e-', 'production-cluster');
const east = (): string => clusterEntryIdPrefix('eks-e2e-', 'partner-cluster');
const boundMs = unresponsiveBoundMs(defaultLivenessProbeTiming);
// Room for the status write (at most once a second) and for timers that run late on a busy 2-core machine.
const slackMs = 10_000;

interface ReadyCondition {
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

async function readyOf(registry: string): Promise<ReadyCondition | undefined> {
  const body = (await must(h.fleet.management, 'GET', `${registries}/${registry}`)) as { status?: { conditions?: (ReadyCondition & { type: string })[] } };
  return body.status?.conditions?.find((c) => c.type === 'Ready');
}

async function expectReady(registry: string, status: string, reason: string, timeoutMs: number): Promise<ReadyCondition> {
  let found: ReadyCondition | undefined;
  await eventually(`${registry} Ready=${status}/${reason}`, async () => {
    found = await readyOf(registry);
    return (found?.status === status && found.reason === reason) || JSON.stringify(found);
  }, timeoutMs);
  assert.ok(found);
  return found;
}

/** The partner cluster's entries as SPIRE keeps them: a rewrite changes the revision, a re-creation the creation time. */
async function eastEntries(): Promise<string[]> {
  return (await h.fleet.spire?.cliEntries() ?? [])
    .filter((entry) => String(entry.id).startsWith(east()))
    .map((entry) => JSON.stringify([entry.id, entry.created_at, entry.revision_number ?? '0']))
    .sort();
}

async function podNames(prefix: string): Promise<string[]> {
  return (await h.ownedEntries()).filter((entry) => entry.id.startsWith(prefix)).map(podNameOf).sort();
}

before(async () => {
  // Full reconciliations every 4 s, so that several pass while the cluster is frozen.
  h = await startHarness({ gcInterval: '4s' });
  const [one, two] = h.fleet.workloads.map((w) => w.apiServer);
  assert.ok(one && two);
  for (const api of [one, two]) await createNode(api, 'node-1');
  await createPod(one, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await createPod(one, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await createPod(two, 'default', 'partner-web-1', { app: 'web-app' }, 'node-1');
  await createPod(two, 'default', 'partner-web-2', { app: 'web-app' }, 'node-1');
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { team: 'platform' }));
  await must(h.fleet.management, 'POST', registries, registryFor('partner-cluster', h.fleet, 1, { team: 'partner' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('both clusters converge and are Ready/Synced', async () => {
  await eventually('entries of all four pods', async () => {
    const names = [...(await podNames(west())), ...(await podNames(east()))];
    return JSON.stringify(names) === JSON.stringify(['web-1', 'web-2', 'partner-web-1', 'partner-web-2']) || JSON.stringify(names);
  });
  await expectReady('production-cluster', 'True', 'Synced', 30_000);
  await expectReady('partner-cluster', 'True', 'Synced', 30_000);
});

test('a frozen apiserver is Unresponsive within the bound with its entries kept, the other cluster works on, and after SIGCONT it is Synced again without churn', async () => {
  const controller = h.controller;
  const [one, two] = h.fleet.workloads.map((w) => w.apiServer);
  assert.ok(controller && one && two);
  const before = await eastEntries();
  assert.equal(before.length, 2);
  const linesBefore = logLines(controller).length;
  const fulls = (): number => logLines(controller).filter((line) => line.msg === 'Full reconciliation done').length;

  const frozenAt = Date.now();
  two.process().pause();
  let unresponsiveMs: number;
  try {
    const condition = await expectReady('partner-cluster', 'False', 'Unresponsive', boundMs + slackMs + 15_000);
    unresponsiveMs = Date.now() - frozenAt;
    const fullsWhenLost = fulls();
    // Two probe intervals at least (a probe in flight at the freeze may be the first failure), the bound at most.
    assert.ok(unresponsiveMs >= 2 * defaultLivenessProbeTiming.intervalMs - 1000, `Unresponsive after ${unresponsiveMs} ms: too soon for 3 failed probes`);
    assert.ok(unresponsiveMs <= boundMs + slackMs, `Unresponsive after ${unresponsiveMs} ms; the bound is ${boundMs} ms (+${slackMs} ms slack)`);
    assert.match(condition.message, new RegExp(`^${two.url.replace(/[.]/g, '\\.')} has not answered since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: 3 liveness probes in a row failed .*; its entries are kept until it answers$`));
    assert.equal((await readyOf('production-cluster'))?.reason, 'Synced');

    // The other cluster works on: a new pod gets its entry while partner-cluster is frozen.
    await createPod(one, 'default', 'web-3', { app: 'web-app' }, 'node-1');
    await eventually('the new pod of production-cluster', async () => JSON.stringify(await podNames(west())) === JSON.stringify(['web-1', 'web-2', 'web-3']));
    // Full reconciliations keep the entries of the cluster they have no objects of.
    await eventually('two full reconciliations while it is Unresponsive', async () => fulls() >= fullsWhenLost + 2);
    assert.deepEqual(await eastEntries(), before, 'the frozen cluster keeps its entries');
  } finally {
    two.process().resume();
  }
  const resumedAt = Date.now();
  await expectReady('partner-cluster', 'True', 'Synced', 60_000);
  const readyMs = Date.now() - resumedAt;
  assert.ok(readyMs <= defaultLivenessProbeTiming.intervalMs + slackMs, `Synced ${readyMs} ms after SIGCONT`);
  // A full reconciliation after the recovery compared everything, and wrote nothing.
  const fullsAtReady = fulls();
  await eventually('a full reconciliation after the recovery', async () => fulls() > fullsAtReady);
  assert.deepEqual(await eastEntries(), before, 'the same entries: none deleted, re-created or rewritten');

  const since = logLines(controller).slice(linesBefore);
  const writes = since.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('Reconciled ') && (Number(line.created) > 0 || Number(line.updated) > 0 || Number(line.deleted) > 0));
  assert.deepEqual(
    writes.map((line) => [line.key, line.created, line.updated, line.deleted]),
    [['pod:production-cluster/default/web-3', 1, 0, 0]],
    'the only write: the new pod of the other cluster',
  );
  const fullLines = since.filter((line) => line.msg === 'Full reconciliation done');
  assert.ok(fullLines.length >= 3);
  assert.deepEqual(fullLines.filter((line) => line.created !== 0 || line.updated !== 0 || line.deleted !== 0), [], 'full reconciliations wrote nothing');
  const probeLines = since.filter((line) => line.cluster === 'partner-cluster' && typeof line.msg === 'string' && line.msg.includes('liveness probe')).map((line) => line.msg);
  assert.deepEqual(probeLines, ['Cluster does not answer its liveness probe; its entries are kept', 'Cluster answers its liveness probe again']);
  process.stdout.write(`# SIGSTOP -> Unresponsive: ${(unresponsiveMs / 1000).toFixed(1)} s (bound ${boundMs / 1000} s); SIGCONT -> Synced: ${(readyMs / 1000).toFixed(1)} s\n`);
});
