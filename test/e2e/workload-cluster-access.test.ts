import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { grantRegistrarAccess, registrarUser } from '../rig/fleet.ts';
import { createNode, createPod, eventually, identities, must, registries, registryFor, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

// Onboarding a workload cluster: the rig's workload clusters get nothing but config/workload-cluster/ (as a
// user applies it) and the token webhook maps the registrar's AWS identity to the group it binds, as an EKS
// access entry does. Take either away and the registry says which one is missing; its entries stay.
let h: Harness;

async function readyOf(name: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const body = (await must(h.fleet.management, 'GET', `${registries}/${name}`)) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
  return body.status?.conditions?.find((c) => c.type === 'Ready');
}

async function restartController(): Promise<void> {
  await h.controller?.stop();
  h.startController();
}

const partner = (): NonNullable<Harness['fleet']['workloads'][number]> => {
  const workload = h.fleet.workloads[1];
  assert.ok(workload);
  return workload;
};

before(async () => {
  h = await startHarness();
  for (const workload of h.fleet.workloads) {
    await createNode(workload.apiServer, 'node-1');
    await createPod(workload.apiServer, 'default', `web-${workload.clusterName}`, { app: 'web-app' }, 'node-1');
  }
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await must(h.fleet.management, 'POST', registries, registryFor('partner-cluster', h.fleet, 1, { environment: 'production' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('with only config/workload-cluster/ applied, both clusters converge', async () => {
  // The first convergence includes the controller's start and both clusters' first lists: under a loaded
  // CI machine that alone can take half a minute.
  await eventually('an entry per cluster', async () => (await h.ownedEntries()).length === 2 || `${(await h.ownedEntries()).length} entries`, 120_000);
  for (const name of ['production-cluster', 'partner-cluster']) await eventually(`${name} Ready`, async () => (await readyOf(name))?.status === 'True' || JSON.stringify(await readyOf(name)));
});

test('without the ClusterRole binding the registry is Ready=False/Forbidden naming the permission; granted again, it recovers', async () => {
  const api = partner().apiServer;
  for (const path of ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/spire-eks-workload-registrar-reader', '/apis/rbac.authorization.k8s.io/v1/clusterroles/spire-eks-workload-registrar-reader']) {
    await must(api, 'DELETE', path);
  }
  await restartController();
  await eventually('partner-cluster Forbidden', async () => {
    const ready = await readyOf('partner-cluster');
    return (
      (ready?.reason === 'Forbidden' && ready.status === 'False' && /cannot list resource "\w+"/.test(ready.message) && ready.message.includes('apply config/workload-cluster/ in it; its entries are kept')) ||
      JSON.stringify(ready)
    );
  });
  assert.equal((await h.ownedEntries()).length, 2, 'the refused cluster keeps its entry');
  assert.equal((await readyOf('production-cluster'))?.status, 'True');
  await grantRegistrarAccess(api);
  await eventually('partner-cluster Ready again', async () => (await readyOf('partner-cluster'))?.status === 'True' || JSON.stringify(await readyOf('partner-cluster')), 90_000);
});

test('without the mapping of its AWS identity the registry is Ready=False/Unauthorized, saying what to map', async () => {
  const workload = partner();
  h.fleet.webhook.setCluster({ clusterName: workload.clusterName, access: new Map() });
  await restartController();
  try {
    await eventually('partner-cluster Unauthorized', async () => {
      const ready = await readyOf('partner-cluster');
      return (ready?.reason === 'Unauthorized' && ready.message.includes('with an EKS access entry or aws-auth')) || JSON.stringify(ready);
    });
    assert.equal((await h.ownedEntries()).length, 2, 'the refused cluster keeps its entry');
  } finally {
    h.fleet.webhook.setCluster({
      clusterName: workload.clusterName,
      access: new Map([[workload.assumeRoleArn, registrarUser]]),
    });
  }
  await eventually('partner-cluster Ready again', async () => (await readyOf('partner-cluster'))?.status === 'True' || JSON.stringify(await readyOf('partner-cluster')), 90_000);
});
