import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { everything, type LabelSelector } from '../api/v1alpha1/label-selector.ts';
import type { WorkloadIdentity, WorkloadIdentityStats } from '../api/v1alpha1/workload-identity.ts';
import type { CompiledIdentity } from './compile-identities.ts';
import { identityTargetsCluster } from './selection.ts';

// What the fleet's desired state reports besides its entries, counted by the same rules in planEntries
// (in one pass) and in FleetState (from the state it keeps).

export interface IdentityReport {
  readonly name: string;
  readonly stats: WorkloadIdentityStats;
}

/** `synced`: its entries are planned; `unsynced`: managed but no snapshot, its entries must be kept; `unmanaged`: disabled or refused, its entries go. */
export type ClusterState = 'synced' | 'unsynced' | 'unmanaged';

export interface ClusterReport {
  /** The EKSClusterRegistry's name. */
  readonly name: string;
  /** The EKS cluster's name. */
  readonly clusterName: string;
  /** The ID prefix of every entry of this cluster. */
  readonly entryIdPrefix: string;
  readonly state: ClusterState;
  /** Namespaces not ignored (status.namespacesCount). */
  readonly namespacesCount: number;
  /** Entries planned for the cluster (status.entriesRegistered). */
  readonly entriesRegistered: number;
}

export type MutableStats = { -readonly [K in keyof WorkloadIdentityStats]: WorkloadIdentityStats[K] };

export function zeroStats(): MutableStats {
  return { clustersTargeted: 0, namespacesFound: 0, podsSelected: 0, entriesRegistered: 0, entriesMasked: 0, renderFailures: 0 };
}

export function clusterState(managed: boolean, synced: boolean): ClusterState {
  return !managed ? 'unmanaged' : synced ? 'synced' : 'unsynced';
}

/** The allowed (not ignored) namespaces of a synced cluster. */
export interface AllowedNamespaces {
  readonly count: number;
  /** Whether the cluster has this namespace and it is allowed. */
  has(namespace: string): boolean;
  /** How many allowed namespaces of the cluster (only `namespace`, when given) match a namespace selector. */
  matching(selector: LabelSelector, namespace?: string): number;
}

/**
 * Counts a managed cluster for the identities that target it: clustersTargeted and, once it is synced
 * (`namespaces` known), namespacesFound: every allowed namespace for an identity of all namespaces, its
 * own namespace if the cluster has it for the others; with a namespace selector, those of them it matches.
 */
export function countTargetedCluster(stats: ReadonlyMap<string, MutableStats>, targeting: readonly CompiledIdentity[], namespaces: AllowedNamespaces | undefined): void {
  for (const { name, identity } of targeting) {
    const counts = stats.get(name);
    if (counts === undefined) continue;
    counts.clustersTargeted++;
    if (namespaces === undefined) continue;
    const namespace = identity.spec.namespace;
    const { namespaceSelector } = identity.spec;
    if (namespaceSelector !== everything) counts.namespacesFound += namespaces.matching(namespaceSelector, namespace);
    else counts.namespacesFound += namespace === undefined ? namespaces.count : namespaces.has(namespace) ? 1 : 0;
  }
}

/**
 * Counts one entry for the identities that want it, in rank order (`identityOf` names each; the same
 * identity may come more than once and counts once): the first registers it, the others are masked.
 */
export function countEntry<T>(stats: ReadonlyMap<string, MutableStats>, wanters: readonly T[], identityOf: (wanter: T) => string): void {
  // Called about once a second over every entry of the fleet: no allocation per entry.
  for (let index = 0; index < wanters.length; index++) {
    const identity = identityOf(wanters[index] as T);
    let repeated = false;
    for (let earlier = 0; earlier < index && !repeated; earlier++) repeated = identityOf(wanters[earlier] as T) === identity;
    const counts = repeated ? undefined : stats.get(identity);
    if (counts === undefined) continue;
    if (index === 0) counts.entriesRegistered++;
    else counts.entriesMasked++;
  }
}

/** A cluster as keepPodEntryIdPrefixes sees it. */
export interface KeepCandidate {
  readonly registry: EKSClusterRegistry;
  readonly entryIdPrefix: string;
  readonly state: ClusterState;
}

/**
 * The ID prefixes of the clusters whose pod entries must stay (diffEntries' keepPodEntryIdPrefixes): the
 * unsynced ones, whose pods are unknown, then the managed ones that an identity whose templates do not
 * compile (`broken`) targets: which of their pods' entries it wants is unknown until it is fixed.
 */
export function keepPodEntryIdPrefixes(clusters: readonly KeepCandidate[], broken: readonly WorkloadIdentity[]): string[] {
  const prefixes = clusters.filter((cluster) => cluster.state === 'unsynced').map((cluster) => cluster.entryIdPrefix);
  for (const cluster of clusters) {
    if (cluster.state !== 'unmanaged' && broken.some((identity) => identityTargetsCluster(identity, cluster.registry))) prefixes.push(cluster.entryIdPrefix);
  }
  return prefixes;
}
