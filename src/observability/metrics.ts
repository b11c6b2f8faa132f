import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The SPIRE entry writes the registrar makes. */
export type EntryWriteOperation = 'create' | 'update' | 'delete';

/** How a write, a call or a reconciliation ended. */
export type Outcome = 'ok' | 'failed';

/** Targeted: one event's keys (a pod, an identity, a cluster); full: the periodic `gcInterval` pass. */
export type ReconciliationKind = 'targeted' | 'full';

/** The registrar's metrics, in a registry of their own. */
export interface RegistrarMetrics {
  /** Serve this one (startMetricsServer does): it holds the metrics below and the process's defaults. */
  readonly registry: Registry;
  /** `spire_eks_registrar_entry_writes_total{operation, outcome}`: entries, not batches. */
  readonly entryWrites: Counter<'operation' | 'outcome'>;
  /**
   * `spire_eks_registrar_drift_repaired_total{operation}`: entries a full reconciliation after the first
   * had to write, because SPIRE no longer held what the registrar last wrote (changed or removed out of
   * band) or an event was missed.
   */
  readonly driftRepaired: Counter<'operation'>;
  /** `spire_eks_registrar_spire_calls_total{rpc}`: calls to the SPIRE server, e.g. `BatchCreateEntry`. */
  readonly spireCalls: Counter<'rpc'>;
  /** `spire_eks_registrar_reconciliations_total{kind, outcome}`. */
  readonly reconciliations: Counter<'kind' | 'outcome'>;
  /** `spire_eks_registrar_reconcile_duration_seconds{kind}`. */
  readonly reconcileDuration: Histogram<'kind'>;
  /** `spire_eks_registrar_pod_to_entry_seconds`: from the pod event to its entry written. */
  readonly podToEntry: Histogram;
  /** `spire_eks_registrar_entries{cluster}`: entries the registrar keeps per cluster. */
  readonly entries: Gauge<'cluster'>;
  /** `spire_eks_registrar_cluster_ready{cluster}`: 1 while the cluster's caches are synced, else 0. */
  readonly clusterReady: Gauge<'cluster'>;
  /** `spire_eks_registrar_work_queue_depth`: keys waiting in the work queue. */
  readonly workQueueDepth: Gauge;
  /** Pods of the cluster whose pod-controller identity did not render (a label or annotation value that makes no SPIFFE ID). */
  readonly podControllerFailures: Gauge<'cluster'>;
  /** ClusterSpiffeID and SpiffeID entries, one per targeted cluster, by kind and state (Written, Masked, Failed). */
  readonly spiffeIdEntries: Gauge<'kind' | 'state'>;
  /** `spire_eks_registrar_federation_relationship_writes_total{operation, outcome}`: SPIRE federation relationship writes, per relationship. */
  readonly federationWrites: Counter<'operation' | 'outcome'>;
  /** `spire_eks_registrar_federation_relationships{state}`: ClusterFederatedTrustDomains by state: set, conflict, masked, failed. */
  readonly federationRelationships: Gauge<'state'>;
  /** Drops a removed cluster's series, so a cluster that is gone does not linger as stale gauges. */
  forgetCluster(cluster: string): void;
}

const prefix = 'spire_eks_registrar_';

/**
 * Creates the metrics in a new Registry (nothing in prom-client's global one, so tests and several
 * instances in one process do not collide), with the default process and Node.js metrics.
 */
