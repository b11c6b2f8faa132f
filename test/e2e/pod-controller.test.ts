import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatSelector } from '../../src/spire/entry.ts';
import { createNode, createPod, eventually, expectRestartWritesNothing, must, registries, registryFor, startHarness, type Harness } from './e2e-fixture.ts';

// The pod controller on the rig (config podController, label mode): the controller as a process, a
// workload cluster's pods labelled and unlabelled through its apiserver, a real spire-server.
let h: Harness;
const label = 'spiffe.io/spiffe-id';

async function entryOf(spiffeId: string): Promise<string[]> {
  return (await h.ownedEntries()).filter((entry) => entry.spiffeId === spiffeId).map((entry) => `${entry.parentId} ${entry.selectors.map(formatSelector).join(',')}`);
}

async function setLabel(name: string, value: string | null): Promise<void> {
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  const { status } = await api.request('PATCH', `/api/v1/namespaces/default/pods/${name}`, { metadata: { labels: { [label]: value } } }, { contentType: 'application/merge-patch+json' });
  assert.equal(status, 200);
}

before(async () => {
  h = await startHarness({ gcInterval: '4s', config: { podController: `{ enabled: true, podLabel: "${label}" }` } });
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createNode(api, 'node-1');
  await createPod(api, 'default', 'web-1', { app: 'web' }, 'node-1');
  await h.fleet.spire?.cliOk(['entry', 'create', '-entryID', 'manual-1', '-spiffeID', 'spiffe://example.org/manual', '-parentID', 'spiffe://example.org/agent', '-selector', 'unix:uid:0']);
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  h.startController();
});

after(async () => {
  await h?.stop();
});

test('labelling a pod creates its entry; removing the label deletes it', async () => {
  await eventually('the controller to sync the cluster', async () => {
    const body = (await must(h.fleet.management, 'GET', `${registries}/production-cluster`)) as { status?: { conditions?: { type: string; status: string }[] } };
    return body.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }, 60_000);
  assert.deepEqual(await h.ownedEntries(), [], 'an unlabelled pod gets nothing');
  await setLabel('web-1', 'shop-web');
  await eventually('the entry of web-1', async () => (await entryOf('spiffe://example.org/shop-web')).length === 1);
  const [entry] = await entryOf('spiffe://example.org/shop-web');
  assert.match(entry ?? '', /^spiffe:\/\/example\.org\/spire\/agent\/k8s_psat\/workload-1\/[0-9a-f-]{36} k8s:ns:default,k8s:pod-uid:[0-9a-f-]{36}$/);
  await expectRestartWritesNothing(h);
  await setLabel('web-1', null);
  await eventually('no entry', async () => (await h.ownedEntries()).length === 0);
  assert.ok(await h.spire.getEntry('manual-1'), 'the manual entry is still there');
});
