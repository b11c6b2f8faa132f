import type { SpiffeIdClusterEntry } from '../api/spiffeid-v1beta1/spiffe-id-spec.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { WorkloadIdentity, WorkloadIdentityStats } from '../api/v1alpha1/workload-identity.ts';
import type { ClusterStatus } from '../fleet/cluster-manager.ts';
import { setCondition, type ConditionUpdate } from '../kube/conditions.ts';
import type { FederationOutcome } from '../reconcile/federation-reconciler.ts';
import type { ClusterReport } from '../reconcile/fleet-reports.ts';
import { identityReadyCondition } from './identity-ready.ts';
import type { ManagedObject } from './managed-object.ts';

/** A cluster's connection status as the controller last heard it, and when it was last synced. */
export type KnownClusterStatus = ClusterStatus & { readonly lastSync?: string };

/** The status a refused object gets: Ready=False naming every problem (each names its field). */
function invalidStatus<T>(object: ManagedObject<T>, errors: readonly string[], now: Date): Record<string, unknown> {
  const update: ConditionUpdate = { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: errors.join('; '), observedGeneration: object.generation };
  return { conditions: setCondition(object.conditions, update, now) };
}

/** The status of an EKSClusterRegistry: its cluster's connection, entries and namespaces, and with sharding the replica that holds it. */
export function registryStatus(object: ManagedObject<EKSClusterRegistry>, cluster: KnownClusterStatus | undefined, report: ClusterReport | undefined, now: Date, shard?: string): Record<string, unknown> {
  if (!object.parsed.ok) return invalidStatus(object, object.parsed.errors, now);
  const status = cluster ?? { ready: false, reason: 'Connecting', message: 'not connected yet' };
  const update: ConditionUpdate = { type: 'Ready', status: status.ready ? 'True' : 'False', reason: status.reason, message: status.message, observedGeneration: object.generation };
  return {
    ...(status.lastSync !== undefined ? { lastSync: status.lastSync } : {}),
    conditions: setCondition(object.conditions, update, now),
    namespacesCount: report?.namespacesCount ?? 0,
    entriesRegistered: report?.entriesRegistered ?? 0,
    observedGeneration: object.generation,
    ...(shard !== undefined ? { shard } : {}),
  };
}

/** What the state knows of one identity. */
export interface IdentityFindings {
  readonly stats: WorkloadIdentityStats | undefined;
  readonly templateError: string | undefined;
  readonly renderFailures: readonly { readonly message: string }[];
  /** Its entries the SPIRE server refused to write, one message each. Default none. */
  readonly refusedWrites?: readonly { readonly message: string }[];
}

/** The status of a WorkloadIdentity: its stats and whether every selected pod rendered. */
export function identityStatus<T = WorkloadIdentity>(object: ManagedObject<T>, findings: IdentityFindings, now: Date): Record<string, unknown> {
  if (!object.parsed.ok) return invalidStatus(object, object.parsed.errors, now);
  const condition = identityReadyCondition({
    generation: object.generation,
    entriesRegistered: findings.stats?.entriesRegistered ?? 0,
    templateError: findings.templateError,
    renderFailures: findings.renderFailures,
    refusedWrites: findings.refusedWrites ?? [],
  });
  return {
    ...(findings.stats !== undefined ? { stats: findings.stats } : {}),
    lastReconciliation: now.toISOString(),
    conditions: setCondition(object.conditions, condition, now),
  };
}

/**
 * The status of a ClusterSpiffeID or SpiffeID: per targeted cluster its entry's ID and whether it is
 * written, masked by an older source, or failed; Ready=False naming the first failure.
 */
export function spiffeIdStatus<T>(object: ManagedObject<T>, clusters: readonly SpiffeIdClusterEntry[], now: Date): Record<string, unknown> {
  if (!object.parsed.ok) return invalidStatus(object, object.parsed.errors, now);
  const count = (state: SpiffeIdClusterEntry['state']): number => clusters.filter((cluster) => cluster.state === state).length;
  const failed = clusters.filter((cluster) => cluster.state === 'Failed');
  const [first] = failed;
  const condition: ConditionUpdate =
    first === undefined
      ? { type: 'Ready', status: 'True', reason: 'Reconciled', message: `${count('Written')} written, ${count('Masked')} masked, in ${clusters.length} targeted clusters`, observedGeneration: object.generation }
      : { type: 'Ready', status: 'False', reason: 'EntryFailed', message: `${failed.length} of ${clusters.length} targeted clusters failed; the first: ${first.message}`, observedGeneration: object.generation };
  return {
    clustersTargeted: clusters.length,
    entriesRegistered: count('Written'),
    entriesMasked: count('Masked'),
    // By name: the state's order is the order registries arrived in, which differs from one start to the next.
    clusters: [...clusters].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0)),
    lastReconciliation: now.toISOString(),
    conditions: setCondition(object.conditions, condition, now),
  };
}

