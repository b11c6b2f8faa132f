import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { matchesLabels } from '../api/v1alpha1/label-selector.ts';
import type { WorkloadIdentity, WorkloadIdentityStats } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { ClusterEndpointSlice, ClusterNode, ClusterPod } from '../identity/cluster-objects.ts';
import type { ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import { clusterEntryIdPrefix } from '../identity/entry-id.ts';
import { compileIdentityTemplates, renderEntry, type IdentityTemplates, type RenderedEntry, type RenderInputs, type RenderOutcome } from '../identity/render-entry.ts';
import { serviceDnsNames, servicesByPod, type ServicesByPod } from '../identity/service-dns-names.ts';
import {
  nodeTemplateParts,
  podTemplateParts,
  templateData,
  type ClusterFacts,
  type NodeTemplateParts,
  type PodTemplateParts,
} from '../identity/template-data.ts';
import { podUidSelector } from '../identity/workload-selector.ts';
import type { RegistrationEntry, Selector } from '../spire/entry.ts';
import { TemplateError } from '../template/index.ts';
import { DesiredEntries, type EntrySource } from './desired-entries.ts';
import { identityTargetsCluster, namespaceAllowed, podEligible, unmanagedReason } from './selection.ts';

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
  /**
   * ID prefixes of the clusters whose entries must all stay (pass them to diffEntries as keepIdPrefixes):
   * the unsynced ones, and those targeted by an identity whose templates do not compile.
   */
  readonly keepIdPrefixes: readonly string[];
  /**
   * UIDs (sorted) of the pods for which an identity failed to render: their current entries should stay
   * (diffEntries' keepPodUids), so that a broken template never takes a running workload's identity away.
   */
  readonly keepPodUids: readonly string[];
}

type MutableStats = { -readonly [K in keyof WorkloadIdentityStats]: WorkloadIdentityStats[K] };

