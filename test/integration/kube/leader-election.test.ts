import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { ClusterConnection } from '../../../src/kube/cluster-connection.ts';
import { LeaderElector } from '../../../src/kube/leader-elector.ts';
import { httpLeaseClient } from '../../../src/kube/lease-client.ts';
import { startKubeFixture, waitFor, type KubeFixture } from './kube-fixture.ts';

let kube: KubeFixture;

before(async () => {
  kube = await startKubeFixture('it-kube-leader-');
  assert.equal((await kube.api.request('POST', '/api/v1/namespaces', { metadata: { name: 'spire-system' } })).status, 201);
});
after(() => kube?.stop());

// Short durations, in client-go's proportions (lease > deadline > 1.2 x retry), so the tests take seconds.
const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

interface Candidate {
  readonly identity: string;
  leading(): boolean;
  /** When onStartedLeading / onStoppedLeading were called (ms since the epoch), if they were. */
  startedAt(): number | undefined;
  stoppedAt(): number | undefined;
  stop(): Promise<void>;
}

/** A replica of the controller: its own connection, its own identity, one Lease. */
function candidate(t: TestContext, lease: string, identity: string, options: { releaseOnCancel?: boolean } = {}): Candidate {
  const connection = new ClusterConnection({
    name: 'management',
    credentials: async () => ({ server: kube.api.url, caPem: kube.api.caPem, token: kube.api.adminToken }),
  });
  let work: AbortSignal | undefined;
  let startedAt: number | undefined;
  let stoppedAt: number | undefined;
  const elector = new LeaderElector({
    lease: httpLeaseClient(connection, 'spire-system', lease),
    identity,
    ...timing,
    ...options,
    onStartedLeading: (signal) => {
      work = signal;
      startedAt = Date.now();
    },
    onStoppedLeading: () => void (stoppedAt = Date.now()),
  });
  const controller = new AbortController();
  const running = elector.run(controller.signal);
  const stop = async (): Promise<void> => {
    controller.abort();
    await running;
    connection.close();
  };
  t.after(stop);
  return {
    identity,
    leading: () => work !== undefined && !work.aborted,
    startedAt: () => startedAt,
    stoppedAt: () => stoppedAt,
    stop,
  };
}

async function leaseSpec(name: string): Promise<{ holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number; renewTime?: string }> {
  const { status, body } = await kube.api.request('GET', `/apis/coordination.k8s.io/v1/namespaces/spire-system/leases/${name}`);
  assert.equal(status, 200);
  return (body as { spec: Record<string, unknown> }).spec;
}

test('one of two candidates leads; the other takes over once the leader stops renewing, not before', async (t) => {
  const a = candidate(t, 'crash', 'replica-a', { releaseOnCancel: false });
  await waitFor('a to lead', () => a.leading());
  const b = candidate(t, 'crash', 'replica-b');
  const first = await leaseSpec('crash');
  assert.equal(first.holderIdentity, 'replica-a');
  assert.equal(first.leaseDurationSeconds, 3);
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  assert.equal(b.leading(), false, 'a renewed for longer than a lease lasts, and b kept off');
  assert.notEqual((await leaseSpec('crash')).renewTime, first.renewTime, 'a renewed');

  await a.stop(); // as if it crashed: no release
  const crashedAt = Date.now();
  await waitFor('b to take over', () => b.leading(), 10_000);
  const takeoverMs = (b.startedAt() ?? 0) - crashedAt;
  t.diagnostic(`takeover after a crash: ${takeoverMs} ms`);
  // b waits until the lease it last saw change is leaseDuration old: at least 3 s after a's last renewal.
  assert.ok(takeoverMs >= 3_000 - timing.retryPeriodMs, `b took over ${takeoverMs} ms after a stopped`);
  assert.ok(takeoverMs < 3_000 + 3 * timing.retryPeriodMs * 2.2, `b took over ${takeoverMs} ms after a stopped`);
  const taken = await leaseSpec('crash');
  assert.equal(taken.holderIdentity, 'replica-b');
  assert.equal(taken.leaseTransitions, 1);
});

test('a leader that stops gracefully releases the lease, and the other takes over at its next try', async (t) => {
  const a = candidate(t, 'graceful', 'replica-a');
  await waitFor('a to lead', () => a.leading());
  const b = candidate(t, 'graceful', 'replica-b');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(b.leading(), false);
  await a.stop();
  const releasedAt = Date.now();
  assert.ok(a.stoppedAt() !== undefined, 'a was told it stopped leading');
  await waitFor('b to take over', () => b.leading(), 5_000);
  const takeoverMs = (b.startedAt() ?? 0) - releasedAt;
  t.diagnostic(`takeover after a release: ${takeoverMs} ms`);
  assert.ok(takeoverMs < timing.retryPeriodMs * 2.2 + 500, `b took over ${takeoverMs} ms after the release, well within a lease`);
  assert.equal((await leaseSpec('graceful')).holderIdentity, 'replica-b');
});

test('a leader cut off from the apiserver stops all work within the renew deadline, before its lease could pass on', async (t) => {
  const a = candidate(t, 'cut-off', 'replica-a');
  await waitFor('a to lead', () => a.leading());
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const lastRenewal = Date.parse((await leaseSpec('cut-off')).renewTime ?? '');
  kube.freezeApiServer(true);
  const frozenAt = Date.now();
  try {
    await waitFor('a to stop leading', () => !a.leading(), 10_000);
  } finally {
    kube.freezeApiServer(false);
  }
  const stoppedAt = a.stoppedAt() ?? Infinity;
  t.diagnostic(`stopped leading ${stoppedAt - frozenAt} ms after the cut, ${stoppedAt - lastRenewal} ms after the last renewal`);
  assert.ok(stoppedAt - frozenAt <= timing.retryPeriodMs + timing.renewDeadlineMs + 500, `stopped ${stoppedAt - frozenAt} ms after the cut`);
  assert.ok(stoppedAt - lastRenewal < timing.leaseDurationMs, `stopped ${stoppedAt - lastRenewal} ms after its last renewal, inside the lease`);
});
