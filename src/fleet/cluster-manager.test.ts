import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectedClusterStatus, type ConnectedClusterView } from './cluster-manager.ts';

const healthy: ConnectedClusterView = { clusterName: 'workload-2', server: 'https://10.0.0.2:443', synced: true, failing: undefined, liveness: { responsive: true } };
const silent = { responsive: false, since: Date.parse('2026-05-09T10:00:05Z'), failures: 3, lastError: 'cluster partner: no answer within 5000 ms' } as const;

test('synced, healthy and answering: Ready/Synced; before the first list: Connecting', () => {
  assert.deepEqual(connectedClusterStatus(healthy), { ready: true, reason: 'Synced', message: 'watching pods, nodes and namespaces of workload-2' });
  assert.deepEqual(connectedClusterStatus({ ...healthy, synced: false }), { ready: false, reason: 'Connecting', message: 'listing pods, nodes and namespaces of https://10.0.0.2:443' });
});

test('a server that stopped answering is Unresponsive even though its caches are synced and no watch failed', () => {
  assert.deepEqual(connectedClusterStatus({ ...healthy, liveness: silent }), {
    ready: false,
    reason: 'Unresponsive',
    message:
      'https://10.0.0.2:443 has not answered since 2026-05-09T10:00:05.000Z: 3 liveness probes in a row failed (the last: cluster partner: no answer within 5000 ms); its entries are kept until it answers',
  });
  assert.equal(connectedClusterStatus({ ...healthy, synced: false, liveness: silent }).reason, 'Unresponsive');
});

test('a failed list or watch says more than silence: Unreachable, with its error', () => {
  assert.deepEqual(connectedClusterStatus({ ...healthy, failing: 'pods: connect ECONNREFUSED 10.0.0.2:443', liveness: silent }), {
    ready: false,
    reason: 'Unreachable',
    message: 'pods: connect ECONNREFUSED 10.0.0.2:443; its entries are kept until it is back',
  });
});
