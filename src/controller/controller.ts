import { parseEKSClusterRegistry, type EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { apiGroup, apiVersion, groupVersion } from '../api/v1alpha1/group-version.ts';
import { parseWorkloadIdentity, type WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { Condition } from '../api/v1alpha1/condition.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { ClusterManager, type ClusterStatus } from '../fleet/cluster-manager.ts';
import { ClusterConnection } from '../kube/cluster-connection.ts';
import { identityReadyCondition } from './identity-ready.ts';
import { setCondition } from '../kube/conditions.ts';
import { EventRecorder, type InvolvedObject } from '../kube/event-recorder.ts';
import { httpResourceSource } from '../kube/http-resource-source.ts';
import { Informer } from '../kube/informer.ts';
import { isRecord } from '../kube/kube-object.ts';
import { managementCredentials } from '../kube/kubeconfig.ts';
import { LeaderElector } from '../kube/leader-elector.ts';
import { httpLeaseClient } from '../kube/lease-client.ts';
import { StatusWriter } from '../kube/status-writer.ts';
import { WorkQueue } from '../kube/work-queue.ts';
import { runWorkers } from '../kube/worker-loop.ts';
import { startMetricsServer, startProbeServer, type RunningServer } from '../observability/http-server.ts';
import { logMessages } from '../observability/log-messages.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetrics, type RegistrarMetrics } from '../observability/metrics.ts';
import { FleetState, type ClusterObjects } from '../reconcile/fleet-state.ts';
import { Reconciler, type ReconcileReport } from '../reconcile/reconciler.ts';
import { createEntryClient, type EntryClient } from '../spire/entry-client.ts';

/** Removed from an EKSClusterRegistry once the entries of its cluster are gone. */
export const entriesFinalizer = `${apiGroup}/entries`;

export interface ControllerOptions {
  readonly config: ControllerManagerConfig;
  readonly logger: Logger;
  /** A kubeconfig file for the management cluster; default KUBECONFIG, else in-cluster. */
  readonly kubeconfigPath?: string;
  /** Overrides the config's spireServerSocketPath. */
  readonly spireSocketPath?: string;
}

/** The longest the first full reconciliation waits for the workload clusters' caches. */
const startupSyncTimeoutMs = 60_000;

/** A raw custom resource as the management informers keep it: its JSON. */
type RawObject = Readonly<Record<string, unknown>>;

/**
 * What of a registry or identity the controller acts on: everything but its status and bookkeeping. The
 * controller's own status writes come back as updates; acting on them would re-render every pod of the
 * cluster or identity after each write (with 10 000 pods, about once a second while pods change).
 * Annotations count, so that `kubectl annotate ... reconcile=now --overwrite` reconciles.
 */
function intent(raw: RawObject): string {
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  return JSON.stringify([raw.spec, metadata.generation, metadata.labels, metadata.annotations, metadata.deletionTimestamp, metadata.finalizers]);
}

/** The value of the `reconcile` annotation, by which a user asks for a reconciliation now. */
function reconcileRequest(raw: RawObject): unknown {
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  return isRecord(metadata.annotations) ? metadata.annotations.reconcile : undefined;
}

function involved(kind: string, raw: RawObject): InvolvedObject {
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  return { apiVersion: groupVersion, kind, name: String(metadata.name ?? ''), uid: String(metadata.uid ?? '') };
}

/**
 * The registrar: watches EKSClusterRegistries and WorkloadIdentities in the management cluster and the
 * pods of every registered cluster, keeps the desired state incrementally (FleetState) and the SPIRE
 * server's owned entries equal to it (Reconciler). Event handlers only enqueue keys; one worker
 * processes them, so that reconciliations never overlap (the entry cache has one writer).
 */
export class Controller {
  readonly #config: ControllerManagerConfig;
  readonly #logger: Logger;
  readonly #connection: ClusterConnection;
  readonly #client: EntryClient;
  readonly metrics: RegistrarMetrics = createMetrics();
  readonly #state: FleetState;
  readonly #reconciler: Reconciler;
  readonly #queue = new WorkQueue<string>();
  readonly #registries: Informer<RawObject>;
  readonly #identities: Informer<RawObject>;
  readonly #registryStatus: StatusWriter;
  readonly #identityStatus: StatusWriter;
  readonly #events: EventRecorder;
  readonly #clusters: ClusterManager;
  readonly #clusterStatus = new Map<string, ClusterStatus & { lastSync?: string }>();
  readonly #pendingObjects = new Map<string, ClusterObjects | undefined>();
  readonly #podEventAt = new Map<string, number>();
  /** Told of every cluster status change (the first full reconciliation waits on them). */
  readonly #statusWaiters = new Set<() => void>();
  #firstFullDone = false;
  #spireReachable = false;
  #leading = false;

  constructor(options: ControllerOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#connection = new ClusterConnection({ name: 'management', credentials: managementCredentials(options.kubeconfigPath) });
    // Counted where requests are sent: one per batch, page and retry, which is what the server pays for.
    this.#client = createEntryClient({
      socketPath: options.spireSocketPath ?? options.config.spireServerSocketPath,
      onCall: (rpc) => this.metrics.spireCalls.inc({ rpc }),
    });
    this.#state = new FleetState(options.config);
    this.#reconciler = new Reconciler({ client: this.#client, state: this.#state, logger: options.logger, metrics: this.metrics });
    const informer = (plural: string, key: (name: string) => string): Informer<RawObject> => {
      const created = new Informer<RawObject>({
        source: httpResourceSource(this.#connection, { group: apiGroup, version: apiVersion, resource: plural }),
        transform: (raw) => raw as RawObject,
        onError: (error) => this.#logger.warn({ err: error }, `management ${plural}: ${error instanceof Error ? error.message : String(error)}`),
      });
      created.addEventHandler({
        onAdd: (_o, name) => this.#queue.add(key(name)),
        onUpdate: (before, after, name) => {
          if (intent(before) !== intent(after)) this.#queue.add(key(name));
          // `kubectl annotate ... reconcile=now --overwrite` forces a reconciliation: a full one, which
          // lists the server and so also repairs what was changed behind the controller's back.
          if (reconcileRequest(before) !== reconcileRequest(after)) this.#queue.add('full');
        },
        onDelete: (_o, name) => this.#queue.add(key(name)),
      });
      return created;
    };
    this.#registries = informer('eksclusterregistries', (name) => `registry:${name}`);
    this.#identities = informer('workloadidentities', (name) => `identity:${name}`);
    const writer = (plural: string): StatusWriter => new StatusWriter({ connection: this.#connection, group: apiGroup, version: apiVersion, plural, logger: options.logger });
    this.#registryStatus = writer('eksclusterregistries');
    this.#identityStatus = writer('workloadidentities');
    this.#events = new EventRecorder({ connection: this.#connection, logger: options.logger });
    this.#clusters = new ClusterManager({
      config: options.config,
      logger: options.logger,
      wantsEndpointSlices: (registry) => this.#state.readsEndpointSlices(registry.metadata.name),
      listener: {
        synced: (cluster, objects) => {
          this.#pendingObjects.set(cluster, objects);
          this.#queue.add(`cluster:${cluster}`);
        },
        lost: (cluster) => {
          this.#pendingObjects.set(cluster, undefined);
          this.#queue.add(`cluster:${cluster}`);
        },
        pod: (cluster, key) => {
          const queueKey = `pod:${cluster}/${key}`;
          if (!this.#podEventAt.has(queueKey)) this.#podEventAt.set(queueKey, performance.now());
          this.#queue.add(queueKey);
        },
        node: (cluster, name) => this.#queue.add(`node:${cluster}/${name}`),
        namespace: (cluster, name) => this.#queue.add(`namespace:${cluster}/${name}`),
        endpointSlices: (cluster, namespace) => this.#queue.add(`slices:${cluster}/${namespace}`),
        status: (cluster, status) => this.#clusterStatusChanged(cluster, status),
      },
    });
  }

  /**
   * Ready: management caches synced, SPIRE reachable, the first full reconciliation done. A standby
   * (leader election on, not leading) does none of that and is ready as it is: otherwise a rolling update
   * would wait for a new replica that cannot lead until the old one, still leading, is gone.
   */
  readiness(): { name: string; check: () => boolean | string }[] {
    const standby = (): boolean => this.#config.leaderElection.leaderElect && !this.#leading;
    return [
      { name: 'management-informers', check: () => standby() || (this.#registries.hasSynced() && this.#identities.hasSynced()) || 'not synced' },
      { name: 'spire', check: () => standby() || this.#spireReachable || 'SPIRE server not reachable' },
      { name: 'full-reconciliation', check: () => standby() || this.#firstFullDone || 'the first full reconciliation is not done' },
    ];
  }

  /** Runs until `signal` aborts: with leader election when the config asks for it. */
  async run(signal: AbortSignal): Promise<void> {
    const servers: RunningServer[] = [];
    try {
      servers.push(await startMetricsServer({ bindAddress: this.#metricsAddress(), metrics: this.metrics }));
      servers.push(
        await startProbeServer({
          bindAddress: this.#config.health.healthProbeBindAddress,
          livenessPath: this.#config.health.livenessEndpointName,
          readinessPath: this.#config.health.readinessEndpointName,
          checks: this.readiness(),
        }),
      );
      const { leaderElection } = this.#config;
      if (!leaderElection.leaderElect) {
        await this.#lead(signal);
        return;
      }
      const elector = new LeaderElector({
        lease: httpLeaseClient(this.#connection, leaderElection.resourceNamespace, leaderElection.resourceName),
        leaseDurationMs: leaderElection.leaseDurationMs,
        renewDeadlineMs: leaderElection.renewDeadlineMs,
        retryPeriodMs: leaderElection.retryPeriodMs,
        onStartedLeading: (leading) => this.#lead(leading),
        onNewLeader: (identity) => this.#logger.info({ leader: identity }, 'New leader elected'),
        onError: (error) => this.#logger.warn({ err: error }, 'Leader election'),
      });
      await elector.run(signal);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      this.#client.close();
      this.#connection.close();
    }
  }

  #metricsAddress(): string {
    return this.#config.metrics.bindAddress === '0' ? '' : this.#config.metrics.bindAddress;
  }

  async #lead(signal: AbortSignal): Promise<void> {
    this.#logger.info('Starting the controller');
    this.#leading = true;
    signal.addEventListener('abort', () => (this.#leading = false), { once: true });
    const informers = [this.#registries, this.#identities].map((informer) => informer.run(signal).catch(() => {}));
    this.#queue.add('full');
    try {
      await runWorkers(
        {
          queue: this.#queue,
          workers: 1,
          waitForSync: async (s) => {
            await Promise.all([this.#registries.waitForSync(s), this.#identities.waitForSync(s)]);
          },
          reconcile: (key, workerSignal) => this.#process(key, workerSignal),
          onError: (key, error, retries) => this.#logger.warn({ key, retries, err: error }, `Reconciliation of ${key} failed; retrying`),
        },
        signal,
      );
    } finally {
      await this.#clusters.stopAll();
      await Promise.all(informers);
      await Promise.all([this.#registryStatus.flush(), this.#identityStatus.flush(), this.#events.flush()]).catch(() => {});
    }
  }

  async #process(key: string, signal: AbortSignal): Promise<void> {
    this.metrics.workQueueDepth.set(this.#queue.length);
    const started = performance.now();
    const colon = key.indexOf(':');
    const kind = colon < 0 ? key : key.slice(0, colon);
    const rest = key.slice(colon + 1);
    const slash = rest.indexOf('/');
    const cluster = rest.slice(0, slash);
    const inCluster = rest.slice(slash + 1);
    let report: ReconcileReport | undefined;
    try {
      switch (kind) {
        case 'full':
          report = await this.#full(signal);
          break;
        case 'registry':
          report = await this.#registryChanged(rest);
          break;
        case 'identity':
          report = await this.#identityChanged(rest);
          break;
        case 'cluster':
          // A full reconciliation may have taken the cluster's objects already.
          if (!this.#pendingObjects.has(rest)) {
            report = await this.#reconciler.targeted([]);
            break;
          }
          this.#state.setClusterObjects(rest, this.#pendingObjects.get(rest));
          this.#pendingObjects.delete(rest);
          report = await this.#reconciler.targetedPrefix(this.#state.clusterIdPrefix(rest));
          break;
        case 'pod':
          report = await this.#reconciler.targeted(this.#state.podChanged(cluster, inCluster));
          break;
        case 'node':
          report = await this.#reconciler.targeted(this.#state.nodeChanged(cluster, inCluster));
          break;
        case 'namespace':
          report = await this.#reconciler.targeted(this.#state.namespaceChanged(cluster, inCluster));
          break;
        case 'slices':
          report = await this.#reconciler.targeted(this.#state.endpointSlicesChanged(cluster, inCluster));
          break;
        case 'status':
          this.#writeStatuses();
          return;
        default:
          this.#logger.error({ key }, 'Unknown work queue key');
          return;
      }
      this.#spireReachable = true;
    } catch (error) {
      this.metrics.reconciliations.inc({ kind: kind === 'full' ? 'full' : 'targeted', outcome: 'failed' });
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    this.metrics.reconciliations.inc({ kind: report.kind, outcome: report.failures.length > 0 ? 'failed' : 'ok' });
    this.metrics.reconcileDuration.observe({ kind: report.kind }, seconds);
    const eventAt = this.#podEventAt.get(key);
    if (eventAt !== undefined) {
      this.#podEventAt.delete(key);
      if (report.created + report.updated + report.deleted > 0) this.metrics.podToEntry.observe((performance.now() - eventAt) / 1000);
    }
    if (report.created + report.updated + report.deleted > 0 || report.failures.length > 0) {
      this.#logger.info(
        { key, created: report.created, updated: report.updated, deleted: report.deleted, failed: report.failures.length, ms: Math.round(seconds * 1000) },
        `Reconciled ${key}`,
      );
    }
    // Statuses follow the entries, at most once a second (they scan the whole state).
    this.#queue.addAfter('status', 1000);
    if (report.failures.length > 0) throw new Error(`${report.failures.length} SPIRE writes failed for ${key}; the first: ${report.failures[0]?.message}`);
  }

  async #full(signal: AbortSignal): Promise<ReconcileReport> {
    this.#logger.info(logMessages.fullReconciliation);
    try {
      // The whole management state first: at start the full reconciliation runs before the registry and
      // identity keys, and an entry whose registry the state did not know yet would look stale. Identities
      // before registries, so that a cluster connects knowing whether it must watch EndpointSlices. Each
      // object on its own: one that fails is reported and keeps what it had; the others are repaired.
      for (const raw of this.#identities.store.list()) {
        await this.#isolated('WorkloadIdentity', raw, () => {
          const parsed = parseWorkloadIdentity(raw);
          if (parsed.ok) this.#state.setIdentity(parsed.value);
        });
      }
      for (const raw of this.#registries.store.list()) {
        const metadata = isRecord(raw.metadata) ? raw.metadata : {};
        if (metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null) continue;
        await this.#isolated('EKSClusterRegistry', raw, async () => {
          const parsed = parseEKSClusterRegistry(raw);
          if (!parsed.ok) {
            if (typeof metadata.name === 'string') this.#state.holdRegistry(metadata.name);
            return;
          }
          this.#state.releaseRegistry(parsed.value.metadata.name);
          this.#state.setRegistry(parsed.value);
          await this.#clusters.setRegistry(parsed.value);
        });
      }
      // The first one compares the whole fleet: it waits for the clusters' caches, so that it neither
      // reports done having compared nothing nor leaves orphans for a whole gcInterval.
      if (!this.#firstFullDone) await this.#clustersSettled(signal);
      signal.throwIfAborted();
      for (const [cluster, objects] of this.#pendingObjects) this.#state.setClusterObjects(cluster, objects);
      this.#pendingObjects.clear();
      this.#state.rerenderAll();
      const report = await this.#reconciler.full();
      this.#spireReachable = true;
      this.#firstFullDone = true;
      this.#logger.info({ created: report.created, updated: report.updated, deleted: report.deleted, failed: report.failures.length, entries: this.#state.entryCount }, 'Full reconciliation done');
      return report;
    } finally {
      // Also after a failure: the queue's backoff retries sooner, and this bounds its wait by gcInterval.
      this.#queue.addAfter('full', this.#config.gcIntervalMs);
    }
  }

  /** Runs one object's part of a full reconciliation; an exception is reported on the object and contained. */
  async #isolated(kind: 'WorkloadIdentity' | 'EKSClusterRegistry', raw: RawObject, work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#objectFailed(kind, raw, error);
    }
  }

  #objectFailed(kind: 'WorkloadIdentity' | 'EKSClusterRegistry', raw: RawObject, error: unknown): void {
    const { name } = involved(kind, raw);
    const message = `${kind} ${name}: skipped by the full reconciliation, its entries kept: ${error instanceof Error ? error.message : String(error)}`;
    if (kind === 'EKSClusterRegistry') this.#state.holdRegistry(name);
    this.#logger.error({ err: error, [kind === 'EKSClusterRegistry' ? 'registry' : 'identity']: name }, message);
    this.#events.event(involved(kind, raw), 'Warning', 'ReconcileFailed', message);
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
    const raw = this.#registries.store.get(name);
    const prefix = this.#state.clusterIdPrefix(name);
    if (raw === undefined) {
      this.#state.releaseRegistry(name);
      await this.#clusters.remove(name);
      this.#state.removeRegistry(name);
      this.#clusterStatus.delete(name);
      this.#registryStatus.forget(name);
      this.metrics.forgetCluster(name);
      return this.#reconciler.targetedPrefix(prefix);
    }
    const metadata = isRecord(raw.metadata) ? raw.metadata : {};
    const finalizers = Array.isArray(metadata.finalizers) ? (metadata.finalizers as unknown[]).map(String) : [];
    const parsed = parseEKSClusterRegistry(raw);
    const deleting = metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
    if (!deleting && !parsed.ok) {
      const message = parsed.errors.join('; ');
      this.#logger.warn({ registry: name }, message);
      this.#events.event(involved('EKSClusterRegistry', raw), 'Warning', 'InvalidSpec', message);
      // An invalid registry keeps what it had: unknown intent deletes nothing.
      this.#state.holdRegistry(name);
      return this.#reconciler.targeted([]);
    }
    this.#state.releaseRegistry(name);
    if (deleting || !parsed.ok) {
      await this.#clusters.remove(name);
      this.#state.removeRegistry(name);
      const report = await this.#reconciler.targetedPrefix(prefix);
      if (report.failures.length === 0 && this.#reconciler.countCached(prefix) === 0 && finalizers.includes(entriesFinalizer)) {
        await this.#patchFinalizers(name, metadata, finalizers.filter((f) => f !== entriesFinalizer));
      }
      return report;
    }
    if (!finalizers.includes(entriesFinalizer)) await this.#patchFinalizers(name, metadata, [...finalizers, entriesFinalizer]);
    const registry = parsed.value;
    this.#state.setRegistry(registry);
    await this.#clusters.setRegistry(registry);
    return this.#reconciler.targetedPrefix(prefix);
  }

  async #patchFinalizers(name: string, metadata: Record<string, unknown>, finalizers: string[]): Promise<void> {
    await this.#connection.requestJson('PATCH', `/apis/${groupVersion}/eksclusterregistries/${encodeURIComponent(name)}`, {
      body: { metadata: { finalizers, resourceVersion: metadata.resourceVersion } },
      contentType: 'application/merge-patch+json',
    });
  }

  async #identityChanged(name: string): Promise<ReconcileReport> {
    const raw = this.#identities.store.get(name);
    if (raw === undefined) {
      const changed = this.#state.removeIdentity(name);
      await this.#clusters.refresh();
      return this.#reconciler.targeted(changed);
    }
    const parsed = parseWorkloadIdentity(raw);
    if (!parsed.ok) {
      const message = parsed.errors.join('; ');
      this.#logger.warn({ identity: name }, message);
      this.#events.event(involved('WorkloadIdentity', raw), 'Warning', 'InvalidSpec', message);
      return this.#reconciler.targeted([]);
    }
    this.#logger.info({ identity: name }, logMessages.targetedReconciliation);
    const changed = this.#state.setIdentity(parsed.value);
    await this.#clusters.refresh();
    return this.#reconciler.targeted(changed);
  }

  #clusterStatusChanged(cluster: string, status: ClusterStatus): void {
    const before = this.#clusterStatus.get(cluster);
    const lastSync = status.ready ? new Date().toISOString() : before?.lastSync;
    this.#clusterStatus.set(cluster, { ...status, ...(lastSync !== undefined ? { lastSync } : {}) });
    this.metrics.clusterReady.set({ cluster }, status.ready ? 1 : 0);
    const raw = this.#registries.store.get(cluster);
    if (before !== undefined && before.ready !== status.ready && raw !== undefined) {
      this.#events.event(involved('EKSClusterRegistry', raw), status.ready ? 'Normal' : 'Warning', status.ready ? 'ClusterConnected' : 'ClusterLost', status.message);
    } else if (before === undefined && status.ready && raw !== undefined) {
      this.#events.event(involved('EKSClusterRegistry', raw), 'Normal', 'ClusterConnected', status.message);
    }
    this.#queue.addAfter('status', 200);
    for (const waiter of this.#statusWaiters) waiter();
    this.#statusWaiters.clear();
  }

  #writeStatuses(): void {
    const now = new Date();
    const clusters = new Map(this.#state.clusterReports().map((report) => [report.name, report]));
    for (const name of this.#registries.store.keys()) {
      const raw = this.#registries.store.get(name) as RawObject;
      const parsed = parseEKSClusterRegistry(raw);
      if (!parsed.ok) continue;
      const registry: EKSClusterRegistry = parsed.value;
      const report = clusters.get(name);
      const status = this.#clusterStatus.get(name) ?? { ready: false, reason: 'Connecting' as const, message: 'not connected yet' };
      this.metrics.entries.set({ cluster: name }, report?.entriesRegistered ?? 0);
      const conditions: Condition[] = setCondition(
        registry.status.conditions,
        { type: 'Ready', status: status.ready ? 'True' : 'False', reason: status.reason, message: status.message, observedGeneration: registry.metadata.generation },
        now,
      );
      this.#registryStatus.update(name, {
        ...(status.lastSync !== undefined ? { lastSync: status.lastSync } : {}),
        conditions,
        namespacesCount: report?.namespacesCount ?? 0,
        entriesRegistered: report?.entriesRegistered ?? 0,
        observedGeneration: registry.metadata.generation,
      });
    }
    const failures = this.#state.renderFailures();
    for (const { name, stats } of this.#state.identityReports()) {
      const raw = this.#identities.store.get(name);
      if (raw === undefined) continue;
      const parsed = parseWorkloadIdentity(raw);
      if (!parsed.ok) continue;
      const identity: WorkloadIdentity = parsed.value;
      const mine = failures.filter((failure) => failure.identity === name);
      const templateError = this.#state.identityErrors().find((error) => error.startsWith(`WorkloadIdentity ${name}:`));
      const condition = identityReadyCondition({ generation: identity.metadata.generation, entriesRegistered: stats.entriesRegistered, templateError, renderFailures: mine });
      const conditions = setCondition(identity.status.conditions, condition, now);
      for (const failure of mine.slice(0, 5)) this.#events.event(involved('WorkloadIdentity', raw), 'Warning', 'RenderFailed', failure.message);
      this.#identityStatus.update(name, { stats, lastReconciliation: now.toISOString(), conditions });
    }
  }
}