/** The order in which sources win: the oldest identity first; never stored objects after stored ones; then by name. */
export function compareIdentityAge(a: WorkloadIdentity, b: WorkloadIdentity): number {
  const at = a.metadata.creationTimestamp ?? Number.POSITIVE_INFINITY;
  const bt = b.metadata.creationTimestamp ?? Number.POSITIVE_INFINITY;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** An identity ready to render: its templates compiled once. */
export interface CompiledIdentity {
  readonly identity: WorkloadIdentity;
  readonly name: string;
  /** Its place in age order (0 the oldest): the lower rank wins an entry's fields. */
  readonly rank: number;
  readonly templates: IdentityTemplates;
}

/** An identity ready to render, with its stats being counted. */
interface PlannedIdentity extends CompiledIdentity {
  readonly stats: MutableStats;
}

/** The identities in age order, compiled; those whose templates do not compile are `broken`, each with its error. */
export function compileIdentities(
  identities: Iterable<WorkloadIdentity>,
  config: ControllerManagerConfig,
): { readonly compiled: CompiledIdentity[]; readonly broken: WorkloadIdentity[]; readonly errors: PlanError[] } {
  const compiled: CompiledIdentity[] = [];
  const broken: WorkloadIdentity[] = [];
  const errors: PlanError[] = [];
  for (const [rank, identity] of [...identities].sort(compareIdentityAge).entries()) {
    const name = identity.metadata.name;
    try {
      compiled.push({ identity, name, rank, templates: compileIdentityTemplates(identity, config.parentIDTemplate) });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      broken.push(identity);
      errors.push({ identity: name, message: `WorkloadIdentity ${name}: ${error.message}` });
    }
  }
  return { compiled, broken, errors };
}

/** The facts of one cluster as templates see them. */
export function clusterFacts(registry: EKSClusterRegistry, config: ControllerManagerConfig): ClusterFacts {
  return {
    trustDomain: config.trustDomain,
    clusterName: registry.spec.clusterName,
    clusterDomain: config.clusterDomain,
    accountId: registry.spec.accountId,
    region: registry.spec.region,
  };
}

/**
 * What the pods of one cluster share: its name and facts, its nodes' template data, its Services. The
 * Services index is built on first use from `endpointSlices`; make a new context when they change.
 */
export class ClusterContext {
  /** The EKSClusterRegistry's name. */
  readonly name: string;
  readonly facts: ClusterFacts;
  readonly #endpointSlices: () => Iterable<ClusterEndpointSlice>;
  // Weak: a node's parts go with the node object when an update replaces it.
  readonly #nodeParts = new WeakMap<ClusterNode, NodeTemplateParts>();
  #services: ServicesByPod | undefined;

  constructor(name: string, facts: ClusterFacts, endpointSlices: () => Iterable<ClusterEndpointSlice>) {
    this.name = name;
    this.facts = facts;
    this.#endpointSlices = endpointSlices;
  }

  nodeParts(node: ClusterNode): NodeTemplateParts {
    let parts = this.#nodeParts.get(node);
    if (parts === undefined) this.#nodeParts.set(node, (parts = nodeTemplateParts(node)));
    return parts;
  }

  services(): ServicesByPod {
    return (this.#services ??= servicesByPod(this.#endpointSlices(), this.facts.clusterDomain));
  }
}

/** What one pod's rendering reports, identity by identity, in age order. */
export interface PodRenderSink {
  /** The identity selects the pod (counted in podsSelected); `rendered` or `failed` follows. */
  selected(identity: CompiledIdentity): void;
  rendered(identity: CompiledIdentity, entry: RenderedEntry): void;
  /** `message` tells the whole story: identity, cluster, pod, field and problem. */
  failed(identity: CompiledIdentity, message: string): void;
}

/**
 * Renders the entries that `identities` (those targeting the pod's cluster, in age order) want for one
 * pod: the one way the project renders, shared by planEntries and the controller's incremental state
 * (fleet-state.ts). The pod must be eligible and in an allowed namespace; `node` is its node, undefined
 * when the cluster does not know it (a failure of every identity that selects the pod).
 */
export function renderPod(cluster: ClusterContext, pod: ClusterPod, node: ClusterNode | undefined, identities: readonly CompiledIdentity[], sink: PodRenderSink): void {
  let context: PodContext | undefined;
  for (const compiled of identities) {
    const { identity } = compiled;
    if (identity.spec.namespace !== undefined && identity.spec.namespace !== pod.namespace) continue;
    if (!matchesLabels(identity.spec.podSelector, pod.labels)) continue;
    sink.selected(compiled);
    if (node === undefined) {
      sink.failed(compiled, `WorkloadIdentity ${compiled.name}: cluster ${cluster.name}: pod ${pod.namespace}/${pod.name}: node ${JSON.stringify(pod.nodeName)} of the pod is unknown in the cluster`);
      continue;
    }
    const where = `WorkloadIdentity ${compiled.name}: cluster ${cluster.name}: pod ${pod.namespace}/${pod.name}`;
    // Whatever goes wrong here fails this pod for this identity only, never the caller's reconciliation.
    let outcome: RenderOutcome;
    try {
      context ??= new PodContext(cluster, pod, node);
      outcome = renderEntry(identity, compiled.templates, context.data(identity.spec.applicationName), context);
    } catch (error) {
      sink.failed(compiled, `${where}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (outcome.ok) sink.rendered(compiled, outcome.entry);
    else sink.failed(compiled, `${where}: ${outcome.failure.field}: ${outcome.failure.problem}`);
  }
}

/** What every identity shares about one pod, built on first use and dropped after the pod. */
class PodContext implements RenderInputs {
  readonly trustDomain: string;
  readonly podUidSelector: Selector;
  readonly #cluster: ClusterContext;
  readonly #pod: ClusterPod;
  readonly #node: ClusterNode;
  #podParts: PodTemplateParts | undefined;
  #serviceDnsNames: readonly string[] | undefined;
  // Identities with the same applicationName see the same data.
  readonly #data = new Map<string, unknown>();

  constructor(cluster: ClusterContext, pod: ClusterPod, node: ClusterNode) {
    this.trustDomain = cluster.facts.trustDomain;
    this.podUidSelector = podUidSelector(pod.uid);
    this.#cluster = cluster;
    this.#pod = pod;
    this.#node = node;
  }

  data(applicationName: string): unknown {
    let data = this.#data.get(applicationName);
    if (data === undefined) {
      this.#podParts ??= podTemplateParts(this.#pod);
      data = templateData(this.#cluster.facts, applicationName, this.#pod, this.#podParts, this.#cluster.nodeParts(this.#node));
      this.#data.set(applicationName, data);
    }
    return data;
  }

  serviceDnsNames(): readonly string[] {
    return (this.#serviceDnsNames ??= serviceDnsNames(this.#cluster.services(), this.#pod));
  }
}

/**
 * The desired state: the entries that the identities want for the pods of the fleet, one per entry key
 * (the oldest identity decides the fields, the others are masked), with deterministic IDs, per-identity
 * stats, per-cluster reports, and every render failure. Pure: the same input gives the same plan.
 * Pods are visited once each, every identity rendering for the pod in turn, so that the template data of
 * a pod is built once and never kept for the whole fleet.
 */
export function planEntries(input: PlanInput): Plan {
  const { config } = input;
  const errors: PlanError[] = [];

  const compiled = compileIdentities(input.identities, config);
  errors.push(...compiled.errors);
  const { broken } = compiled;
  const planned: PlannedIdentity[] = compiled.compiled.map((identity) => ({
    ...identity,
    stats: { clustersTargeted: 0, namespacesFound: 0, podsSelected: 0, entriesRegistered: 0, entriesMasked: 0, renderFailures: 0 },
  }));
  const statsByName = new Map(planned.map((identity) => [identity.name, identity.stats]));
  const desired = new DesiredEntries(new Map(planned.map((identity) => [identity.name, identity.rank])));

  const clusters: ClusterReport[] = [];
  const failedPods = new Set<string>();
  // An identity whose templates do not compile renders nothing: which of a cluster's entries it wanted is
  // unknown, so every entry of the clusters it targets is kept until it is fixed.
  const keptForBrokenIdentities: string[] = [];
  for (const registry of input.registries) {
    const name = registry.metadata.name;
    const entryIdPrefix = clusterEntryIdPrefix(config.entryIDPrefix, name);
    const report = { name, clusterName: registry.spec.clusterName, entryIdPrefix, namespacesCount: 0, entriesRegistered: 0 };
    const reason = unmanagedReason(registry, config.aws);
    if (reason !== undefined) {
      if (registry.spec.enabled) errors.push({ cluster: name, message: `EKSClusterRegistry ${name}: ${reason}: the cluster's pods get no entries` });
      clusters.push({ ...report, state: 'unmanaged' });
      continue;
    }
    const targeting = planned.filter((identity) => identityTargetsCluster(identity.identity, registry));
    for (const identity of targeting) identity.stats.clustersTargeted++;
    if (broken.some((identity) => identityTargetsCluster(identity, registry))) keptForBrokenIdentities.push(entryIdPrefix);
    const snapshot = input.snapshots.get(name);
    if (snapshot === undefined) {
      clusters.push({ ...report, state: 'unsynced' });
      continue;
    }
    const namespaces = planCluster(registry, snapshot, entryIdPrefix, targeting, config, desired, errors, failedPods);
    clusters.push({ ...report, state: 'synced', namespacesCount: namespaces });
  }

  const entries = desired.sorted();
  const entriesPerCluster = new Map<string, number>();
  for (const entry of entries) {
    entriesPerCluster.set(entry.cluster, (entriesPerCluster.get(entry.cluster) ?? 0) + 1);
    const winner = statsByName.get(entry.identities[0] ?? '');
    if (winner !== undefined) winner.entriesRegistered++;
    for (const masked of entry.identities.slice(1)) {
      const stats = statsByName.get(masked);
      if (stats !== undefined) stats.entriesMasked++;
    }
  }
  const reports = clusters.map((cluster) => ({ ...cluster, entriesRegistered: entriesPerCluster.get(cluster.name) ?? 0 }));
  return {
    entries,
    identities: input.identities.map((identity) => ({
      name: identity.metadata.name,
      stats: statsByName.get(identity.metadata.name) ?? { clustersTargeted: 0, namespacesFound: 0, podsSelected: 0, entriesRegistered: 0, entriesMasked: 0, renderFailures: 0 },
    })),
    clusters: reports,
    errors,
    keepIdPrefixes: [...reports.filter((cluster) => cluster.state === 'unsynced').map((cluster) => cluster.entryIdPrefix), ...keptForBrokenIdentities],
    keepPodUids: [...failedPods].sort(),
  };
}

/** Renders the entries of one synced cluster into `desired`; returns the number of namespaces not ignored. */
function planCluster(
  registry: EKSClusterRegistry,
  snapshot: ClusterSnapshot,
  clusterIdPrefix: string,
  identities: readonly PlannedIdentity[],
  config: ControllerManagerConfig,
  desired: DesiredEntries,
  errors: PlanError[],
  failedPods: Set<string>,
): number {
  const cluster = registry.metadata.name;
  const allowed = new Map<string, boolean>();
  const isAllowed = (namespace: string): boolean => {
    let answer = allowed.get(namespace);
    if (answer === undefined) allowed.set(namespace, (answer = namespaceAllowed(namespace, config.ignoreNamespaces)));
    return answer;
  };
  let namespaceCount = 0;
  for (const namespace of snapshot.namespaces.keys()) if (isAllowed(namespace)) namespaceCount++;
  for (const { identity, stats } of identities) {
    const namespace = identity.spec.namespace;
    stats.namespacesFound += namespace === undefined ? namespaceCount : snapshot.namespaces.has(namespace) && isAllowed(namespace) ? 1 : 0;
  }

  const clusterContext = new ClusterContext(cluster, clusterFacts(registry, config), () => snapshot.endpointSlices);
  const sources = new Map<string, EntrySource>(identities.map((planned) => [planned.name, { identity: planned.name, cluster, clusterIdPrefix }]));
  const stats = new Map(identities.map((planned) => [planned.name, planned.stats]));
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
  return namespaceCount;
}
