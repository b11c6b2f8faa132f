import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleConfig, sampleRegistry } from '../../test/fixtures/fleet-objects.ts';
import { templateReach } from '../identity/template-reach.ts';
import { compileTemplate } from '../template/compile.ts';
import { setAwsEnvironment, startFakeSts } from '../../test/support/fake-sts.ts';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { RecordingLogger } from '../../test/support/recording-logger.ts';
import { ClusterManager, connectedClusterStatus, type ClusterListener, type ClusterStatus, type ConnectedClusterView } from './cluster-manager.ts';
import { defaultFleetTiming } from './fleet-timing.ts';

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

test('a refused identity or permission says what onboarding the cluster must grant', () => {
  const denied = 'pods: workload-2 GET /api/v1/pods: 403 Forbidden: pods is forbidden: User "registrar" cannot list resource "pods"';
  assert.deepEqual(connectedClusterStatus({ ...healthy, failing: denied, refusedWith: 403 }), {
    ready: false,
    reason: 'Forbidden',
    message: `workload-2 denies the registrar a permission (${denied}): apply config/workload-cluster/ in it; its entries are kept`,
  });
  const unknown = connectedClusterStatus({ ...healthy, failing: 'pods: workload-2 GET /api/v1/pods: 401 Unauthorized', refusedWith: 401 });
  assert.equal(unknown.reason, 'Unauthorized');
  assert.match(unknown.message, /map its IAM role to the group config\/workload-cluster\/ binds, with an EKS access entry or aws-auth/);
});

/** A listener that only records statuses, and tells when a cluster reports `reason`. */
function statusListener(): { listener: ClusterListener; reported: (cluster: string, reason: ClusterStatus['reason']) => Promise<void> } {
  const waiters: { cluster: string; reason: string; resolve: () => void }[] = [];
  const seen = new Set<string>();
  const listener: ClusterListener = {
    synced: () => {},
    lost: () => {},
    pod: () => {},
    node: () => {},
    namespace: () => {},
    endpointSlices: () => {},
    status: (cluster, status) => {
      seen.add(`${cluster}/${status.reason}`);
      for (const waiter of waiters.filter((w) => w.cluster === cluster && w.reason === status.reason)) waiter.resolve();
    },
  };
  const reported = (cluster: string, reason: string): Promise<void> =>
    seen.has(`${cluster}/${reason}`) ? Promise.resolve() : new Promise((resolve) => waiters.push({ cluster, reason, resolve }));
  return { listener, reported };
}

/** How long `promise` took to settle, or Infinity when it did not within `limitMs`. */
async function settledWithin(promise: Promise<unknown>, limitMs: number): Promise<number> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(Infinity), limitMs);
  });
  try {
    return await Promise.race([promise.then(() => performance.now() - started), late]);
  } finally {
    clearTimeout(timer);
  }
}

test('removing a cluster or stopping all returns within 1 s while a DescribeCluster retry waits out a long backoff', async () => {
  const { listener, reported } = statusListener();
  let describes = 0;
  const clusters = new ClusterManager({
    config: sampleConfig(),
    listener,
    logger: new RecordingLogger(),
    timing: defaultFleetTiming,
    // A minute before the first retry: the wait of a cluster that has been failing for a while.
    baseBackoffMs: 60_000,
    describeCluster: async (clusterName) => {
      describes++;
      throw new Error(`AccessDeniedException: not authorized to describe ${clusterName}`);
    },
  });
  await clusters.setRegistry(sampleRegistry('alpha'));
  await clusters.setRegistry(sampleRegistry('beta'));
  await Promise.all([reported('alpha', 'DescribeFailed'), reported('beta', 'DescribeFailed')]);
  assert.equal(describes, 2);

  const removeMs = await settledWithin(clusters.remove('alpha'), 1000);
  assert.ok(removeMs < 1000, `remove waited ${removeMs} ms`);
  const stopMs = await settledWithin(clusters.stopAll(), 1000);
  assert.ok(stopMs < 1000, `stopAll waited ${stopMs} ms`);
  assert.equal(describes, 2, 'no DescribeCluster after the cluster was removed');
});

