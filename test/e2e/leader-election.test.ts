import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, type RigProcess } from '../rig/processes.ts';
import { createNode, createPod, eventually, identities, logLines, must, podNameOf, registries, registryFor, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

let h: Harness;
const leaseName = 'spire-eks-workload-registrar-e2e';

const leads = (proc: RigProcess): boolean => logLines(proc).some((line) => line.msg === 'Starting the controller');
const writes = (proc: RigProcess): number => logLines(proc).filter((line) => typeof line.msg === 'string' && line.msg.startsWith('Reconciled ')).length;

async function holder(): Promise<string> {
  const lease = (await must(h.fleet.management, 'GET', `/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseName}`)) as { spec?: { holderIdentity?: string } };
  return lease.spec?.holderIdentity ?? '';
}

before(async () => {
  h = await startHarness({
    config: { leaderElection: `{ leaderElect: true, resourceNamespace: default, resourceName: ${leaseName}, leaseDuration: 4s, renewDeadline: 3s, retryPeriod: 500ms }` },
  });
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createNode(api, 'node-1');
  await createPod(api, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
});

after(async () => {
  await h?.stop();
});

test('two controllers with leader election: one leads and writes, the other waits and is ready; SIGKILL the leader and the other takes over', async () => {
  const probePorts = [await freePort(), await freePort()];
  const [first, second] = probePorts.map((port) => h.startController({ config: { health: `{ healthProbeBindAddress: "127.0.0.1:${port}" }` } })) as [RigProcess, RigProcess];
  const readyz = async (proc: RigProcess): Promise<number> => (await fetch(`http://127.0.0.1:${probePorts[proc === first ? 0 : 1]}/readyz`)).status;
  await eventually('the entry of web-1', async () => (await h.ownedEntries()).map(podNameOf).join() === 'web-1');
  await eventually('one leader', async () => leads(first) !== leads(second) || `first leads: ${leads(first)}, second leads: ${leads(second)}`);
  const [leader, follower] = leads(first) ? [first, second] : [second, first];
  const leaderIdentity = await holder();
  assert.ok(leaderIdentity !== '');
  // The follower knows who leads and has started nothing: no informers, no reconciliation, no write.
  await eventually('the follower sees the leader', async () => logLines(follower).some((line) => line.msg === 'New leader elected' && line.leader === leaderIdentity));
  assert.equal(leads(follower), false);
  assert.equal(writes(follower), 0);
  assert.equal(logLines(follower).some((line) => line.msg === 'Full reconciliation done'), false);
  // Both are ready: the leader has reconciled, and a standby must not hold up a rolling update.
  await eventually('the leader is ready', async () => (await readyz(leader)) === 200);
  assert.equal(await readyz(follower), 200);

  process.kill(leader.pid, 'SIGKILL');
  await leader.exited;
  await eventually('the follower leads', async () => leads(follower), 30_000);
  assert.notEqual(await holder(), leaderIdentity);
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createPod(api, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await eventually('the entry of web-2, written by the new leader', async () => (await h.ownedEntries()).map(podNameOf).sort().join() === 'web-1,web-2');
  // The log line of that write may reach the file just after the entry reaches SPIRE.
  await eventually('the new leader logs its write', async () => writes(follower) >= 1 || `${writes(follower)} writes logged`);
});
