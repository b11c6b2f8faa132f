import { hostname } from 'node:os';
import { apiGroup } from '../api/v1alpha1/group-version.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { sleep, systemClock, type Clock } from '../kube/clock.ts';
import type { ClusterConnection } from '../kube/cluster-connection.ts';
import { LeaderElector } from '../kube/leader-elector.ts';
import { httpLeaseClient, type LeaseClient } from '../kube/lease-client.ts';
import { httpLeaseSet, type LeaseSet } from '../kube/lease-set.ts';
import type { Logger } from '../observability/logger.ts';
import { clusterTag, clusterTagLength } from '../identity/entry-id.ts';
import { fenceDecision, initialFenceState, listed, renewed, type FenceDecision, type FenceState } from './shard-fence.ts';
import { abandonedShardLeases, liveShardMembers, observeShardLeases, type ObservedShardLease } from './shard-members.ts';
import { clusterOwner } from './shard-ring.ts';

export interface ShardMembershipOptions {
  /** This replica's own Lease; its name is the replica's name on the ring. */
  readonly ownLease: LeaseClient;
  readonly ownLeaseName: string;
  /** Every replica's Lease (this one's included). */
  readonly leases: LeaseSet;
  /** The controller's entry ID prefix: a cluster's tag follows it in every entry ID. */
  readonly entryIdPrefix: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Called when the members or this replica's standing change: which clusters it holds may have. */
  readonly onChange: () => void;
  readonly onError: (error: unknown) => void;
  readonly clock?: Clock;
}

/** A write refused because this replica does not hold the cluster (or not for long enough). */
export class NotShardHolderError extends Error {
  override readonly name = 'NotShardHolderError';
}

/** The label of the replicas' Leases; its value is leaderElection.resourceName, so that two registrars' rings stay apart. */
export const shardRingLabel = `${apiGroup}/shard-ring`;

/** The ring key of the objects that are not one cluster's: their statuses have one writer too. */
const fleetStatusesKey = 'fleet-statuses';

/** Leases of replicas gone this long past their leaseDuration are deleted. */
const abandonedAfterMs = 10 * 60_000;

/**
 * This replica's place among the shards (ADR 24): it holds its own Lease (renewed as the leader elector
 * renews), lists every replica's Lease each retryPeriod, and counts as members those whose record
 * changed within their leaseDuration on its own clock. A cluster belongs to the member that scores highest
 * for its tag (shard-ring.ts); this replica holds it only while the fence allows it to write
 * (shard-fence.ts). `holds` and `checkWrite` answer from the latest view, at once.
 */
export class ShardMembership {
  readonly name: string;
  readonly #options: ShardMembershipOptions;
  readonly #clock: Clock;
  /** The holder identity in its Lease, one per process: a Lease lost and taken again is renewed at once, not waited out. */
  readonly #identity = `${hostname()}_${crypto.randomUUID()}`;
  #fence: FenceState = initialFenceState;
  #observed = new Map<string, ObservedShardLease>();
  #members: string[] = [];
  #writing = false;

