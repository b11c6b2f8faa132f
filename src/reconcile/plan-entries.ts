import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import type { ClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { matchesLabels } from '../api/v1alpha1/label-selector.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { ClusterPod } from '../identity/cluster-objects.ts';
import type { ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import { clusterEntryIdPrefix, keyDigestLength } from '../identity/entry-id.ts';
import { compileNodeAliasTemplate } from '../identity/node-alias.ts';
import { actsOnClass, clusterSPIFFEIDSourceName } from './cluster-spiffeid-identity.ts';
import { compileIdentities, type CompiledIdentity } from './compile-identities.ts';
import { DesiredEntries, type EntrySource } from './desired-entries.ts';
import { clusterState, countEntry, countTargetedCluster, keepPodEntryIdPrefixes, zeroStats, type ClusterReport, type IdentityReport, type KeepCandidate, type MutableStats } from './fleet-reports.ts';
import type { PlannedEntry } from './planned-entry.ts';
import { ClusterContext, clusterFacts, renderPod, type PodRenderSink } from './render-pod.ts';
import { identityTargetsCluster, namespaceFilter, podEligible, unmanagedReason } from './selection.ts';
import { sourceRanks } from './source-ranks.ts';
import { clusterSpiffeIdEntries, nodeAliasSource, spiffeIdSourceName, type SpiffeIdObject, type SpiffeIdSource } from './spiffe-id-entries.ts';
import { spiffeIdClusterEntry, type EntryWinner, type SpiffeIdReport } from './spiffe-id-reports.ts';

/** Everything the desired state depends on. */
export interface PlanInput {
  readonly config: ControllerManagerConfig;
  readonly registries: readonly EKSClusterRegistry[];
  readonly identities: readonly WorkloadIdentity[];
  /** ClusterSpiffeIDs and SpiffeIDs (ClusterStaticEntries may be given here too, to keep an order). Default none. */
  readonly spiffeIds?: readonly SpiffeIdObject[];
  /** spire-controller-manager's kinds; those of another controller class are left alone. Default none. */
  readonly clusterSPIFFEIDs?: readonly ClusterSPIFFEID[];
  readonly clusterStaticEntries?: readonly ClusterStaticEntry[];
  /** Snapshots by registry name; a managed cluster without one is unsynced (its entries are kept as they are). */
  readonly snapshots: ReadonlyMap<string, ClusterSnapshot>;
}

/** A problem with one identity, cluster or pod; it never stops the other entries. */
export interface PlanError {
  readonly identity?: string;
  readonly cluster?: string;
  /** `namespace/name`. */
  readonly pod?: string;
  /** The whole story: `WorkloadIdentity web: cluster prod: pod default/web-1: spec.spiffeIDTemplate: ...`. */
  readonly message: string;
}

export interface Plan {
  /** Sorted by SPIFFE ID, parent ID, selectors. */
  readonly entries: readonly PlannedEntry[];
  /** Those of this controller class, in the order of the input. */
  readonly identities: readonly IdentityReport[];
  /** In the order of the input. */
  readonly clusters: readonly ClusterReport[];
  /** The ClusterSpiffeIDs, SpiffeIDs and ClusterStaticEntries (of this class), in the order of the input. */
  readonly spiffeIds: readonly SpiffeIdReport[];
  /** The ClusterSPIFFEIDs of this class, by source name (`ClusterSPIFFEID/<name>`), in the order of the input. */
  readonly clusterSPIFFEIDs: readonly IdentityReport[];
  readonly errors: readonly PlanError[];
  /**
   * ID prefixes of the clusters whose entries must all stay (pass them to diffEntries as keepIdPrefixes):
   * those whose node alias did not render.
   */
  readonly keepIdPrefixes: readonly string[];
  /**
   * ID prefixes of the clusters whose pod entries must stay (diffEntries' keepPodEntryIdPrefixes): the
   * unsynced ones and those targeted by an identity whose templates do not compile.
   */
  readonly keepPodEntryIdPrefixes: readonly string[];
  /**
   * UIDs (sorted) of the pods for which an identity failed to render: their current entries should stay
   * (diffEntries' keepPodUids), so that a broken template never takes a running workload's identity away.
   */
  readonly keepPodUids: readonly string[];
}

const nameOf = (identity: string): string => identity;

/**
 * The desired state: the entries that the identities want for the pods of the fleet, and those the
 * ClusterSpiffeIDs and SpiffeIDs (with their clusters' node aliases) want up front, one per entry key
 * (the oldest identity decides the fields, the others are masked), with deterministic IDs, per-identity
 * stats, per-cluster reports, and every render failure. Pure: the same input gives the same plan.
 * Pods are visited once each, every identity rendering for the pod in turn, so that the template data of
 * a pod is built once and never kept for the whole fleet.
 */
export function planEntries(input: PlanInput): Plan {
  const { config } = input;
  const errors: PlanError[] = [];

  const clusterSPIFFEIDs = (input.clusterSPIFFEIDs ?? []).filter((object) => actsOnClass(object.spec.className, config));
  const identities = input.identities.filter((identity) => actsOnClass(identity.spec.className, config));
  const { compiled, broken, errors: identityErrors } = compileIdentities(identities, config, clusterSPIFFEIDs);
  errors.push(...identityErrors);
  const stats = new Map(compiled.map((identity) => [identity.name, zeroStats()]));
  const declaring = [...(input.spiffeIds ?? []), ...(input.clusterStaticEntries ?? [])].filter((object) => object.kind !== 'ClusterStaticEntry' || actsOnClass(object.spec.className, config));
  const spiffeIds: SpiffeIdSource[] = declaring.map((object) => ({ name: spiffeIdSourceName(object), object }));
  const ranks = sourceRanks([
    ...compiled.map((identity) => ({ name: identity.name, creationTimestamp: identity.identity.metadata.creationTimestamp })),
    ...spiffeIds.map((source) => ({ name: source.name, creationTimestamp: source.object.metadata.creationTimestamp })),
  ]);
  const desired = new DesiredEntries(ranks);
  const aliasTemplate = compileNodeAliasTemplate(config.nodeAliasIDTemplate);
  /** Per source, per cluster it targets: the digest of its entry, or why it has none. */
  const spiffeIdOutcomes = new Map<string, { cluster: string; digest?: string; failure?: string }[]>(spiffeIds.map((source) => [source.name, []]));
  const aliasFailedPrefixes: string[] = [];
  const isAllowed = namespaceFilter(config.ignoreNamespaces);

  const clusters: ClusterReport[] = [];
  const keepCandidates: KeepCandidate[] = [];
  const failedPods = new Set<string>();
  for (const registry of input.registries) {
    const name = registry.metadata.name;
    const entryIdPrefix = clusterEntryIdPrefix(config.entryIDPrefix, name);
    const reason = unmanagedReason(registry, config.aws);
    const snapshot = input.snapshots.get(name);
    const state = clusterState(reason === undefined, snapshot !== undefined);
    keepCandidates.push({ registry, entryIdPrefix, state });
    const report = { name, clusterName: registry.spec.clusterName, entryIdPrefix, namespacesCount: 0, entriesRegistered: 0, state };
    if (reason !== undefined) {
      if (registry.spec.enabled) errors.push({ cluster: name, message: `EKSClusterRegistry ${name}: ${reason}: the cluster's pods get no entries` });
      clusters.push(report);
      continue;
    }
    // Declared up front: whether the cluster is synced or not, and whether a pod matches or not.
    const declared = clusterSpiffeIdEntries(registry, spiffeIds, aliasTemplate, config.trustDomain);
    for (const { source, entry } of declared.wanted) {
      desired.add({ identity: source, cluster: name, clusterIdPrefix: entryIdPrefix }, entry);
      spiffeIdOutcomes.get(source)?.push({ cluster: name, digest: entry.digest });
    }
    if (declared.alias !== undefined) desired.add({ identity: nodeAliasSource, cluster: name, clusterIdPrefix: entryIdPrefix }, declared.alias);
    for (const { source, message } of declared.failed) {
      spiffeIdOutcomes.get(source)?.push({ cluster: name, failure: message });
      errors.push({ identity: source, cluster: name, message });
    }
    if (declared.failed.length > 0) aliasFailedPrefixes.push(entryIdPrefix);
    const targeting = compiled.filter((identity) => identityTargetsCluster(identity.identity, registry));
    if (snapshot === undefined) {
      countTargetedCluster(stats, targeting, undefined);
      clusters.push(report);
      continue;
    }
    let namespacesCount = 0;
    for (const namespace of snapshot.namespaces.keys()) if (isAllowed(namespace)) namespacesCount++;
    countTargetedCluster(stats, targeting, {
      count: namespacesCount,
      has: (namespace) => snapshot.namespaces.has(namespace) && isAllowed(namespace),
      matching: (selector, only) =>
        [...snapshot.namespaces.values()].filter((namespace) => (only === undefined || namespace.name === only) && isAllowed(namespace.name) && matchesLabels(selector, namespace.labels)).length,
    });
    planCluster(registry, snapshot, entryIdPrefix, targeting, config, isAllowed, stats, desired, errors, failedPods);
    clusters.push({ ...report, namespacesCount });
  }

  const entries = desired.sorted();
  const entriesPerCluster = new Map<string, number>();
  const winners = new Map<string, EntryWinner>();
  for (const entry of entries) {
    winners.set(entry.id.slice(-keyDigestLength), { id: entry.id, source: entry.identities[0] as string });
    entriesPerCluster.set(entry.cluster, (entriesPerCluster.get(entry.cluster) ?? 0) + 1);
    countEntry(stats, entry.identities, nameOf);
  }
  return {
    entries,
    identities: identities.map((identity) => ({ name: identity.metadata.name, stats: stats.get(identity.metadata.name) ?? zeroStats() })),
    clusterSPIFFEIDs: clusterSPIFFEIDs.map(({ metadata }) => {
      const name = clusterSPIFFEIDSourceName(metadata.name);
      return { name, stats: stats.get(name) ?? zeroStats() };
    }),
    clusters: clusters.map((cluster) => ({ ...cluster, entriesRegistered: entriesPerCluster.get(cluster.name) ?? 0 })),
    spiffeIds: spiffeIds.map(({ name }) => ({
      name,
      clusters: (spiffeIdOutcomes.get(name) ?? []).map((outcome) =>
        spiffeIdClusterEntry(outcome.cluster, name, outcome.digest === undefined ? undefined : winners.get(outcome.digest), outcome.failure),
      ),
    })),
    errors,
    keepIdPrefixes: aliasFailedPrefixes,
    keepPodEntryIdPrefixes: keepPodEntryIdPrefixes(keepCandidates, broken),
    keepPodUids: [...failedPods].sort(),
  };
}

/** Renders the entries of one synced cluster into `desired`. */
function planCluster(
  registry: EKSClusterRegistry,
  snapshot: ClusterSnapshot,
  clusterIdPrefix: string,
  identities: readonly CompiledIdentity[],
  config: ControllerManagerConfig,
  isAllowed: (namespace: string) => boolean,
  stats: ReadonlyMap<string, MutableStats>,
  desired: DesiredEntries,
  errors: PlanError[],
  failedPods: Set<string>,
): void {
  const cluster = registry.metadata.name;
  const clusterContext = new ClusterContext(cluster, clusterFacts(registry, config), () => snapshot.endpointSlices, (name) => snapshot.namespaces.get(name));
  const sources = new Map<string, EntrySource>(identities.map((identity) => [identity.name, { identity: identity.name, cluster, clusterIdPrefix }]));
  let current: ClusterPod | undefined;
  const sink: PodRenderSink = {
    selected: (identity) => void (stats.get(identity.name) as MutableStats).podsSelected++,
    rendered: (identity, entry) => desired.add(sources.get(identity.name) as EntrySource, entry),
    failed: (identity, message) => {
      (stats.get(identity.name) as MutableStats).renderFailures++;
      const pod = current as ClusterPod;
      failedPods.add(pod.uid);
      errors.push({ identity: identity.name, cluster, pod: `${pod.namespace}/${pod.name}`, message });
    },
  };
  for (const pod of snapshot.pods) {
    if (!podEligible(pod) || !isAllowed(pod.namespace)) continue;
    current = pod;
    renderPod(clusterContext, pod, snapshot.nodes.get(pod.nodeName), identities, sink);
  }
}