/**
 * The status of a ClusterSPIFFEID: spire-controller-manager's stats (summed over the targeted clusters;
 * namespacesIgnored is not counted) and the Ready condition a WorkloadIdentity gets.
 */
export function clusterSPIFFEIDStatus<T>(object: ManagedObject<T>, findings: IdentityFindings, now: Date): Record<string, unknown> {
  const { stats: _identityStats, ...status } = identityStatus(object, findings, now);
  if (!object.parsed.ok) return status;
  const stats = findings.stats;
  return {
    stats: {
      namespacesSelected: stats?.namespacesFound ?? 0,
      namespacesIgnored: 0,
      podsSelected: stats?.podsSelected ?? 0,
      podEntryRenderFailures: stats?.renderFailures ?? 0,
      entriesMasked: stats?.entriesMasked ?? 0,
      entriesToSet: stats?.entriesRegistered ?? 0,
      entryFailures: findings.refusedWrites?.length ?? 0,
    },
    clustersTargeted: stats?.clustersTargeted ?? 0,
    ...status,
  };
}

/**
 * The status of a ClusterStaticEntry: spire-controller-manager's flags (rendered: the object made a valid
 * entry; masked: an older source decides it in a targeted cluster; set: it is written as this object says
 * in one, with none failed) and the Ready condition a ClusterSpiffeID gets.
 */
export function clusterStaticEntryStatus<T>(object: ManagedObject<T>, clusters: readonly SpiffeIdClusterEntry[], now: Date): Record<string, unknown> {
  const { conditions } = spiffeIdStatus(object, clusters, now);
  const has = (state: SpiffeIdClusterEntry['state']): boolean => clusters.some((cluster) => cluster.state === state);
  return { rendered: object.parsed.ok, masked: object.parsed.ok && has('Masked'), set: object.parsed.ok && has('Written') && !has('Failed'), conditions };
}

/**
 * The status of a ClusterFederatedTrustDomain: spire-controller-manager's has no fields; here the Ready
 * condition says whether the SPIRE server holds the relationship as the object says, and if not why
 * (another owner's relationship, an older object, a refused write). Undefined before the first
 * federation reconciliation has seen the object.
 */
export function clusterFederatedTrustDomainStatus<T>(object: ManagedObject<T>, outcome: FederationOutcome | undefined, now: Date): Record<string, unknown> | undefined {
  if (!object.parsed.ok) return invalidStatus(object, object.parsed.errors, now);
  if (outcome === undefined) return undefined;
  const ready = (status: 'True' | 'False', reason: string, message: string): Record<string, unknown> => ({
    conditions: setCondition(object.conditions, { type: 'Ready', status, reason, message, observedGeneration: object.generation }, now),
  });
  const { trustDomain } = outcome;
  switch (outcome.state) {
    case 'set':
      return ready('True', 'RelationshipSet', `the SPIRE server federates with ${trustDomain} as this object says`);
    case 'conflict':
      return ready(
        'False',
        'RelationshipNotOwned',
        `the SPIRE server already has a federation relationship with ${trustDomain} that the registrar did not create (made by hand or by another controller): it is left untouched; delete it (spire-server federation delete -id ${trustDomain}) for this object to take over`,
      );
    case 'masked':
      return ready(
        'False',
        'Masked',
        outcome.held
          ? `ClusterFederatedTrustDomain ${outcome.by} owns the relationship with ${trustDomain} and its spec is invalid: the relationship is kept as it is until that object is fixed or deleted`
          : `ClusterFederatedTrustDomain ${outcome.by}, older, decides the relationship with ${trustDomain}`,
      );
    case 'failed':
      return ready('False', 'RelationshipFailed', outcome.message);
  }
}
