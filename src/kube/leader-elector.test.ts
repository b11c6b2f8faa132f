import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { KubeApiError } from './kube-api-error.ts';
import { LeaderElector } from './leader-elector.ts';
import { microTime, type Lease, type LeaseClient, type LeaseRecord } from './lease-client.ts';

/** One Lease with the apiserver's optimistic concurrency (409 on a stale version); `down` fails every call. */
class MemoryLease {
  current: Lease | undefined;
  #version = 0;
  down = false;
  writes = 0;

  client(): LeaseClient {
    const check = (): void => {
      if (this.down) throw new Error('connect ECONNREFUSED');
    };
    const store = (record: LeaseRecord): Lease => {
      this.writes++;
      this.current = { resourceVersion: String(++this.#version), record, json: { metadata: {}, spec: {} } };
      return this.current;
    };
    return {
      description: 'Lease spire-system/registrar on cluster test',
      get: async () => {
        check();
        return this.current;
      },
      create: async (record) => {
        check();
        if (this.current !== undefined) throw new KubeApiError('create', { code: 409, reason: 'AlreadyExists', message: '' });
        return store(record);
      },
      update: async (lease, record) => {
        check();
        if (lease.resourceVersion !== this.current?.resourceVersion) throw new KubeApiError('update', { code: 409, reason: 'Conflict', message: '' });
        return store(record);
      },
    };
  }
}

interface Candidate {
  elector: LeaderElector;
  leading: () => boolean;
  stoppedLeading: () => number;
  workSignal: () => AbortSignal | undefined;
  stop: () => Promise<void>;
  done: Promise<void>;
}

function candidate(lease: MemoryLease, clock: ManualClock, identity: string, options: { releaseOnCancel?: boolean } = {}): Candidate {
  let workSignal: AbortSignal | undefined;
  let stopped = 0;
  const elector = new LeaderElector({
    lease: lease.client(),
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    random: () => 0,
    onStartedLeading: (signal) => void (workSignal = signal),
    onStoppedLeading: () => void stopped++,
    ...options,
  });
  const controller = new AbortController();
  const done = elector.run(controller.signal);
  return {
    elector,
    leading: () => workSignal !== undefined && !workSignal.aborted,
    stoppedLeading: () => stopped,
    workSignal: () => workSignal,
    stop: async () => {
      controller.abort();
      await done;
    },
    done,
  };
}

test('the first candidate creates the lease and leads; the second waits while the first renews', async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a');
  await settle();
  assert.equal(a.leading(), true);
  assert.equal(lease.current?.record.holderIdentity, 'a');
  assert.equal(lease.current?.record.leaseDurationSeconds, 15);
  assert.equal(lease.current?.record.leaseTransitions, 0);
  const b = candidate(lease, clock, 'b');
  await settle();
  assert.equal(b.leading(), false);
  assert.equal(b.elector.observedLeader, 'a');
  await clock.advance(60_000);
  assert.equal(a.leading(), true);
  assert.equal(b.leading(), false, 'a renews every 2 s, so its lease never runs out');
  assert.ok(lease.writes >= 30, `a renewed (${lease.writes} writes)`);
  await a.stop();
  await b.stop();
});

test('when the leader stops renewing, another candidate takes over once leaseDuration has passed since it last saw a change', async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a', { releaseOnCancel: false });
  await settle();
  const b = candidate(lease, clock, 'b');
  await settle();
  await clock.advance(5_000);
  await a.stop(); // gone without releasing, as a crashed process
  const lastRenewal = lease.current?.record.renewTime;
  await clock.advance(12_000);
  assert.equal(b.leading(), false, 'the lease is still valid as b last saw it');
  await clock.advance(8_000);
  assert.equal(b.leading(), true);
  assert.equal(lease.current?.record.holderIdentity, 'b');
  assert.equal(lease.current?.record.leaseTransitions, 1);
  assert.notEqual(lease.current?.record.renewTime, lastRenewal);
  await b.stop();
});

test('a leader that cannot renew within renewDeadline stops leading before its lease runs out for others', async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a');
  await settle();
  await clock.advance(2_000); // a renewal
  const renewedAt = clock.now();
  lease.down = true;
  await clock.advance(10_000);
  assert.equal(a.leading(), true, 'still within the renew deadline');
  await clock.advance(2_000);
  assert.equal(a.workSignal()?.aborted, true, 'work is told to stop');
  assert.equal(a.stoppedLeading(), 1);
  await a.done;
  // Others may take over 15 s after the last renewal; a stopped before that.
  assert.ok(clock.now() - renewedAt < 15_000, `stopped ${clock.now() - renewedAt} ms after the last renewal`);
});

test('a renewal that fails once but succeeds within the deadline keeps the lead', async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a');
  await settle();
  lease.down = true;
  await clock.advance(6_000);
  lease.down = false;
  await clock.advance(20_000);
  assert.equal(a.leading(), true);
  assert.equal(a.stoppedLeading(), 0);
  await a.stop();
});

test('a graceful stop releases the lease, so the next candidate leads at its next try', async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a');
  await settle();
  const b = candidate(lease, clock, 'b');
  await settle();
  await a.stop();
  assert.equal(a.stoppedLeading(), 1);
  assert.equal(lease.current?.record.holderIdentity, '');
  assert.equal(lease.current?.record.leaseDurationSeconds, 1);
  await clock.advance(2_000); // b's retry period (jitter 0)
  assert.equal(b.leading(), true);
  await b.stop();
});

test('a release that conflicts (a renewal it never saw was applied) reads the lease again and still releases it', async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a');
  await settle();
  const current = lease.current as Lease;
  // The server applied a renewal whose answer a never got: the version moved on, the lease is still a's.
  lease.current = { ...current, resourceVersion: `${current.resourceVersion}-renewed` };
  await a.stop();
  assert.equal(lease.current?.record.holderIdentity, '', 'released all the same');
  assert.equal(lease.current?.record.leaseDurationSeconds, 1);
});

test("another writer's change makes the leader's fast-path update conflict; it reads the lease and renews", async () => {
  const clock = new ManualClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, 'a');
  await settle();
  const current = lease.current as Lease;
  // An admin adds a label, say: the version moves on, the record stays a's.
  lease.current = { ...current, resourceVersion: `${current.resourceVersion}-labelled` };
  await clock.advance(2_000);
  assert.equal(a.leading(), true);
  assert.equal(lease.current?.record.holderIdentity, 'a');
  assert.notEqual(lease.current?.resourceVersion, `${current.resourceVersion}-labelled`);
  await a.stop();
});

test('the durations are checked as client-go checks them', () => {
  const lease = new MemoryLease().client();
  const base = { lease, onStartedLeading: () => {} };
  assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration must be longer than renewDeadline/);
  assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadline must be longer than 1.2 x retryPeriod/);
});

test('lease times are written with the six fractional digits metav1.MicroTime requires', () => {
  assert.equal(microTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), '2025-01-02T03:04:05.678000Z');
});