  constructor(options: ShardMembershipOptions) {
    this.name = options.ownLeaseName;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** The replicas counted as members now (by their Lease's name), this one included once it holds its Lease. */
  members(): readonly string[] {
    return this.#members;
  }

  /** Whether this replica may write now at all (see fenceDecision). */
  decision(): FenceDecision {
    return fenceDecision(this.#fence, this.#options, this.#clock.now());
  }

  /** The member that holds the cluster of this registry, in this replica's view; undefined when there is none. */
  holderOf(registryName: string): string | undefined {
    return clusterOwner(clusterTag(registryName), this.#members);
  }

  /** Whether this replica writes the statuses of the objects that are not one cluster's. */
  writesFleetStatuses(): boolean {
    return this.decision().write && clusterOwner(fleetStatusesKey, this.#members) === this.name;
  }

  /** Whether this replica holds the cluster of this registry and may write for it now. */
  holds(registryName: string): boolean {
    return this.decision().write && this.holderOf(registryName) === this.name;
  }

  /** Throws NotShardHolderError unless this replica may write each of these entries now (their cluster tag is its). */
  checkWrite(entryIds: Iterable<string>): void {
    const decision = this.decision();
    if (!decision.write) throw new NotShardHolderError(`replica ${this.name} writes nothing: ${decision.reason}`);
    const start = this.#options.entryIdPrefix.length;
    for (const id of entryIds) {
      const owner = clusterOwner(id.slice(start, start + clusterTagLength), this.#members);
      if (owner !== this.name) throw new NotShardHolderError(`replica ${this.name} does not hold the cluster of entry ${id} (${owner === undefined ? 'no replica does' : `${owner} does`}): not written`);
    }
  }

  /** Holds the replica's Lease and follows the others' until `signal` aborts; a lost Lease is taken again. */
  async run(signal: AbortSignal): Promise<void> {
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.#options;
    while (!signal.aborted) {
      const elector = new LeaderElector({
        lease: this.#options.ownLease,
        identity: this.#identity,
        leaseDurationMs,
        renewDeadlineMs,
        retryPeriodMs,
        clock: this.#clock,
        onRenewed: (sentAt) => {
          this.#fence = renewed(this.#fence, sentAt, this.#options);
          this.#changed();
        },
        onStartedLeading: (held) => this.#follow(held),
        onError: this.#options.onError,
      });
      await elector.run(signal);
      this.#changed();
    }
  }

  /** Lists the replicas' Leases every retryPeriod while this replica holds its own. */
  async #follow(held: AbortSignal): Promise<void> {
    while (!held.aborted) {
      const sentAt = this.#clock.now();
      try {
        const leases = await this.#options.leases.list(AbortSignal.any([held, AbortSignal.timeout(this.#options.renewDeadlineMs)]));
        this.#observed = observeShardLeases(
          this.#observed,
          leases.map((lease) => ({ name: lease.name, holder: lease.record.holderIdentity, leaseDurationSeconds: lease.record.leaseDurationSeconds, record: JSON.stringify(lease.record), resourceVersion: lease.resourceVersion })),
          sentAt,
        );
        this.#fence = listed(this.#fence, sentAt);
        for (const lease of abandonedShardLeases(this.#observed, this.#clock.now(), abandonedAfterMs)) {
          if (lease.name !== this.name) await this.#options.leases.remove(lease.name, lease.resourceVersion, held).catch(this.#options.onError);
        }
      } catch (error) {
        if (!held.aborted) this.#options.onError(error);
      }
      this.#changed();
      try {
        await sleep(this.#clock, this.#options.retryPeriodMs, held);
      } catch {
        return;
      }
    }
  }

  /** Recomputes the members and tells the listener when they or this replica's standing changed. */
  #changed(): void {
    const now = this.#clock.now();
    const live = liveShardMembers(this.#observed, now);
    // This replica counts itself while it holds its Lease, before its first list shows it.
    const members = this.#fence.renewedAt !== undefined && now - this.#fence.renewedAt < this.#options.renewDeadlineMs && !live.includes(this.name) ? [...live, this.name].sort() : live;
    const writing = this.decision().write;
    if (writing === this.#writing && members.join('\n') === this.#members.join('\n')) return;
    this.#members = members;
    this.#writing = writing;
    this.#options.onChange();
  }
}

/**
 * The replica's name: SPIRE_EKS_REGISTRAR_REPLICA_NAME, else the host name (a pod's name), as a Lease name
 * allows (lower case; other characters become "-").
 */
export function replicaName(env: NodeJS.ProcessEnv = process.env): string {
  const name = (env.SPIRE_EKS_REGISTRAR_REPLICA_NAME || hostname()).toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name === '' ? 'replica' : name.slice(0, 63);
}

/** The membership of this process in the management cluster, as configured (sharding, leaderElection's Lease settings). */
export function shardMembership(connection: ClusterConnection, config: ControllerManagerConfig, logger: Logger, onChange: () => void): ShardMembership {
  const { resourceName, resourceNamespace, leaseDurationMs, renewDeadlineMs, retryPeriodMs } = config.leaderElection;
  const ownLeaseName = `${resourceName}-${replicaName()}`;
  let last = '';
  const membership: ShardMembership = new ShardMembership({
    ownLease: httpLeaseClient(connection, resourceNamespace, ownLeaseName, { [shardRingLabel]: resourceName }),
    ownLeaseName,
    leases: httpLeaseSet(connection, resourceNamespace, shardRingLabel, resourceName),
    entryIdPrefix: config.entryIDPrefix,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    onChange: () => {
      const decision = membership.decision();
      const now = JSON.stringify([membership.members(), decision.write]);
      if (now !== last) logger.info({ replica: membership.name, members: membership.members(), writing: decision.write, ...(decision.write ? {} : { reason: decision.reason }) }, 'Shard members changed');
      last = now;
      onChange();
    },
    onError: (error) => logger.warn({ err: error, replica: ownLeaseName }, `Sharding: ${error instanceof Error ? error.message : String(error)}`),
  });
  return membership;
}
