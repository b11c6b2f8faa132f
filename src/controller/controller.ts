import type { ClusterSpiffeID } from '../api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { spiffeIdGroupVersion } from '../api/spiffeid-v1beta1/group-version.ts';
import type { SpiffeID } from '../api/spiffeid-v1beta1/spiffe-id.ts';
import type { ClusterFederatedTrustDomain } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import type { ClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import { spireGroupVersion } from '../api/spire-v1alpha1/group-version.ts';
import { actsOnClass, clusterSPIFFEIDSourceName } from '../reconcile/cluster-spiffeid-identity.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { apiGroup, groupVersion } from '../api/v1alpha1/group-version.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { ClusterListener, ClusterStatus } from '../fleet/cluster-manager.ts';
import type { EventType, InvolvedObject } from '../kube/event-recorder.ts';
import type { ObjectReader } from '../kube/object-store.ts';
import { WorkQueue } from '../kube/work-queue.ts';
import { runWorkers } from '../kube/worker-loop.ts';
import { logMessages } from '../observability/log-messages.ts';
import type { Logger } from '../observability/logger.ts';
import type { RegistrarMetrics } from '../observability/metrics.ts';
import type { ClusterObjects, FleetState, PodRenderFailure } from '../reconcile/fleet-state.ts';
import { podControllerSource } from '../reconcile/pod-controller.ts';
import type { WriteFailure } from '../reconcile/apply-diff.ts';
import type { ReconcileReport } from '../reconcile/reconciler.ts';
import type { ManagedObject } from './managed-object.ts';
import { clusterSPIFFEIDStatus, clusterStaticEntryStatus, identityStatus, registryStatus, spiffeIdStatus, type KnownClusterStatus } from './status-reporter.ts';
import { describeWorkItem, workItem, workKey, type WorkItem, type WorkKey } from './work-item.ts';

/** Removed from an EKSClusterRegistry once the entries of its cluster are gone. */
export const entriesFinalizer = `${apiGroup}/entries`;

/** The longest the first full reconciliation waits for the workload clusters' caches. */
const startupSyncTimeoutMs = 60_000;

/** A management informer, as the controller reads it. */
export interface ManagedObjects<T> {
  readonly store: ObjectReader<ManagedObject<T>>;
  hasSynced(): boolean;
  waitForSync(signal: AbortSignal): Promise<void>;
}

/** The workload clusters' connections (ClusterManager). */
export interface Clusters {
  /** Starts, keeps or restarts the cluster of `registry`. */
  setRegistry(registry: EKSClusterRegistry): Promise<void>;
  remove(name: string): Promise<void>;
  /** Reconnects the clusters whose EndpointSlice watch is no longer wanted, or is now. */
  refresh(): Promise<void>;
  stopAll(): Promise<void>;
}

/** Keeps the SPIRE server's owned entries equal to the desired state (Reconciler). */
export interface EntryReconciler {
  full(): Promise<ReconcileReport>;
  targeted(ids: Iterable<string>): Promise<ReconcileReport>;
  targetedPrefix(idPrefix: string): Promise<ReconcileReport>;
  countCached(idPrefix: string): number;
  isCurrent(id: string): boolean;
}

/** Writes one resource's statuses, each only when it changed (StatusWriter). */
export interface StatusSink {
  update(name: string, status: Record<string, unknown>): void;
  forget(name: string): void;
  flush(): Promise<void>;
}

/** Kubernetes Events (EventRecorder). */
export interface EventSink {
  event(object: InvolvedObject, type: EventType, reason: string, message: string): void;
  flush(): Promise<void>;
}

/** With sharding (ShardMembership): which clusters this replica holds now. */
export interface ClusterShard {
  /** The replica's name on the ring (its Lease's), written in the statuses of the registries it holds. */
  readonly name: string;
  /** Whether this replica holds the cluster of this registry and may write for it now. */
  holds(registryName: string): boolean;
  /** Whether this replica writes the statuses of the objects that are not one cluster's (identities and the like). */
  writesFleetStatuses(): boolean;
}

/** The ClusterFederatedTrustDomains' reconciliation (FederationRelationships): the SPIRE server's federation relationships. */
export interface FederationWork {
  readonly objects: ManagedObjects<ClusterFederatedTrustDomain>;
  /** Throws to be retried: SPIRE not reachable, or a write or ownership record failed. */
  reconcile(): Promise<void>;
  writeStatuses(now: Date): void;
  /** The object is gone. */
  forget(name: string): void;
  flush(): Promise<void>;
}

/** What the controller is built from; the composition module (start-controller.ts) makes the real ones. */
export interface ControllerDeps {
  readonly config: ControllerManagerConfig;
  readonly logger: Logger;
  readonly metrics: RegistrarMetrics;
  readonly state: FleetState;
  readonly reconciler: EntryReconciler;
  readonly registries: ManagedObjects<EKSClusterRegistry>;
  readonly identities: ManagedObjects<WorkloadIdentity>;
  readonly clusterSpiffeIds: ManagedObjects<ClusterSpiffeID>;
  /** Keyed `namespace/name`. */
  readonly spiffeIds: ManagedObjects<SpiffeID>;
  readonly clusterSPIFFEIDs: ManagedObjects<ClusterSPIFFEID>;
  readonly clusterStaticEntries: ManagedObjects<ClusterStaticEntry>;
  readonly federation: FederationWork;
  /** Makes the cluster connections, which tell the controller of their clusters through `listener`. */
  readonly clusters: (listener: ClusterListener) => Clusters;
  readonly registryStatus: StatusSink;
  readonly identityStatus: StatusSink;
  readonly clusterSpiffeIdStatus: StatusSink;
  readonly spiffeIdStatus: StatusSink;
  readonly clusterSPIFFEIDStatus: StatusSink;
  readonly clusterStaticEntryStatus: StatusSink;
  readonly events: EventSink;
  /** Replaces a registry's finalizers (optimistically, at `resourceVersion`). */
  patchRegistryFinalizers(name: string, resourceVersion: string, finalizers: readonly string[]): Promise<void>;
  readonly queue?: WorkQueue<WorkKey>;
  /** Sharding: this replica connects to, writes for and reports on only the clusters it holds. Default: all. */
  readonly shard?: ClusterShard;
}

/** The kinds whose entries are declared up front (FleetState.setSpiffeId). */
type SpiffeIdKind = 'ClusterSpiffeID' | 'SpiffeID' | 'ClusterStaticEntry';
type Kind = 'EKSClusterRegistry' | 'WorkloadIdentity' | 'ClusterSPIFFEID' | 'ClusterFederatedTrustDomain' | SpiffeIdKind;

function involved<T>(kind: Kind, object: ManagedObject<T>): InvolvedObject {
  const apiVersion = kind === 'ClusterSpiffeID' || kind === 'SpiffeID' ? spiffeIdGroupVersion : kind === 'ClusterSPIFFEID' || kind === 'ClusterStaticEntry' || kind === 'ClusterFederatedTrustDomain' ? spireGroupVersion : groupVersion;
  return { apiVersion, kind, name: object.name, uid: object.uid, ...(object.namespace === '' ? {} : { namespace: object.namespace }) };
}

/** The object's source name in the desired state (spiffeIdSourceName) from its informer key (`name`, or `namespace/name`). */
function spiffeIdSource(kind: SpiffeIdKind, key: string): string {
  return `${kind}/${key}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The registrar's core: turns work items into changes of the desired state (FleetState) and SPIRE writes
 * (EntryReconciler), and keeps statuses, events, metrics and readiness. Every edge comes in through
 * ControllerDeps. One worker processes the items, so reconciliations never overlap (the entry cache has
 * one writer).
 */
export class Controller {
  readonly #config: ControllerManagerConfig;
  readonly #logger: Logger;
  readonly #metrics: RegistrarMetrics;
  readonly #state: FleetState;
  readonly #reconciler: EntryReconciler;
  readonly #registries: ManagedObjects<EKSClusterRegistry>;
  readonly #identities: ManagedObjects<WorkloadIdentity>;
  readonly #clusterSpiffeIds: ManagedObjects<ClusterSpiffeID>;
  readonly #spiffeIds: ManagedObjects<SpiffeID>;
  readonly #clusterSPIFFEIDs: ManagedObjects<ClusterSPIFFEID>;
  readonly #clusterStaticEntries: ManagedObjects<ClusterStaticEntry>;
  readonly #federation: FederationWork;
  readonly #clusters: Clusters;
  readonly #registryStatus: StatusSink;
  readonly #identityStatus: StatusSink;
  readonly #clusterSpiffeIdStatus: StatusSink;
  readonly #spiffeIdStatus: StatusSink;
  readonly #clusterSPIFFEIDStatus: StatusSink;
  readonly #clusterStaticEntryStatus: StatusSink;
  readonly #events: EventSink;
  readonly #patchRegistryFinalizers: ControllerDeps['patchRegistryFinalizers'];
  readonly #queue: WorkQueue<WorkKey>;
  readonly #shard: ClusterShard | undefined;
  /** With sharding: the registries whose clusters this replica has taken in (state, connection), and their ID prefixes. */
  readonly #held = new Map<string, string>();
  readonly #clusterStatus = new Map<string, KnownClusterStatus>();
  /** Objects of clusters that synced (or undefined: were lost) since the state last took them. */
  readonly #pendingObjects = new Map<string, ClusterObjects | undefined>();
  readonly #podEventAt = new Map<WorkKey, number>();
  /** Entries the SPIRE server refused to create or update, by ID, until it holds them as desired. */
  readonly #refusedWrites = new Map<string, WriteFailure>();
  /** Told of every cluster status change (the first full reconciliation waits on them). */
  readonly #statusWaiters = new Set<() => void>();
  /**
   * The intent of each registry and identity object the state holds, by its work item's key, and whether a
   * reconciliation (the item's own or a full one) has written its entries without a failure since. An item
   * for an intent so settled has nothing left to do: at start the first full reconciliation takes in every
   * object before their queued items run, and a registry's finalizer comes back as an update; rendering
   * every pod again then only made garbage (the memory peak at the end of convergence).
   */
  readonly #takenIn = new Map<WorkKey, { readonly intent: string; settled: boolean }>();
  #firstFullDone = false;
  #spireReachable = false;
  #leading = false;

  constructor(deps: ControllerDeps) {
    this.#config = deps.config;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#state = deps.state;
    this.#reconciler = deps.reconciler;
    this.#registries = deps.registries;
    this.#identities = deps.identities;
    this.#clusterSpiffeIds = deps.clusterSpiffeIds;
    this.#spiffeIds = deps.spiffeIds;
    this.#clusterSPIFFEIDs = deps.clusterSPIFFEIDs;
    this.#clusterStaticEntries = deps.clusterStaticEntries;
    this.#federation = deps.federation;
    this.#registryStatus = deps.registryStatus;
    this.#identityStatus = deps.identityStatus;
    this.#clusterSpiffeIdStatus = deps.clusterSpiffeIdStatus;
    this.#spiffeIdStatus = deps.spiffeIdStatus;
    this.#clusterSPIFFEIDStatus = deps.clusterSPIFFEIDStatus;
    this.#clusterStaticEntryStatus = deps.clusterStaticEntryStatus;
    this.#events = deps.events;
    this.#patchRegistryFinalizers = deps.patchRegistryFinalizers;
    this.#queue = deps.queue ?? new WorkQueue<WorkKey>();
    this.#shard = deps.shard;
    this.#clusters = deps.clusters({
      synced: (cluster, objects) => {
        this.#pendingObjects.set(cluster, objects);
        this.enqueue({ kind: 'cluster', cluster });
      },
      lost: (cluster) => {
        this.#pendingObjects.set(cluster, undefined);
        this.enqueue({ kind: 'cluster', cluster });
      },
      pod: (cluster, key) => {
        const queueKey = workKey({ kind: 'pod', cluster, key });
        if (!this.#podEventAt.has(queueKey)) this.#podEventAt.set(queueKey, performance.now());
        this.#queue.add(queueKey);
      },
      node: (cluster, name) => this.enqueue({ kind: 'node', cluster, name }),
      namespace: (cluster, name) => this.enqueue({ kind: 'namespace', cluster, name }),
      endpointSlices: (cluster, namespace) => this.enqueue({ kind: 'slices', cluster, namespace }),
      status: (cluster, status) => this.#clusterStatusChanged(cluster, status),
    });
  }

  /**
   * With sharding: the clusters' holders may have changed. One full reconciliation takes in the clusters
   * gained and lets go of those lost, with one listing for all of them.
   */
  shardChanged(): void {
    for (const name of new Set([...this.#registries.store.keys(), ...this.#held.keys()])) {
      if (this.#holds(name) !== this.#held.has(name)) {
        this.enqueue({ kind: 'full' });
        break;
      }
    }
    // The federation relationships have one writer, the fleet statuses' (ADR 26): it may be this replica now.
    this.enqueue({ kind: 'federation' });
  }


  /** With sharding: the ID prefixes of the clusters taken in (the Reconciler writes under these only); undefined without. */
  heldPrefixes(): ReadonlySet<string> | undefined {
    return this.#shard === undefined ? undefined : new Set(this.#held.values());
  }

  #holds(name: string): boolean {
    return this.#shard === undefined || this.#shard.holds(name);
  }

  /**
   * Another replica holds the cluster now (or none may write): stop watching it and forget its state and
   * status, deleting nothing (its entries are the holder's). Returns the entries whose desired state changed.
   */
  async #letGo(name: string): Promise<Set<string>> {
    this.#held.delete(name);
    await this.#clusters.remove(name);
    const changed = this.#state.removeRegistry(name);
    this.#takenIn.delete(workKey({ kind: 'registry', name }));
    this.#pendingObjects.delete(name);
    this.#clusterStatus.delete(name);
    this.#registryStatus.forget(name);
    this.#metrics.forgetCluster(name);
    return changed;
  }

  /** Marks work; handlers call nothing else. */
  enqueue(item: WorkItem, delayMs = 0): void {
    this.#queue.addAfter(workKey(item), delayMs);
  }

  /**
   * Ready: management caches synced, SPIRE reachable, the first full reconciliation done. A standby
   * (leader election on, not leading) does none of that and is ready as it is: otherwise a rolling update
   * would wait for a new replica that cannot lead until the old one, still leading, is gone.
   */
  readiness(): { name: string; check: () => boolean | string }[] {
    const standby = (): boolean => this.#config.leaderElection.leaderElect && !this.#leading;
    return [
      { name: 'management-informers', check: () => standby() || this.#managed().every((objects) => objects.hasSynced()) || 'not synced' },
      { name: 'spire', check: () => standby() || this.#spireReachable || 'SPIRE server not reachable' },
      { name: 'full-reconciliation', check: () => standby() || this.#firstFullDone || 'the first full reconciliation is not done' },
    ];
  }

  /** Does the work while `signal` is not aborted (while leading): the worker loop, then a clean stop. */
  async lead(signal: AbortSignal): Promise<void> {
    this.#logger.info('Starting the controller');
    this.#leading = true;
    signal.addEventListener('abort', () => (this.#leading = false), { once: true });
    this.enqueue({ kind: 'federation' });
    this.enqueue({ kind: 'full' });
    try {
      await runWorkers(
        {
          queue: this.#queue,
          workers: 1,
          waitForSync: async (s) => {
            await Promise.all(this.#managed().map((objects) => objects.waitForSync(s)));
          },
          reconcile: (key, workerSignal) => this.process(workItem(key), workerSignal),
          onError: (key, error, retries) => this.#logger.warn({ key: describeWorkItem(workItem(key)), retries, err: error }, `Reconciliation of ${describeWorkItem(workItem(key))} failed; retrying`),
        },
        signal,
      );
    } finally {
      await this.#clusters.stopAll();
      await Promise.all([this.#registryStatus, this.#identityStatus, this.#clusterSpiffeIdStatus, this.#spiffeIdStatus, this.#clusterSPIFFEIDStatus, this.#clusterStaticEntryStatus, this.#federation, this.#events].map((sink) => sink.flush())).catch(() => {});
    }
  }

  /** The management informers. */
  #managed(): ManagedObjects<unknown>[] {
    return [this.#registries, this.#identities, this.#clusterSpiffeIds, this.#spiffeIds, this.#clusterSPIFFEIDs, this.#clusterStaticEntries, this.#federation.objects];
  }

  /** Processes one work item; throws to have it retried with backoff. */
  async process(item: WorkItem, signal: AbortSignal): Promise<void> {
    this.#metrics.workQueueDepth.set(this.#queue.length);
    if (item.kind === 'status') {
      this.#writeStatuses();
      return;
    }
    if (item.kind === 'federation') {
      await this.#reconcileFederation();
      return;
    }
    const started = performance.now();
    const label = describeWorkItem(item);
    let report: ReconcileReport;
    try {
      report = await this.#reconcile(item, signal);
      this.#spireReachable = true;
    } catch (error) {
      this.#metrics.reconciliations.inc({ kind: item.kind === 'full' ? 'full' : 'targeted', outcome: 'failed' });
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    this.#metrics.reconciliations.inc({ kind: report.kind, outcome: report.failures.length > 0 ? 'failed' : 'ok' });
    this.#metrics.reconcileDuration.observe({ kind: report.kind }, seconds);
    const writes = report.created + report.updated + report.deleted;
    const key = workKey(item);
    if (item.kind === 'pod') {
      const eventAt = this.#podEventAt.get(key);
      this.#podEventAt.delete(key);
      if (eventAt !== undefined && writes > 0) this.#metrics.podToEntry.observe((performance.now() - eventAt) / 1000);
    }
    if (writes > 0 || report.failures.length > 0) {
      this.#logger.info(
        { key: label, created: report.created, updated: report.updated, deleted: report.deleted, failed: report.failures.length, ms: Math.round(seconds * 1000) },
        `Reconciled ${label}`,
      );
    }
    for (const failure of report.failures) if (failure.operation !== 'delete') this.#refusedWrites.set(failure.entryId, failure);
    const held = this.#takenIn.get(key);
    if (held !== undefined && report.failures.length === 0) held.settled = true;
    // Statuses follow the entries, at most once a second (they scan the whole state).
    this.enqueue({ kind: 'status' }, 1000);
    if (report.failures.length > 0) throw new Error(`${report.failures.length} SPIRE writes failed for ${label}; the first: ${report.failures[0]?.message}`);
  }

  /** The federation relationships: every gcInterval, also after a failure (the queue's backoff retries sooner). */
  async #reconcileFederation(): Promise<void> {
    try {
      // With sharding, one replica writes them: the one that writes the fleet's statuses, under its fence.
      if (this.#shard !== undefined && !this.#shard.writesFleetStatuses()) return;
      await this.#federation.reconcile();
      this.#spireReachable = true;
    } finally {
      this.enqueue({ kind: 'status' }, 200);
      this.enqueue({ kind: 'federation' }, this.#config.gcIntervalMs);
    }
  }

  /** A ClusterFederatedTrustDomain changed: an invalid one is told; the relationships are reconciled as a whole. */
  #clusterFederatedTrustDomainChanged(name: string): Promise<ReconcileReport> {
    const object = this.#federation.objects.store.get(name);
    this.enqueue({ kind: 'federation' });
    if (object !== undefined && !object.parsed.ok) return this.#refused('ClusterFederatedTrustDomain', object, { clusterFederatedTrustDomain: name }, object.parsed.errors);
    if (object === undefined) this.#federation.forget(name);
    // No entry is this kind's: nothing for the entry reconciler.
    return Promise.resolve({ kind: 'targeted', created: 0, updated: 0, deleted: 0, failures: [] });
  }

  async #reconcile(item: Exclude<WorkItem, { kind: 'status' | 'federation' }>, signal: AbortSignal): Promise<ReconcileReport> {
    switch (item.kind) {
      case 'full':
        return this.#full(signal);
      case 'registry':
        return this.#registryChanged(item.name);
      case 'identity':
        return this.#identityChanged(item.name);
      case 'clusterspiffeid':
        return this.#spiffeIdChanged('ClusterSpiffeID', item.name);
      case 'spiffeid':
        return this.#spiffeIdChanged('SpiffeID', item.key);
      case 'clusterStaticEntry':
        return this.#spiffeIdChanged('ClusterStaticEntry', item.name);
      case 'clusterSPIFFEID':
        return this.#clusterSPIFFEIDChanged(item.name);
      case 'clusterFederatedTrustDomain':
        return this.#clusterFederatedTrustDomainChanged(item.name);
      case 'cluster':
        // A full reconciliation may have taken the cluster's objects already.
        if (!this.#pendingObjects.has(item.cluster)) return this.#reconciler.targeted([]);
        this.#state.setClusterObjects(item.cluster, this.#pendingObjects.get(item.cluster));
        this.#pendingObjects.delete(item.cluster);
        return this.#reconciler.targetedPrefix(this.#state.clusterIdPrefix(item.cluster));
      case 'pod':
        return this.#reconciler.targeted(this.#state.podChanged(item.cluster, item.key));
      case 'node':
        return this.#reconciler.targeted(this.#state.nodeChanged(item.cluster, item.name));
      case 'namespace':
        return this.#reconciler.targeted(this.#state.namespaceChanged(item.cluster, item.name));
      case 'slices':
        return this.#reconciler.targeted(this.#state.endpointSlicesChanged(item.cluster, item.namespace));
    }
  }

  async #full(signal: AbortSignal): Promise<ReconcileReport> {
    this.#logger.info(logMessages.fullReconciliation);
    try {
      // The whole management state first: at start the full reconciliation runs before the registry and
      // identity items, and an entry whose registry the state did not know yet would look stale. Identities
      // before registries, so that a cluster connects knowing whether it must watch EndpointSlices. Each
      // object on its own: one that fails is reported and keeps what it had; the others are repaired.
      for (const object of this.#identities.store.list()) {
        await this.#isolated('WorkloadIdentity', object, () => {
          const item = { kind: 'identity', name: object.name } as const;
          if (object.parsed.ok && !this.#holdsIntent(item, object)) this.#takeIn(item, object, this.#state.setIdentity(object.parsed.value));
        });
      }
      for (const object of this.#clusterSPIFFEIDs.store.list()) {
        await this.#isolated('ClusterSPIFFEID', object, () => {
          const item = { kind: 'clusterSPIFFEID', name: object.name } as const;
          if (object.parsed.ok && !this.#holdsIntent(item, object)) this.#takeIn(item, object, this.#state.setClusterSPIFFEID(object.parsed.value));
        });
      }
      for (const [kind, objects] of this.#spiffeIdKinds()) {
        for (const object of objects.store.list()) {
          await this.#isolated(kind, object, () => {
            if (object.parsed.ok) this.#state.setSpiffeId(object.parsed.value);
          });
        }
      }
      for (const object of this.#registries.store.list()) {
        if (!this.#holds(object.name)) {
          if (this.#held.has(object.name)) await this.#letGo(object.name);
          continue;
        }
        if (this.#shard !== undefined) this.#held.set(object.name, this.#state.clusterIdPrefix(object.name));
        if (object.deleting) continue;
        await this.#isolated('EKSClusterRegistry', object, async () => {
          if (!object.parsed.ok) {
            this.#state.holdRegistry(object.name);
            return;
          }
          this.#state.releaseRegistry(object.name);
          const item = { kind: 'registry', name: object.name } as const;
          if (!this.#holdsIntent(item, object)) this.#takeIn(item, object, this.#state.setRegistry(object.parsed.value));
          await this.#clusters.setRegistry(object.parsed.value);
        });
      }
      // The first one compares the whole fleet: it waits for the clusters' caches, so that it neither
      // reports done having compared nothing nor leaves orphans for a whole gcInterval.
      if (!this.#firstFullDone) await this.#clustersSettled(signal);
      signal.throwIfAborted();
      // The state is kept by events (re-rendering every pod is the resync's, each syncPeriod): the newly
      // synced clusters are rendered as they are added. Registries deleted since they were taken in are
      // their items' to finish.
      for (const [cluster, objects] of this.#pendingObjects) this.#state.setClusterObjects(cluster, objects);
      this.#pendingObjects.clear();
      const report = await this.#reconciler.full();
      this.#spireReachable = true;
      if (report.failures.length === 0) for (const held of this.#takenIn.values()) held.settled = true;
      // The first full writes what changed while the registrar was away; later ones write only drift.
      if (this.#firstFullDone) this.#reportDrift(report);
      this.#firstFullDone = true;
      this.#logger.info({ created: report.created, updated: report.updated, deleted: report.deleted, failed: report.failures.length, entries: this.#state.entryCount }, 'Full reconciliation done');
      return report;
    } finally {
      // Also after a failure: the queue's backoff retries sooner, and this bounds its wait by gcInterval.
      this.enqueue({ kind: 'full' }, this.#config.gcIntervalMs);
    }
  }

  /** Counts and tells, on each registry, the entries a full reconciliation had to repair. */
  #reportDrift(report: ReconcileReport): void {
    const { written } = report;
    if (written === undefined) return;
    const operations = ['create', 'update', 'delete'] as const;
    for (const operation of operations) if (written[operation].length > 0) this.#metrics.driftRepaired.inc({ operation }, written[operation].length);
    for (const object of this.#registries.store.list()) {
      const prefix = this.#state.clusterIdPrefix(object.name);
      const [created, updated, deleted] = operations.map((operation) => written[operation].filter((id) => id.startsWith(prefix)).length);
      if (created === 0 && updated === 0 && deleted === 0) continue;
      const message = `SPIRE did not hold this cluster's entries as the registrar wrote them (changed or removed out of band, or an event missed); the full reconciliation repaired them: ${created} created, ${updated} updated, ${deleted} deleted`;
      this.#logger.info({ cluster: object.name, created, updated, deleted }, `Drift repaired: ${message}`);
      this.#events.event(involved('EKSClusterRegistry', object), 'Warning', 'DriftRepaired', message);
    }
  }

  /** Runs one object's part of a full reconciliation; an exception is reported on the object and contained. */
  async #isolated<T>(kind: Kind, object: ManagedObject<T>, work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const message = `${kind} ${object.name}: skipped by the full reconciliation, its entries kept: ${messageOf(error)}`;
      if (kind === 'EKSClusterRegistry') this.#state.holdRegistry(object.name);
      this.#logger.error({ err: error, [kind === 'EKSClusterRegistry' ? 'registry' : 'identity']: object.namespace === '' ? object.name : `${object.namespace}/${object.name}` }, message);
      this.#events.event(involved(kind, object), 'Warning', 'ReconcileFailed', message);
    }
  }

  /**
   * Resolves once every cluster being connected has synced or failed (then its entries are kept), or
   * after `startupSyncTimeoutMs`: a cluster still connecting then is treated as unreachable.
   */
  async #clustersSettled(signal: AbortSignal): Promise<void> {
    const deadline = performance.now() + startupSyncTimeoutMs;
    const connecting = (): boolean => [...this.#clusterStatus.values()].some((status) => status.reason === 'Connecting');
    while (connecting() && performance.now() < deadline && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#statusWaiters.add(resolve);
        setTimeout(resolve, Math.max(0, deadline - performance.now())).unref();
      });
    }
    this.#statusWaiters.clear();
  }

  async #registryChanged(name: string): Promise<ReconcileReport> {
    const object = this.#registries.store.get(name);
    const prefix = this.#state.clusterIdPrefix(name);
    const item = { kind: 'registry', name } as const;
    const settled = this.#settled(item, object);
    if (!this.#holds(name)) return this.#reconciler.targeted(await this.#letGo(name));
    // The Reconciler lists the entries of a cluster taken in before it compares them.
    if (this.#shard !== undefined) this.#held.set(name, prefix);
    if (object === undefined) {
      this.#state.releaseRegistry(name);
      await this.#clusters.remove(name);
      this.#state.removeRegistry(name);
      this.#clusterStatus.delete(name);
      this.#registryStatus.forget(name);
      this.#metrics.forgetCluster(name);
      const report = await this.#reconciler.targetedPrefix(prefix);
      this.#held.delete(name);
      return report;
    }
    const { parsed } = object;
    if (!object.deleting && !parsed.ok) {
      this.#state.holdRegistry(name);
      return this.#refused('EKSClusterRegistry', object, { registry: name }, parsed.errors);
    }
    this.#state.releaseRegistry(name);
    if (object.deleting || !parsed.ok) {
      await this.#clusters.remove(name);
      this.#state.removeRegistry(name);
      const report = await this.#reconciler.targetedPrefix(prefix);
      if (report.failures.length === 0 && this.#reconciler.countCached(prefix) === 0 && object.finalizers.includes(entriesFinalizer)) {
        await this.#patchRegistryFinalizers(name, object.resourceVersion, object.finalizers.filter((f) => f !== entriesFinalizer));
      }
      return report;
    }
    if (!object.finalizers.includes(entriesFinalizer)) await this.#patchRegistryFinalizers(name, object.resourceVersion, [...object.finalizers, entriesFinalizer]);
    if (settled) return this.#reconciler.targeted([]);
    this.#takeIn(item, object, this.#state.setRegistry(parsed.value));
    await this.#clusters.setRegistry(parsed.value);
    return this.#reconciler.targetedPrefix(prefix);
  }

  /** Whether the state holds this object's intent for the item (taken in, not since replaced or removed). */
  #holdsIntent(item: WorkItem, object: ManagedObject<unknown>): boolean {
    return this.#takenIn.get(workKey(item))?.intent === object.intent;
  }

  /** Records that the state took in `object` for the item; returns what changed, for the caller's diff. */
  #takeIn<T>(item: WorkItem, object: ManagedObject<unknown>, changed: T): T {
    this.#takenIn.set(workKey(item), { intent: object.intent, settled: false });
    return changed;
  }

  /**
   * Whether the state holds this object's intent for the item, settled: then the item has nothing to write.
   * Otherwise the record is dropped, as the item takes the object in again (or removes it): a retry after
   * failed writes renders and compares its entries again.
   */
  #settled(item: WorkItem, object: ManagedObject<unknown> | undefined): boolean {
    const key = workKey(item);
    const held = this.#takenIn.get(key);
    if (object !== undefined && held?.intent === object.intent && held.settled) return true;
    this.#takenIn.delete(key);
    return false;
  }

  /**
   * An object that does not validate is told (log, InvalidSpec event, Ready=False in its status) and keeps
   * what it had: unknown intent deletes nothing.
   */
  #refused<T>(kind: Kind, object: ManagedObject<T>, context: Record<string, string>, errors: readonly string[]): Promise<ReconcileReport> {
    const message = errors.join('; ');
    this.#logger.warn(context, message);
    this.#events.event(involved(kind, object), 'Warning', 'InvalidSpec', message);
    this.enqueue({ kind: 'status' }, 200);
    return this.#reconciler.targeted([]);
  }

  #identityChanged(name: string): Promise<ReconcileReport> {
    return this.#templatedIdentityChanged('WorkloadIdentity', this.#identities, this.#identityStatus, { kind: 'identity', name }, name, {
      remove: () => this.#state.removeIdentity(name),
      set: (identity) => this.#state.setIdentity(identity),
    });
  }

  /**
   * An identity rendered per pod from templates (a WorkloadIdentity, or a ClusterSPIFFEID as one, under its
   * source name) was added, changed or deleted.
   */
  async #templatedIdentityChanged<T>(
    kind: 'WorkloadIdentity' | 'ClusterSPIFFEID',
    objects: ManagedObjects<T>,
    status: StatusSink,
    item: { readonly kind: 'identity' | 'clusterSPIFFEID'; readonly name: string },
    source: string,
    state: { readonly remove: () => Set<string>; readonly set: (value: T) => Set<string> },
  ): Promise<ReconcileReport> {
    const { name } = item;
    const object = objects.store.get(name);
    if (this.#settled(item, object)) return this.#reconciler.targeted([]);
    if (object === undefined) {
      const changed = state.remove();
      status.forget(name);
      await this.#clusters.refresh();
      return this.#reconciler.targeted(changed);
    }
    if (!object.parsed.ok) return this.#refused(kind, object, { identity: source }, object.parsed.errors);
    this.#logger.info({ identity: source }, logMessages.targetedReconciliation);
    const changed = this.#takeIn(item, object, state.set(object.parsed.value));
    await this.#clusters.refresh();
    return this.#reconciler.targeted(changed);
  }

  #spiffeIdKinds(): [SpiffeIdKind, ManagedObjects<ClusterSpiffeID | SpiffeID | ClusterStaticEntry>, StatusSink][] {
    return [
      ['ClusterSpiffeID', this.#clusterSpiffeIds, this.#clusterSpiffeIdStatus],
      ['SpiffeID', this.#spiffeIds, this.#spiffeIdStatus],
      ['ClusterStaticEntry', this.#clusterStaticEntries, this.#clusterStaticEntryStatus],
    ];
  }

  /** A ClusterSPIFFEID was added, changed or deleted: as a WorkloadIdentity, under its source name. */
  #clusterSPIFFEIDChanged(name: string): Promise<ReconcileReport> {
    return this.#templatedIdentityChanged('ClusterSPIFFEID', this.#clusterSPIFFEIDs, this.#clusterSPIFFEIDStatus, { kind: 'clusterSPIFFEID', name }, clusterSPIFFEIDSourceName(name), {
      remove: () => this.#state.removeClusterSPIFFEID(name),
      set: (identity) => this.#state.setClusterSPIFFEID(identity),
    });
  }

  /**
   * The writes the SPIRE server still refuses, by the identity whose entry it is (the oldest that wants
   * it); those it has since accepted, or no longer wanted, are forgotten.
   */
  #refusedByIdentity(): Map<string, { readonly message: string }[]> {
    const byIdentity = new Map<string, { readonly message: string }[]>();
    for (const [id, failure] of this.#refusedWrites) {
      const entry = this.#state.entry(id);
      if (entry === undefined || this.#reconciler.isCurrent(id)) {
        this.#refusedWrites.delete(id);
        continue;
      }
      const identity = entry.identities[0] ?? '';
      const message = `cluster ${entry.cluster}: ${failure.operation} refused: ${failure.message}`;
      byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), { message }]);
    }
    return byIdentity;
  }

  /** The pod controller has no object of its own: its failures are told on each cluster's registry. */
  #podControllerFailures(failures: readonly PodRenderFailure[]): void {
    if (!this.#config.podController.enabled) return;
    for (const name of this.#registries.store.keys()) {
      const object = this.#registries.store.get(name);
      const ofCluster = failures.filter((failure) => failure.identity === podControllerSource && failure.cluster === name);
      this.#metrics.podControllerFailures.set({ cluster: name }, ofCluster.length);
      if (object === undefined) continue;
      for (const failure of ofCluster.slice(0, 5)) this.#events.event(involved('EKSClusterRegistry', object), 'Warning', 'PodIdentityFailed', failure.message);
    }
  }

  /** A ClusterSpiffeID or SpiffeID (informer key `key`) was added, changed or deleted. */
  async #spiffeIdChanged(kind: SpiffeIdKind, key: string): Promise<ReconcileReport> {
    const [, objects, status] = this.#spiffeIdKinds().find(([candidate]) => candidate === kind) as [SpiffeIdKind, ManagedObjects<ClusterSpiffeID | SpiffeID>, StatusSink];
    const object = objects.store.get(key);
    const source = spiffeIdSource(kind, key);
    if (object === undefined) {
      status.forget(key);
      return this.#reconciler.targeted(this.#state.removeSpiffeId(source));
    }
    if (!object.parsed.ok) return this.#refused(kind, object, { identity: source }, object.parsed.errors);
    this.#logger.info({ identity: source }, logMessages.targetedReconciliation);
    return this.#reconciler.targeted(this.#state.setSpiffeId(object.parsed.value));
  }

  #clusterStatusChanged(cluster: string, status: ClusterStatus): void {
    const before = this.#clusterStatus.get(cluster);
    const lastSync = status.ready ? new Date().toISOString() : before?.lastSync;
    this.#clusterStatus.set(cluster, { ...status, ...(lastSync !== undefined ? { lastSync } : {}) });
    this.#metrics.clusterReady.set({ cluster }, status.ready ? 1 : 0);
    const object = this.#registries.store.get(cluster);
    if (object !== undefined && (before === undefined ? status.ready : before.ready !== status.ready)) {
      this.#events.event(involved('EKSClusterRegistry', object), status.ready ? 'Normal' : 'Warning', status.ready ? 'ClusterConnected' : 'ClusterLost', status.message);
    }
    this.enqueue({ kind: 'status' }, 200);
    for (const waiter of this.#statusWaiters) waiter();
    this.#statusWaiters.clear();
  }

  #writeStatuses(): void {
    const now = new Date();
    const clusters = new Map(this.#state.clusterReports().map((report) => [report.name, report]));
    for (const name of this.#registries.store.keys()) {
      const object = this.#registries.store.get(name);
      if (object === undefined) continue;
      // A cluster's status is its holder's to write.
      if (this.#shard !== undefined && !this.#held.has(name)) continue;
      const report = clusters.get(name);
      if (object.parsed.ok) this.#metrics.entries.set({ cluster: name }, report?.entriesRegistered ?? 0);
      this.#registryStatus.update(name, registryStatus(object, this.#clusterStatus.get(name), report, now, this.#shard?.name));
    }
    const failures = this.#state.renderFailures();
    this.#podControllerFailures(failures);
    // With sharding one replica writes these, each from what it knows (ADR 24); every replica tells its own events.
    const fleetStatuses = this.#shard === undefined || this.#shard.writesFleetStatuses();
    const stats = new Map(this.#state.identityReports().map((report) => [report.name, report.stats]));
    const refusedBy = this.#refusedByIdentity();
    for (const name of this.#identities.store.keys()) {
      const object = this.#identities.store.get(name);
      // An identity of another controller class is that controller's to report on.
      if (object === undefined || (object.parsed.ok && !actsOnClass(object.parsed.value.spec.className, this.#config))) continue;
      const renderFailures = failures.filter((failure) => failure.identity === name);
      const templateError = this.#state.identityError(name);
      const refusedWrites = refusedBy.get(name) ?? [];
      for (const failure of renderFailures.slice(0, 5)) this.#events.event(involved('WorkloadIdentity', object), 'Warning', 'RenderFailed', failure.message);
      for (const refused of refusedWrites.slice(0, 5)) this.#events.event(involved('WorkloadIdentity', object), 'Warning', 'EntryFailed', refused.message);
      if (fleetStatuses) this.#identityStatus.update(name, identityStatus(object, { stats: stats.get(name), templateError, renderFailures, refusedWrites }, now));
    }
    const csidStats = new Map(this.#state.clusterSPIFFEIDReports().map((report) => [report.name, report.stats]));
    for (const name of this.#clusterSPIFFEIDs.store.keys()) {
      const object = this.#clusterSPIFFEIDs.store.get(name);
      // An object of another controller class is that controller's to report on.
      if (object === undefined || (object.parsed.ok && !actsOnClass(object.parsed.value.spec.className, this.#config))) continue;
      const source = clusterSPIFFEIDSourceName(name);
      const renderFailures = failures.filter((failure) => failure.identity === source);
      const refusedWrites = refusedBy.get(source) ?? [];
      for (const failure of renderFailures.slice(0, 5)) this.#events.event(involved('ClusterSPIFFEID', object), 'Warning', 'RenderFailed', failure.message);
      for (const refused of refusedWrites.slice(0, 5)) this.#events.event(involved('ClusterSPIFFEID', object), 'Warning', 'EntryFailed', refused.message);
      if (fleetStatuses) this.#clusterSPIFFEIDStatus.update(name, clusterSPIFFEIDStatus(object, { stats: csidStats.get(source), templateError: this.#state.identityError(source), renderFailures, refusedWrites }, now));
    }
    const reports = new Map(this.#state.spiffeIdReports().map((report) => [report.name, report]));
    for (const [kind, objects, status] of this.#spiffeIdKinds()) {
      const counts = { Written: 0, Masked: 0, Failed: 0 };
      for (const key of objects.store.keys()) {
        const object = objects.store.get(key);
        if (object === undefined) continue;
        if (object.parsed.ok && object.parsed.value.kind === 'ClusterStaticEntry' && !actsOnClass(object.parsed.value.spec.className, this.#config)) continue;
        const clusters = reports.get(spiffeIdSource(kind, key))?.clusters ?? [];
        for (const cluster of clusters) counts[cluster.state]++;
        for (const failed of clusters.filter((cluster) => cluster.state === 'Failed').slice(0, 5)) this.#events.event(involved(kind, object), 'Warning', 'EntryFailed', failed.message);
        if (fleetStatuses) status.update(key, kind === 'ClusterStaticEntry' ? clusterStaticEntryStatus(object, clusters, now) : spiffeIdStatus(object, clusters, now));
      }
      for (const [state, count] of Object.entries(counts)) this.#metrics.spiffeIdEntries.set({ kind, state }, count);
    }
    if (fleetStatuses) this.#federation.writeStatuses(now);
  }
}
