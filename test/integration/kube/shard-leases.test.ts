import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClusterConnection } from '../../../src/kube/cluster-connection.ts';
import { httpLeaseClient, microTime } from '../../../src/kube/lease-client.ts';
import { httpLeaseSet } from '../../../src/kube/lease-set.ts';
import { shardRingLabel } from '../../../src/sharding/shard-membership.ts';
import { startKubeFixture, type KubeFixture } from './kube-fixture.ts';

// The replicas' Leases against a real apiserver: created with the ring's label, listed by it (another
// ring's and unlabelled Leases left out), deleted only at the version seen.

let kube: KubeFixture;
let connection: ClusterConnection;

before(async () => {
  kube = await startKubeFixture('it-kube-shards-');
  assert.equal((await kube.api.request('POST', '/api/v1/namespaces', { metadata: { name: 'spire-system' } })).status, 201);
  connection = new ClusterConnection({ name: 'management', credentials: async () => ({ server: kube.api.url, caPem: kube.api.caPem, token: kube.api.adminToken }) });
});
after(async () => {
  connection?.close();
  await kube?.stop();
});

const record = (holderIdentity: string) => ({ holderIdentity, leaseDurationSeconds: 4, acquireTime: microTime(Date.now()), renewTime: microTime(Date.now()), leaseTransitions: 0 });

test('Leases of one ring are listed by their label; a delete at a stale version leaves the Lease; at the current one removes it', async () => {
  const signal = AbortSignal.timeout(10_000);
  const ring = 'registrar-a';
  const a = await httpLeaseClient(connection, 'spire-system', `${ring}-r-1`, { [shardRingLabel]: ring }).create(record('r-1_x'), signal);
  await httpLeaseClient(connection, 'spire-system', `${ring}-r-2`, { [shardRingLabel]: ring }).create(record('r-2_x'), signal);
  await httpLeaseClient(connection, 'spire-system', 'registrar-b-r-1', { [shardRingLabel]: 'registrar-b' }).create(record('other'), signal);
  await httpLeaseClient(connection, 'spire-system', 'leader').create(record('leader'), signal);
  const set = httpLeaseSet(connection, 'spire-system', shardRingLabel, ring);
  const listed = await set.list(signal);
  assert.deepEqual(listed.map((lease) => [lease.name, lease.record.holderIdentity]).sort(), [
    [`${ring}-r-1`, 'r-1_x'],
    [`${ring}-r-2`, 'r-2_x'],
  ]);
  // r-1 renews: the version a replica saw before is stale, and its delete must not remove the live Lease.
  const renewed = await httpLeaseClient(connection, 'spire-system', `${ring}-r-1`).update(a, { ...a.record, renewTime: microTime(Date.now() + 1000) }, signal);
  await set.remove(`${ring}-r-1`, a.resourceVersion, signal);
  assert.equal((await set.list(signal)).length, 2);
  await set.remove(`${ring}-r-1`, renewed.resourceVersion, signal);
  assert.deepEqual((await set.list(signal)).map((lease) => lease.name), [`${ring}-r-2`]);
  // Gone already: nothing to do.
  await set.remove(`${ring}-r-1`, renewed.resourceVersion, signal);
});
