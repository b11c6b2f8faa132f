import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { WorkloadIdentity, WorkloadIdentityStats } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { ClusterNode, ClusterPod } from '../identity/cluster-objects.ts';
import type { ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import { clusterEntryIdPrefix, entryId, keyDigest } from '../identity/entry-id.ts';
import { compileIdentityTemplates, renderEntry, type IdentityTemplates } from '../identity/render-entry.ts';
import { serviceDnsNames, servicesByPod, type ServicesByPod } from '../identity/service-dns-names.ts';
import {
  nodeTemplateParts,
  podTemplateParts,
  templateData,
  type ClusterFacts,
  type NodeTemplateParts,
  type PodTemplateParts,
} from '../identity/template-data.ts';
import { TemplateError } from '../template/index.ts';
import type { RegistrationEntry } from '../spire/entry.ts';
import { identitySelectsPod, identityTargetsCluster, namespaceAllowed, unmanagedReason } from './selection.ts';

/** Everything the desired state depends on. */
export interface PlanInput {
  readonly config: ControllerManagerConfig;
  readonly registries: readonly EKSClusterRegistry[];
  readonly identities: readonly WorkloadIdentity[];
  /** Snapshots by registry name; a managed cluster without one is unsynced (its entries are kept as they are). */
  readonly snapshots: ReadonlyMap<string, ClusterSnapshot>;
}

/** A desired entry, with where it comes from. */
export interface PlannedEntry extends RegistrationEntry {
  /** The EKSClusterRegistry's name. */
  readonly cluster: string;
  /** The WorkloadIdentities that want this entry; the first (the oldest) decides its fields, the rest are masked. */
  readonly identities: readonly string[];
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

export interface Plan {
  /** Sorted by SPIFFE ID, parent ID, selectors. */
  readonly entries: readonly PlannedEntry[];
  /** In the order of the input. */
  readonly identities: readonly IdentityReport[];
  /** In the order of the input. */
  readonly clusters: readonly ClusterReport[];
  readonly errors: readonly PlanError[];
  /** ID prefixes of the unsynced clusters: pass them to diffEntries as keepIdPrefixes. */
  readonly keepIdPrefixes: readonly string[];
}

type MutableStats = { -readonly [K in keyof WorkloadIdentityStats]: WorkloadIdentityStats[K] };

interface MutableEntry extends PlannedEntry {
  readonly identities: string[];
}

/** The order in which sources win: the oldest identity first; never stored objects after stored ones; then by name. */
export function compareIdentityAge(a: WorkloadIdentity, b: WorkloadIdentity): number {
  const at = a.metadata.creationTimestamp ?? Number.POSITIVE_INFINITY;
  const bt = b.metadata.creationTimestamp ?? Number.POSITIVE_INFINITY;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareEntries(a: PlannedEntry, b: PlannedEntry): number {
  const bySpiffeId = compareStrings(a.spiffeId, b.spiffeId);
  if (bySpiffeId !== 0) return bySpiffeId;
  const byParentId = compareStrings(a.parentId, b.parentId);
  if (byParentId !== 0) return byParentId;
  const length = Math.min(a.selectors.length, b.selectors.length);
  for (let index = 0; index < length; index++) {
    const x = a.selectors[index];
    const y = b.selectors[index];
    if (x === undefined || y === undefined) break;
    const bySelector = compareStrings(x.type, y.type) || compareStrings(x.value, y.value);
    if (bySelector !== 0) return bySelector;
  }
  return a.selectors.length - b.selectors.length;
}

/** Per-cluster indexes, built once per plan and shared by every identity. */
class ClusterIndex {
  readonly registry: EKSClusterRegistry;
  readonly snapshot: ClusterSnapshot;
  readonly facts: ClusterFacts;
  readonly idPrefix: string;
  readonly allowedNamespaces: number;
  readonly #ignoreNamespaces: readonly RegExp[];
  readonly #podsByNamespace = new Map<string, ClusterPod[]>();
  readonly #podParts = new Map<ClusterPod, PodTemplateParts>();
  readonly #nodeParts = new Map<ClusterNode, NodeTemplateParts>();
  #services: ServicesByPod | undefined;

  constructor(registry: EKSClusterRegistry, snapshot: ClusterSnapshot, config: ControllerManagerConfig) {
    this.registry = registry;
    this.snapshot = snapshot;
    this.#ignoreNamespaces = config.ignoreNamespaces;
    this.facts = {
      trustDomain: config.trustDomain,
      clusterName: registry.spec.clusterName,
      clusterDomain: config.clusterDomain,
      accountId: registry.spec.accountId,
      region: registry.spec.region,
    };
    this.idPrefix = clusterEntryIdPrefix(config.entryIDPrefix, registry.metadata.name);
    for (const pod of snapshot.pods) {
      let pods = this.#podsByNamespace.get(pod.namespace);
      if (pods === undefined) this.#podsByNamespace.set(pod.namespace, (pods = []));
      pods.push(pod);
    }
    let allowed = 0;
    for (const name of snapshot.namespaces.keys()) if (this.namespaceAllowed(name)) allowed++;
    this.allowedNamespaces = allowed;
  }

  namespaceAllowed(name: string): boolean {
    return namespaceAllowed(name, this.#ignoreNamespaces);
  }

  /** The pods an identity may select: those of its namespace, or all. */
  podsIn(namespace: string | undefined): readonly ClusterPod[] {
    return namespace === undefined ? this.snapshot.pods : (this.#podsByNamespace.get(namespace) ?? []);
  }

  podParts(pod: ClusterPod): PodTemplateParts {
    let parts = this.#podParts.get(pod);
    if (parts === undefined) this.#podParts.set(pod, (parts = podTemplateParts(pod)));
    return parts;
  }

  nodeParts(node: ClusterNode): NodeTemplateParts {
    let parts = this.#nodeParts.get(node);
    if (parts === undefined) this.#nodeParts.set(node, (parts = nodeTemplateParts(node)));
    return parts;
  }

  services(): ServicesByPod {
    return (this.#services ??= servicesByPod(this.snapshot.endpointSlices));
  }
}

/**
 * The desired state: the entries that the identities want for the pods of the fleet, one per entry key
 * (the oldest identity decides the fields, the others are masked), with deterministic IDs, per-identity
 * stats, per-cluster reports, and every render failure. Pure: the same input gives the same plan.
 */
export function planEntries(input: PlanInput): Plan {
  const { config } = input;
  const errors: PlanError[] = [];
  const indexes = new Map<string, ClusterIndex>();
  const clusterStates = new Map<string, ClusterState>();
  for (const registry of input.registries) {
    const name = registry.metadata.name;
    const reason = unmanagedReason(registry, config.aws);
    const snapshot = input.snapshots.get(name);
    if (reason !== undefined) {
      clusterStates.set(name, 'unmanaged');
      if (registry.spec.enabled) errors.push({ cluster: name, message: `EKSClusterRegistry ${name}: ${reason}: the cluster's pods get no entries` });
    } else if (snapshot === undefined) {
      clusterStates.set(name, 'unsynced');
    } else {
      clusterStates.set(name, 'synced');
      indexes.set(name, new ClusterIndex(registry, snapshot, config));
    }
  }

  const managedRegistries = input.registries.filter((registry) => clusterStates.get(registry.metadata.name) !== 'unmanaged');
  const byDigest = new Map<string, MutableEntry>();
  const statsByIdentity = new Map<string, MutableStats>();

  for (const identity of [...input.identities].sort(compareIdentityAge)) {
    const name = identity.metadata.name;
    const stats: MutableStats = { clustersTargeted: 0, namespacesFound: 0, podsSelected: 0, entriesRegistered: 0, entriesMasked: 0, renderFailures: 0 };
    statsByIdentity.set(name, stats);
    let templates: IdentityTemplates;
    try {
      templates = compileIdentityTemplates(identity, config.parentIDTemplate);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      errors.push({ identity: name, message: `WorkloadIdentity ${name}: ${error.message}` });
      continue;
    }
    for (const registry of managedRegistries) {
      if (!identityTargetsCluster(identity, registry)) continue;
      stats.clustersTargeted++;
      const cluster = indexes.get(registry.metadata.name);
      if (cluster === undefined) continue;
      const namespace = identity.spec.namespace;
      stats.namespacesFound +=
        namespace === undefined ? cluster.allowedNamespaces : cluster.snapshot.namespaces.has(namespace) && cluster.namespaceAllowed(namespace) ? 1 : 0;
      for (const pod of cluster.podsIn(namespace)) {
        if (!identitySelectsPod(identity, pod, config.ignoreNamespaces)) continue;
        stats.podsSelected++;
        const where = { identity: name, cluster: registry.metadata.name, pod: `${pod.namespace}/${pod.name}` };
        const prefix = `WorkloadIdentity ${where.identity}: cluster ${where.cluster}: pod ${where.pod}`;
        const node = cluster.snapshot.nodes.get(pod.nodeName);
        if (node === undefined) {
          stats.renderFailures++;
          errors.push({ ...where, message: `${prefix}: node ${JSON.stringify(pod.nodeName)} of the pod is unknown in the cluster` });
          continue;
        }
        const data = templateData(cluster.facts, identity.spec.applicationName, pod, cluster.podParts(pod), cluster.nodeParts(node));
        const outcome = renderEntry(identity, templates, data, {
          trustDomain: config.trustDomain,
          podUid: pod.uid,
          serviceDnsNames: () => serviceDnsNames(cluster.services(), pod, config.clusterDomain),
        });
        if (!outcome.ok) {
          stats.renderFailures++;
          errors.push({ ...where, message: `${prefix}: ${outcome.failure.field}: ${outcome.failure.problem}` });
          continue;
        }
        const { key, ...fields } = outcome.entry;
        const digest = keyDigest(key);
        const existing = byDigest.get(digest);
        if (existing !== undefined) {
          if (!existing.identities.includes(name)) existing.identities.push(name);
          stats.entriesMasked++;
          continue;
        }
        byDigest.set(digest, { id: entryId(cluster.idPrefix, digest), ...fields, cluster: registry.metadata.name, identities: [name] });
        stats.entriesRegistered++;
      }
    }
  }

  const entries = [...byDigest.values()].sort(compareEntries);
  const entriesPerCluster = new Map<string, number>();
  for (const entry of entries) entriesPerCluster.set(entry.cluster, (entriesPerCluster.get(entry.cluster) ?? 0) + 1);

  const clusters = input.registries.map((registry): ClusterReport => {
    const name = registry.metadata.name;
    return {
      name,
      clusterName: registry.spec.clusterName,
      entryIdPrefix: clusterEntryIdPrefix(config.entryIDPrefix, name),
      state: clusterStates.get(name) ?? 'unmanaged',
      namespacesCount: indexes.get(name)?.allowedNamespaces ?? 0,
      entriesRegistered: entriesPerCluster.get(name) ?? 0,
    };
  });
  return {
    entries,
    identities: input.identities.map((identity) => ({ name: identity.metadata.name, stats: statsByIdentity.get(identity.metadata.name) as WorkloadIdentityStats })),
    clusters,
    errors,
    keepIdPrefixes: clusters.filter((cluster) => cluster.state === 'unsynced').map((cluster) => cluster.entryIdPrefix),
  };
}
