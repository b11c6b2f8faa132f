import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { KubeApiError } from '../kube/kube-api-error.ts';
import type { Lease, LeaseClient, LeaseRecord } from '../kube/lease-client.ts';
import type { LeaseSet, NamedLease } from '../kube/lease-set.ts';
import { clusterEntryIdPrefix } from '../identity/entry-id.ts';
import { NotShardHolderError, ShardMembership } from './shard-membership.ts';

/** The management apiserver's Leases, with optimistic concurrency; a replica that is cut off gets errors. */
class MemoryLeases {
  readonly leases = new Map<string, Lease>();
  readonly cutOff = new Set<string>();
  #version = 0;

  #check(replica: string): void {
    if (this.cutOff.has(replica)) throw new Error('connect ETIMEDOUT');
  }

  #store(name: string, record: LeaseRecord): Lease {
    const lease = { resourceVersion: String(++this.#version), record, json: { metadata: { name }, spec: {} } };
    this.leases.set(name, lease);
    return lease;
  }

  own(replica: string, name: string): LeaseClient {
    return {
      description: `Lease ${name}`,
      get: async () => {
        this.#check(replica);
        return this.leases.get(name);
      },
      create: async (record) => {
        this.#check(replica);
        if (this.leases.has(name)) throw new KubeApiError('create', { code: 409, reason: 'AlreadyExists', message: '' });
        return this.#store(name, record);
      },
      update: async (lease, record) => {
        this.#check(replica);
        if (lease.resourceVersion !== this.leases.get(name)?.resourceVersion) throw new KubeApiError('update', { code: 409, reason: 'Conflict', message: '' });
        return this.#store(name, record);
      },
    };
  }

  set(replica: string): LeaseSet {
    return {
      description: 'the ring',
      list: async () => {
        this.#check(replica);
        return [...this.leases].map(([name, lease]): NamedLease => ({ name, ...lease }));
      },
      remove: async (name, resourceVersion) => {
        this.#check(replica);
        if (this.leases.get(name)?.resourceVersion === resourceVersion) this.leases.delete(name);
      },
    };
  }
}

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const clusters = Array.from({ length: 24 }, (_, index) => `cluster-${index}`);

function replica(store: MemoryLeases, clock: ManualClock, name: string): { membership: ShardMembership; stop: () => Promise<void> } {
  const membership = new ShardMembership({
    ownLease: store.own(name, name),
    ownLeaseName: name,
    leases: store.set(name),
    entryIdPrefix: 'eks-',
    ...timing,
    onChange: () => {},
    onError: () => {},
    clock,
  });
  const running = new AbortController();
  const done = membership.run(running.signal);
  return {
    membership,
    stop: async () => {
      running.abort();
      await clock.advance(0);
      await done;
    },
  };
}

/** Advances in steps of 250 ms, checking that no cluster is held by two replicas at any step. */
async function advance(clock: ManualClock, ms: number, replicas: readonly ShardMembership[]): Promise<void> {
  for (let passed = 0; passed < ms; passed += 250) {
    await clock.advance(250);
    for (const cluster of clusters) {
      const holders = replicas.filter((r) => r.holds(cluster)).map((r) => r.name);
      assert.ok(holders.length <= 1, `${cluster} held by ${holders.join(' and ')} at +${passed} ms`);
    }
  }
}

const heldBy = (membership: ShardMembership): string[] => clusters.filter((cluster) => membership.holds(cluster));

test('two replicas: each cluster held by one once both have waited a lease duration; one cut off stops writing before the other takes its clusters, and coming back it waits again', async () => {
  const clock = new ManualClock();
  const store = new MemoryLeases();
  const a = replica(store, clock, 'replica-a');
  const b = replica(store, clock, 'replica-b');
  const both = [a.membership, b.membership];
  await settle();
  // Joined, but nobody writes until a whole leaseDuration has passed since it joined.
  await advance(clock, 14_000, both);
  assert.deepEqual([heldBy(a.membership), heldBy(b.membership)], [[], []]);
  await advance(clock, 2_000, both);
  const ofA = heldBy(a.membership);
  const ofB = heldBy(b.membership);
  assert.equal(ofA.length + ofB.length, clusters.length);
  assert.ok(ofA.length > 0 && ofB.length > 0, `split ${ofA.length} / ${ofB.length}`);
  // The fence checks entry IDs by their cluster tag.
  const idOf = (cluster: string): string => `${clusterEntryIdPrefix('eks-', cluster)}0123456789abcdef0123456789abcdef`;
  a.membership.checkWrite(ofA.map(idOf));
  assert.throws(() => a.membership.checkWrite([idOf(ofB[0] as string)]), NotShardHolderError);

  // a is cut off from the apiserver: within renewDeadline it holds nothing; b takes a's clusters only
  // once a's Lease went unchanged for leaseDuration as b saw it (advance checks no overlap at every step).
  store.cutOff.add('replica-a');
  await advance(clock, 10_000, both);
  assert.deepEqual(heldBy(a.membership), []);
  assert.throws(() => a.membership.checkWrite([idOf(ofA[0] as string)]), /last renewed/);
  await advance(clock, 8_000, both);
  assert.deepEqual(heldBy(b.membership), clusters);

  // a comes back: its next try renews (within 2.2 retryPeriods), b lets a's clusters go at its next list,
  // and a writes again only a leaseDuration after it renewed.
  store.cutOff.delete('replica-a');
  await advance(clock, 7_000, both);
  assert.deepEqual(heldBy(b.membership), ofB);
  assert.deepEqual(heldBy(a.membership), []);
  await advance(clock, 15_000, both);
  assert.deepEqual(heldBy(a.membership), ofA);
  await a.stop();
  await b.stop();
});

test('a replica that stops gracefully releases its Lease and the others take its clusters at their next list', async () => {
  const clock = new ManualClock();
  const store = new MemoryLeases();
  const a = replica(store, clock, 'replica-a');
  const b = replica(store, clock, 'replica-b');
  await settle();
  await advance(clock, 16_000, [a.membership, b.membership]);
  await a.stop();
  assert.equal(store.leases.get('replica-a')?.record.holderIdentity, '');
  await advance(clock, 2_500, [b.membership]);
  assert.deepEqual(heldBy(b.membership), clusters);
  await b.stop();
});