export function createMetrics(): RegistrarMetrics {
  const registry = new Registry();
  const registers = [registry];
  // prom-client samples event-loop lag with a timer every 10 ms unless told otherwise: a hundred wake-ups
  // a second that made most of an idle controller's CPU (ADR 28). A tenth of a second still shows a
  // blocked loop.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });

  const entryWrites = new Counter({
    name: `${prefix}entry_writes_total`,
    help: 'SPIRE entry writes by operation and outcome, counted per entry.',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const driftRepaired = new Counter({
    name: `${prefix}drift_repaired_total`,
    help: 'Entries a full reconciliation (after the first) wrote to repair drift, by operation.',
    labelNames: ['operation'] as const,
    registers,
  });
  const spireCalls = new Counter({
    name: `${prefix}spire_calls_total`,
    help: 'Calls to the SPIRE server Entry API by RPC.',
    labelNames: ['rpc'] as const,
    registers,
  });
  const reconciliations = new Counter({
    name: `${prefix}reconciliations_total`,
    help: 'Reconciliations by kind (targeted or full) and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const reconcileDuration = new Histogram({
    name: `${prefix}reconcile_duration_seconds`,
    help: 'Time a reconciliation took, by kind (targeted or full).',
    labelNames: ['kind'] as const,
    // Targeted passes take milliseconds; a full pass over a large fleet takes up to minutes.
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const podToEntry = new Histogram({
    name: `${prefix}pod_to_entry_seconds`,
    help: 'Time from a pod event to its SPIRE entry written: how long a new pod waits for its identity.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> => new Gauge({ name: `${prefix}${name}`, help, labelNames, registers });
  const entries = gauge('entries', 'SPIRE entries the registrar keeps, by cluster.', ['cluster']);
  const clusterReady = gauge('cluster_ready', "1 while the registrar has a synced view of the cluster's pods, else 0.", ['cluster']);
  const workQueueDepth = gauge('work_queue_depth', 'Keys waiting in the work queue.', []);
  const podControllerFailures = gauge(
    'pod_controller_render_failures',
    'Pods of the cluster whose identity from the pod controller did not render (a label or annotation value that makes no SPIFFE ID path).',
    ['cluster'],
  );
  const spiffeIdEntries = gauge(
    'spiffe_id_entries',
    'ClusterSpiffeID and SpiffeID entries, one per targeted cluster, by kind and state: Written, Masked (an older source decides the entry) or Failed.',
    ['kind', 'state'],
  );

  const federationWrites = new Counter({
    name: `${prefix}federation_relationship_writes_total`,
    help: 'SPIRE federation relationship writes by operation and outcome, counted per relationship.',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const federationRelationships = gauge(
    'federation_relationships',
    'ClusterFederatedTrustDomains of this registrar by state: set (the SPIRE server holds the relationship as written), conflict (a relationship the registrar does not own exists), masked (an older object decides it), failed.',
    ['state'],
  );

  // Series that exist from the start read 0 rather than absent, so rate() and alerts on failures work
  // before the first failure happens.
  for (const operation of ['create', 'update', 'delete'] satisfies EntryWriteOperation[]) {
    for (const outcome of ['ok', 'failed'] satisfies Outcome[]) entryWrites.inc({ operation, outcome }, 0);
    driftRepaired.inc({ operation }, 0);
    for (const outcome of ['ok', 'failed'] satisfies Outcome[]) federationWrites.inc({ operation, outcome }, 0);
  }
  for (const state of ['set', 'conflict', 'masked', 'failed']) federationRelationships.set({ state }, 0);
  for (const kind of ['targeted', 'full'] satisfies ReconciliationKind[]) {
    for (const outcome of ['ok', 'failed'] satisfies Outcome[]) reconciliations.inc({ kind, outcome }, 0);
  }
  workQueueDepth.set(0);
  for (const kind of ['ClusterSpiffeID', 'SpiffeID']) for (const state of ['Written', 'Masked', 'Failed']) spiffeIdEntries.set({ kind, state }, 0);

  return {
    registry,
    entryWrites,
    driftRepaired,
    spireCalls,
    reconciliations,
    reconcileDuration,
    podToEntry,
    entries,
    clusterReady,
    workQueueDepth,
    spiffeIdEntries,
    podControllerFailures,
    federationWrites,
    federationRelationships,
    forgetCluster: (cluster) => {
      entries.remove({ cluster });
      podControllerFailures.remove({ cluster });
      clusterReady.remove({ cluster });
    },
  };
}
