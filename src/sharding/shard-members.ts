// Which replicas are members, from their Leases as listed, judged as the leader elector judges a lease:
// a record that has not changed for its leaseDuration since this process saw it change is gone.

/** A replica's Lease as listed. */
export interface ListedShardLease {
  /** The Lease's name: the replica's name on the ring. */
  readonly name: string;
  /** Empty when released. */
  readonly holder: string;
  readonly leaseDurationSeconds: number;
  /** The record's text: any change of it (a renewal) counts as a sign of life. */
  readonly record: string;
  readonly resourceVersion: string;
}

/** A Lease as this process has seen it. */
export interface ObservedShardLease extends ListedShardLease {
  /** When this process saw its record change (its own clock). */
  readonly changedAt: number;
}

/** The observations after a list sent at `now`; Leases no longer listed are dropped. */
export function observeShardLeases(previous: ReadonlyMap<string, ObservedShardLease>, leases: readonly ListedShardLease[], now: number): Map<string, ObservedShardLease> {
  const observed = new Map<string, ObservedShardLease>();
  for (const lease of leases) {
    const before = previous.get(lease.name);
    observed.set(lease.name, { ...lease, changedAt: before !== undefined && before.record === lease.record ? before.changedAt : now });
  }
  return observed;
}

/** The replicas counted as members at `now`: held, and changed within their leaseDuration. */
export function liveShardMembers(observed: ReadonlyMap<string, ObservedShardLease>, now: number): string[] {
  const members: string[] = [];
  for (const lease of observed.values()) if (lease.holder !== '' && now < lease.changedAt + lease.leaseDurationSeconds * 1000) members.push(lease.name);
  return members.sort();
}

/**
 * Leases of replicas gone for `afterMs` beyond their leaseDuration (a Deployment's pods have new names each
 * time): deleted, so that the list stays short. A replica that comes back creates its Lease again.
 */
export function abandonedShardLeases(observed: ReadonlyMap<string, ObservedShardLease>, now: number, afterMs: number): ObservedShardLease[] {
  return [...observed.values()].filter((lease) => now >= lease.changedAt + lease.leaseDurationSeconds * 1000 + afterMs);
}