test('DescribeCluster is retried after 1 s, 2 s, 4 s ... up to 60 s, each within ±20%, until the cluster is removed', async () => {
  const clock = new ManualClock();
  const { listener, reported } = statusListener();
  let describes = 0;
  const clusters = new ClusterManager({
    config: sampleConfig(),
    listener,
    logger: new RecordingLogger(),
    timing: defaultFleetTiming,
    clock,
    describeCluster: async () => {
      describes++;
      throw new Error('ThrottlingException: rate exceeded');
    },
  });
  await clusters.setRegistry(sampleRegistry('alpha'));
  await reported('alpha', 'DescribeFailed');
  const waits: number[] = [];
  for (let retry = 0; retry < 8; retry++) {
    const [delay = -1] = clock.pendingDelays();
    waits.push(delay);
    await clock.advance(delay);
    assert.equal(describes, retry + 2, `retry ${retry + 1} made after ${delay} ms`);
  }
  const expected = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000];
  expected.forEach((exponential, i) => {
    const wait = waits[i] ?? -1;
    assert.ok(wait >= 0.8 * exponential && wait <= 1.2 * exponential, `wait ${i}: ${wait} ms, expected ${exponential} ±20%`);
  });
  await clusters.remove('alpha');
  assert.equal(clock.pendingTimers, 0, 'no timer left behind');
});

test("a cluster's credentials come from STS in the config's aws.region, else in the cluster's region", async () => {
  const sts = await startFakeSts();
  const restore = setAwsEnvironment({ AWS_ENDPOINT_URL_STS: sts.url, AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'secret' });
  try {
    const connect = async (region: string | undefined): Promise<void> => {
      const { listener, reported } = statusListener();
      const clusters = new ClusterManager({
        config: sampleConfig({ aws: { region, accountIds: [], assumeRoleArn: '' } }),
        listener,
        logger: new RecordingLogger(),
        timing: defaultFleetTiming,
        describeCluster: async (clusterName, _region, credentials) => {
          await credentials();
          throw new Error(`stop after the credentials of ${clusterName}`);
        },
      });
      await clusters.setRegistry(sampleRegistry('alpha', { region: 'us-west-2', assumeRoleArn: 'arn:aws:iam::222222222222:role/reader' }));
      await reported('alpha', 'DescribeFailed');
      await clusters.stopAll();
    };
    await connect('eu-central-1');
    await connect(undefined);
    assert.deepEqual(
      sts.calls.map((call) => call.signingRegion),
      ['eu-central-1', 'us-west-2'],
    );
  } finally {
    restore();
    await sts.close();
  }
});

test('refresh re-lists a cluster whose template reach changed, and only that cluster', async () => {
  const { listener, reported } = statusListener();
  const describes: string[] = [];
  let reach = templateReach([compileTemplate('t', '{{ .PodMeta.Name }}')]);
  const clusters = new ClusterManager({
    config: sampleConfig(),
    listener,
    logger: new RecordingLogger(),
    timing: defaultFleetTiming,
    clock: new ManualClock(),
    describeCluster: async (clusterName) => {
      describes.push(clusterName);
      throw new Error('stop here: the test counts connection attempts');
    },
    templateReach: (registry) => (registry.metadata.name === 'alpha' ? reach : undefined),
  });
  await clusters.setRegistry(sampleRegistry('alpha'));
  await clusters.setRegistry(sampleRegistry('beta'));
  await Promise.all([reported('alpha', 'DescribeFailed'), reported('beta', 'DescribeFailed')]);
  // A reconnection describes its cluster within a few turns of the event loop; give it time to.
  const settled = () => new Promise((resolve) => setTimeout(resolve, 100));
  reach = templateReach([compileTemplate('t', '{{ .PodMeta.Name }}')]);
  await clusters.refresh();
  await settled();
  assert.deepEqual(describes, ['alpha-eks', 'beta-eks'], 'an equal reach keeps the connections');
  reach = templateReach([compileTemplate('t', '{{ range .PodSpec.Containers }}{{ .Image }}{{ end }}')]);
  await clusters.refresh();
  await settled();
  assert.deepEqual(describes, ['alpha-eks', 'beta-eks', 'alpha-eks'], 'a wider reach reconnects (and lists) alpha alone');
  await clusters.stopAll();
});
