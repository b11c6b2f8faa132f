import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { matchesLabels, type LabelSelector } from '../api/v1alpha1/label-selector.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { ClusterEndpointSlice, ClusterNamespace, ClusterNode, ClusterPod } from '../identity/cluster-objects.ts';
import { clusterEntryIdPrefix, entryId, keyDigestLength } from '../identity/entry-id.ts';
import { compileNodeAliasTemplate } from '../identity/node-alias.ts';
import type { RenderedEntry } from '../identity/render-entry.ts';
import { templateReach, type TemplateReach } from '../identity/template-reach.ts';
import { actsOnClass, clusterSPIFFEIDAsIdentity, clusterSPIFFEIDSourceName } from './cluster-spiffeid-identity.ts';
import { compileIdentities, type CompiledIdentity } from './compile-identities.ts';
import { clusterState, countEntry, countTargetedCluster, keepPodEntryIdPrefixes, zeroStats, type ClusterReport, type IdentityReport, type MutableStats } from './fleet-reports.ts';
import type { PlannedEntry } from './planned-entry.ts';
import { ClusterContext, clusterFacts, renderPod, type PodRenderSink } from './render-pod.ts';
import { identityTargetsCluster, namespaceFilter, podEligible, unmanagedReason } from './selection.ts';
import { sourceRanks } from './source-ranks.ts';
import { clusterSpiffeIdEntries, nodeAliasSource, spiffeIdSourceName, type SpiffeIdObject, type SpiffeIdSource } from './spiffe-id-entries.ts';
import { spiffeIdClusterEntry, type SpiffeIdReport } from './spiffe-id-reports.ts';
import type { CompiledTemplate } from '../template/index.ts';
import { sameEntryValues, sameList } from '../spire/entry-message.ts';

/**
 * What the state reads of one synced cluster: the controller's informer caches, or a snapshot. Pod keys
 * are `namespace/name`.
 */
export interface ClusterObjects {
  pod(key: string): ClusterPod | undefined;
  podKeys(): Iterable<string>;
  podKeysOnNode(nodeName: string): Iterable<string>;
  podKeysInNamespace(namespace: string): Iterable<string>;
  node(name: string): ClusterNode | undefined;
  namespaceNames(): Iterable<string>;
  hasNamespace(name: string): boolean;
  namespace(name: string): ClusterNamespace | undefined;
  endpointSlices(): Iterable<ClusterEndpointSlice>;
}

/** One identity's wish for one entry key, from one pod. */
interface Contribution {
  readonly identity: string;
  readonly cluster: ClusterState;
  readonly entry: RenderedEntry;
  /**
   * The entry's ID when this contribution wins, made once: a full reconciliation looks up every entry by
   * ID, and an ID made anew each time is a new string to hash.
   */
  readonly id: string;
}

function contribution(identity: string, cluster: ClusterState, entry: RenderedEntry): Contribution {
  return { identity, cluster, entry, id: entryId(cluster.prefix, entry.digest) };
}

/** What the identities rendered for one pod. */
interface PodState {
  readonly uid: string;
  readonly contributions: readonly Contribution[];
  readonly selectedBy: readonly string[];
  readonly failures: readonly { readonly identity: string; readonly message: string }[];
}

interface ClusterState {
  registry: EKSClusterRegistry;
  readonly name: string;
  readonly prefix: string;
  /** Registration order: breaks ties between clusters as planEntries does. */
  readonly order: number;
  managed: boolean;
  objects: ClusterObjects | undefined;
  context: ClusterContext | undefined;
  /** The identities that target the cluster, in age order (compiled ones only). */
  targeting: CompiledIdentity[];
  readonly pods: Map<string, PodState>;
  /** The entries of the ClusterSpiffeIDs and SpiffeIDs that target the cluster, by source, and its node alias. */
  readonly spiffeIds: Map<string, Contribution>;
  alias: Contribution | undefined;
  /** Sources whose entry could not be made here, with why. */
  readonly spiffeIdFailures: Map<string, string>;
}

/** A render failure of one pod, for events and logs. */
export interface PodRenderFailure {
  readonly cluster: string;
  /** `namespace/name`. */
  readonly pod: string;
  readonly identity: string;
  readonly message: string;
}

const none: readonly never[] = Object.freeze([]);

/**
 * The state as kept, for as long as the pod lives: arrays grown by push keep room for 16 more elements,
 * about 130 bytes each, in three arrays per pod of a fleet of tens of thousands; exact copies and one
 * shared empty array instead.
 */
function compactPodState(state: PodState): PodState {
  const exact = <T,>(items: readonly T[]): readonly T[] => (items.length === 0 ? none : items.slice());
  return { uid: state.uid, contributions: exact(state.contributions), selectedBy: exact(state.selectedBy), failures: exact(state.failures) };
}

const identityOf = (contribution: Contribution): string => contribution.identity;

/** Whether two renderings of a pod are the same: the same identities, failures and entries, in order. */
function samePodState(a: PodState, b: PodState): boolean {
  return (
    a.uid === b.uid &&
    sameList(a.selectedBy, b.selectedBy, Object.is) &&
    sameList(a.failures, b.failures, (x, y) => x.identity === y.identity && x.message === y.message) &&
    sameList(a.contributions, b.contributions, (x, y) => x.identity === y.identity && x.cluster === y.cluster && sameRendered(x.entry, y.entry))
  );
}

function sameRendered(a: RenderedEntry, b: RenderedEntry): boolean {
  return a.digest === b.digest && sameEntryValues(a, b);
}

/**
 * The desired state of the fleet, kept incrementally: every change re-renders only the pods it can
 * affect and returns the IDs of the entries whose desired state may have changed (a superset: an ID
 * whose entry came out the same costs a comparison, never a write). Pure: no I/O; the cluster objects
 * are read through `ClusterObjects`. At any time it equals planEntries over the same inputs (entries,
 * stats, keep rules): fleet-state.test.ts checks that over random sequences of changes.
 */
export class FleetState {
  readonly config: ControllerManagerConfig;
  readonly #clusters = new Map<string, ClusterState>();
  readonly #identities = new Map<string, WorkloadIdentity>();
  /** ClusterSPIFFEIDs of this class by source name, in the order first set. */
  readonly #clusterSPIFFEIDs = new Map<string, ClusterSPIFFEID>();
  /** ClusterSpiffeIDs and SpiffeIDs by source name, in the order first set. */
  readonly #spiffeIds = new Map<string, SpiffeIdSource>();
  readonly #aliasTemplate: CompiledTemplate;
  #compiled: CompiledIdentity[] = [];
  #rank = new Map<string, number>();
  #broken: WorkloadIdentity[] = [];
  /** By identity name: why its templates do not compile. */
  #identityErrors = new Map<string, string>();
  /** Contributions by entry key digest, the winner (lowest rank, then earliest cluster) first. */
  readonly #byDigest = new Map<string, Contribution[]>();
  /** UIDs of pods with a render failure, with how many pod states name them. */
  readonly #failedPods = new Map<string, number>();
  // Registries whose object is invalid: their intent is unknown, so their entries all stay.
  readonly #heldClusters = new Set<string>();
  readonly #isAllowed: (namespace: string) => boolean;
  #clusterOrder = 0;

  constructor(config: ControllerManagerConfig) {
    this.config = config;
    this.#isAllowed = namespaceFilter(config.ignoreNamespaces);
    this.#aliasTemplate = compileNodeAliasTemplate(config.nodeAliasIDTemplate);
    // The pod controller's identity, when it is on, is there before any WorkloadIdentity.
    this.#compiled = compileIdentities([], config).compiled;
    this.#rankSources();
  }

  // ---- changes -------------------------------------------------------------------------------

  /** Adds or replaces a registry: re-renders its cluster's pods. */
  setRegistry(registry: EKSClusterRegistry): Set<string> {
    const name = registry.metadata.name;
    const changed = new Set<string>();
    let cluster = this.#clusters.get(name);
    if (cluster === undefined) {
      cluster = {
        registry,
        name,
        prefix: clusterEntryIdPrefix(this.config.entryIDPrefix, name),
        order: this.#clusterOrder++,
        managed: false,
        objects: undefined,
        context: undefined,
        targeting: [],
        pods: new Map(),
        spiffeIds: new Map(),
        alias: undefined,
        spiffeIdFailures: new Map(),
      };
      this.#clusters.set(name, cluster);
    }
    cluster.registry = registry;
    cluster.managed = unmanagedReason(registry, this.config.aws) === undefined;
    cluster.context = undefined;
    cluster.targeting = this.#compiled.filter((identity) => identityTargetsCluster(identity.identity, registry));
    this.#rerenderCluster(cluster, changed);
    this.#refreshSpiffeIds(cluster, changed);
    return changed;
  }

  /** Removes a registry: its entries leave the desired state (and are deleted: it is no longer managed). */
  /**
   * Keeps every entry of the registry `name` (while its object is invalid: what it wants is unknown,
   * and a failure never deletes entries) until `releaseRegistry`.
   */
  holdRegistry(name: string): void {
    this.#heldClusters.add(name);
  }

  releaseRegistry(name: string): void {
    this.#heldClusters.delete(name);
  }

  removeRegistry(name: string): Set<string> {
    const changed = new Set<string>();
    const cluster = this.#clusters.get(name);
    if (cluster === undefined) return changed;
    for (const key of [...cluster.pods.keys()]) this.#dropPod(cluster, key, changed);
    this.#dropSpiffeIds(cluster, changed);
    this.#clusters.delete(name);
    return changed;
  }

  /**
   * The cluster's objects once its caches are synced, or undefined while they are not (never synced,
   * or lost): then its entries are all kept, whatever the desired state says.
   */
  setClusterObjects(name: string, objects: ClusterObjects | undefined): Set<string> {
    const changed = new Set<string>();
    const cluster = this.#clusters.get(name);
    if (cluster === undefined) return changed;
    cluster.objects = objects;
    cluster.context = undefined;
    this.#rerenderCluster(cluster, changed);
    return changed;
  }

  /** Adds or replaces an identity: re-renders the pods of the clusters it targets or targeted. */
  setIdentity(identity: WorkloadIdentity): Set<string> {
    // One of another controller class is that controller's.
    if (!actsOnClass(identity.spec.className, this.config)) return this.removeIdentity(identity.metadata.name);
    const old = this.#identities.get(identity.metadata.name);
    this.#identities.set(identity.metadata.name, identity);
    return this.#identityChanged(old, identity);
  }

  removeIdentity(name: string): Set<string> {
    const old = this.#identities.get(name);
    if (old === undefined) return new Set();
    this.#identities.delete(name);
    return this.#identityChanged(old, undefined);
  }

  /**
   * Adds or replaces a ClusterSPIFFEID: re-renders the pods of the clusters it targets or targeted. One of
   * another controller class is removed.
   */
  setClusterSPIFFEID(object: ClusterSPIFFEID): Set<string> {
    const name = clusterSPIFFEIDSourceName(object.metadata.name);
    if (!actsOnClass(object.spec.className, this.config)) return this.removeClusterSPIFFEID(object.metadata.name);
    const old = this.#clusterSPIFFEIDs.get(name);
    this.#clusterSPIFFEIDs.set(name, object);
    return this.#identityChanged(old === undefined ? undefined : clusterSPIFFEIDAsIdentity(old), clusterSPIFFEIDAsIdentity(object));
  }

  /** Removes the ClusterSPIFFEID of this (object) name. */
  removeClusterSPIFFEID(name: string): Set<string> {
    const source = clusterSPIFFEIDSourceName(name);
    const old = this.#clusterSPIFFEIDs.get(source);
    if (old === undefined) return new Set();
    this.#clusterSPIFFEIDs.delete(source);
    return this.#identityChanged(clusterSPIFFEIDAsIdentity(old), undefined);
  }

  /**
   * Adds or replaces a ClusterSpiffeID, SpiffeID or ClusterStaticEntry: its entries in every cluster it
   * targets or targeted. A ClusterStaticEntry of another controller class is removed.
   */
  setSpiffeId(object: SpiffeIdObject): Set<string> {
    const name = spiffeIdSourceName(object);
    if (object.kind === 'ClusterStaticEntry' && !actsOnClass(object.spec.className, this.config)) return this.removeSpiffeId(name);
    this.#spiffeIds.set(name, { name, object });
    return this.#spiffeIdsChanged();
  }

  /** Removes the ClusterSpiffeID, SpiffeID or ClusterStaticEntry of this source name (spiffeIdSourceName). */
  removeSpiffeId(name: string): Set<string> {
    if (!this.#spiffeIds.delete(name)) return new Set();
    return this.#spiffeIdsChanged();
  }

  /** The pod `podKey` was added, changed or deleted in `cluster`'s cache. */
  podChanged(cluster: string, podKey: string): Set<string> {
    const changed = new Set<string>();
    const state = this.#clusters.get(cluster);
    if (state !== undefined) this.#rerenderPods(state, [podKey], changed);
    return changed;
  }

  /** The node was added, changed or deleted: its pods are re-rendered. */
  nodeChanged(cluster: string, nodeName: string): Set<string> {
    const changed = new Set<string>();
    const state = this.#clusters.get(cluster);
    if (state?.objects !== undefined) this.#rerenderPods(state, [...state.objects.podKeysOnNode(nodeName)], changed);
    return changed;
  }

  /** The namespace was added, changed or deleted: its pods are re-rendered. */
  namespaceChanged(cluster: string, namespace: string): Set<string> {
    const changed = new Set<string>();
    const state = this.#clusters.get(cluster);
    if (state?.objects !== undefined) this.#rerenderPods(state, this.#podKeysIn(state, namespace), changed);
    return changed;
  }

  /** An EndpointSlice of `namespace` changed: the pods of the namespace are re-rendered if an identity auto-populates DNS names. */
  endpointSlicesChanged(cluster: string, namespace: string): Set<string> {
    const changed = new Set<string>();
    const state = this.#clusters.get(cluster);
    if (state?.objects === undefined) return changed;
    state.context = undefined;
    if (state.targeting.some((identity) => identity.identity.spec.autoPopulateDNSNames)) this.#rerenderPods(state, this.#podKeysIn(state, namespace), changed);
    return changed;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The desired entry with this ID, or undefined if none is wanted. */
  entry(id: string): PlannedEntry | undefined {
    const digest = id.slice(-keyDigestLength);
    const contributions = this.#byDigest.get(digest);
    return contributions?.[0]?.id === id ? this.#planned(contributions) : undefined;
  }

  /** Every desired entry, in no particular order. */
  *entries(): IterableIterator<PlannedEntry> {
    for (const contributions of this.#byDigest.values()) yield this.#planned(contributions);
  }

  get entryCount(): number {
    return this.#byDigest.size;
  }

  /** As planEntries' keepIdPrefixes, and the prefixes of held (invalid) registries. */
  keepIdPrefixes(): string[] {
    const held = [...this.#heldClusters].map((name) => this.clusterIdPrefix(name));
    const aliasFailed = [...this.#clusters.values()].filter((cluster) => cluster.spiffeIdFailures.size > 0).map((cluster) => cluster.prefix);
    return [...held, ...aliasFailed];
  }

  /** As planEntries' keepPodEntryIdPrefixes. */
  keepPodEntryIdPrefixes(): string[] {
    const clusters = [...this.#clusters.values()].map((cluster) => ({ registry: cluster.registry, entryIdPrefix: cluster.prefix, state: this.#stateOf(cluster) }));
    return keepPodEntryIdPrefixes(clusters, this.#broken);
  }

  /** As planEntries' keepPodUids (sorted). */
  keepPodUids(): string[] {
    return [...this.#failedPods.keys()].sort();
  }

  /** The ID prefix of the entries of `cluster`. */
  clusterIdPrefix(cluster: string): string {
    return clusterEntryIdPrefix(this.config.entryIDPrefix, cluster);
  }

  /** Why the identity's templates do not compile, or undefined when they do. */
  identityError(name: string): string | undefined {
    return this.#identityErrors.get(name);
  }

  /** Render failures of the pods of `cluster` (every cluster when undefined). */
  renderFailures(cluster?: string): PodRenderFailure[] {
    const failures: PodRenderFailure[] = [];
    for (const state of this.#clusters.values()) {
      if (cluster !== undefined && state.name !== cluster) continue;
      for (const [pod, podState] of state.pods) for (const failure of podState.failures) failures.push({ cluster: state.name, pod, ...failure });
    }
    return failures;
  }

  /** Per-identity stats, in the order identities were first set, as planEntries reports them. */
  identityReports(): IdentityReport[] {
    const stats = this.#stats();
    return [...this.#identities.keys()].map((name) => ({ name, stats: stats.get(name) ?? zeroStats() }));
  }

  /** Per-ClusterSPIFFEID stats (by source name), in the order first set, as planEntries reports them. */
  clusterSPIFFEIDReports(): IdentityReport[] {
    const stats = this.#stats();
    return [...this.#clusterSPIFFEIDs.keys()].map((name) => ({ name, stats: stats.get(name) ?? zeroStats() }));
  }

  /** The stats of every compiled identity, ClusterSPIFFEIDs included. */
  #stats(): Map<string, MutableStats> {
    const stats = new Map<string, MutableStats>();
    for (const identity of this.#compiled) stats.set(identity.name, zeroStats());
    for (const cluster of this.#clusters.values()) {
      if (!cluster.managed) continue;
      const objects = cluster.objects;
      const counted = objects !== undefined && cluster.targeting.length > 0;
      const namespaces = counted
        ? {
            count: this.#namespaceCount(objects),
            has: (namespace: string) => objects.hasNamespace(namespace) && this.#isAllowed(namespace),
            matching: (selector: LabelSelector, only?: string) => {
              let count = 0;
              for (const name of only === undefined ? objects.namespaceNames() : [only]) {
                const namespace = objects.namespace(name);
                if (namespace !== undefined && this.#isAllowed(name) && matchesLabels(selector, namespace.labels)) count++;
              }
              return count;
            },
          }
        : undefined;
      countTargetedCluster(stats, cluster.targeting, namespaces);
      for (const pod of cluster.pods.values()) {
        for (const name of pod.selectedBy) (stats.get(name) as MutableStats).podsSelected++;
        for (const failure of pod.failures) (stats.get(failure.identity) as MutableStats).renderFailures++;
      }
    }
    for (const contributions of this.#byDigest.values()) countEntry(stats, contributions, identityOf);
    return stats;
  }

  /** Per ClusterSpiffeID, SpiffeID and ClusterStaticEntry, in the order first set, as planEntries reports them. */
  spiffeIdReports(): SpiffeIdReport[] {
    return [...this.#spiffeIds.keys()].map((name) => {
      const clusters = [];
      for (const cluster of this.#clusters.values()) {
        const contribution = cluster.spiffeIds.get(name);
        const failure = cluster.spiffeIdFailures.get(name);
        if (contribution === undefined && failure === undefined) continue;
        const winner = contribution === undefined ? undefined : this.#byDigest.get(contribution.entry.digest)?.[0];
        const entryWinner = winner === undefined || contribution === undefined ? undefined : { id: winner.id, source: winner.identity };
        clusters.push(spiffeIdClusterEntry(cluster.name, name, entryWinner, failure));
      }
      return { name, clusters };
    });
  }

  /** Per-cluster reports, in the order registries were first set, as planEntries reports them. */
  clusterReports(): ClusterReport[] {
    const entries = new Map<string, number>();
    for (const contributions of this.#byDigest.values()) {
      const winner = (contributions[0] as Contribution).cluster.name;
      entries.set(winner, (entries.get(winner) ?? 0) + 1);
    }
    return [...this.#clusters.values()].map((cluster) => ({
      name: cluster.name,
      clusterName: cluster.registry.spec.clusterName,
      entryIdPrefix: cluster.prefix,
      state: this.#stateOf(cluster),
      namespacesCount: cluster.managed && cluster.objects !== undefined ? this.#namespaceCount(cluster.objects) : 0,
      entriesRegistered: entries.get(cluster.name) ?? 0,
    }));
  }

  /** What the templates of the identities that target the cluster reach of its pods and nodes (its informers keep that). */
  templateReach(cluster: string): TemplateReach {
    const targeting = this.#clusters.get(cluster)?.targeting ?? [];
    return templateReach(targeting.flatMap(({ templates: t }) => [t.spiffeId, t.parentId, ...t.selectors, ...t.dnsNames].map((field) => field.template)));
  }

  /** Whether an identity that targets the cluster auto-populates DNS names, and so reads its EndpointSlices. */
  readsEndpointSlices(cluster: string): boolean {
    return this.#clusters.get(cluster)?.targeting.some((compiled) => compiled.identity.spec.autoPopulateDNSNames) ?? false;
  }

  // ---- internals -----------------------------------------------------------------------------

  #identityChanged(old: WorkloadIdentity | undefined, current: WorkloadIdentity | undefined): Set<string> {
    const changed = new Set<string>();
    const compiled = compileIdentities(this.#identities.values(), this.config, this.#clusterSPIFFEIDs.values());
    this.#compiled = compiled.compiled;
    this.#rankSources();
    this.#broken = compiled.broken;
    this.#identityErrors = new Map(compiled.errors.map((error) => [error.identity, error.message]));
    for (const cluster of this.#clusters.values()) {
      cluster.targeting = this.#compiled.filter((identity) => identityTargetsCluster(identity.identity, cluster.registry));
      const before = old !== undefined && identityTargetsCluster(old, cluster.registry);
      const after = current !== undefined && identityTargetsCluster(current, cluster.registry);
      if (!before && !after) continue;
      if (!cluster.managed || cluster.objects === undefined) {
        this.#rerenderCluster(cluster, changed);
        continue;
      }
      // An identity limited to a namespace affects only the pods of that namespace (before and after).
      const namespaces = [old, current].filter((identity) => identity !== undefined).map((identity) => identity.spec.namespace);
      if (namespaces.includes(undefined)) this.#rerenderCluster(cluster, changed);
      else for (const namespace of new Set(namespaces)) this.#rerenderPods(cluster, this.#podKeysIn(cluster, namespace as string), changed);
    }
    return changed;
  }

  /** Ranks every source by age, over all kinds (sourceRanks). */
  #rankSources(): void {
    this.#rank = sourceRanks([
      ...this.#compiled.map((identity) => ({ name: identity.name, creationTimestamp: identity.identity.metadata.creationTimestamp })),
      ...[...this.#spiffeIds.values()].map((source) => ({ name: source.name, creationTimestamp: source.object.metadata.creationTimestamp })),
    ]);
  }

  #spiffeIdsChanged(): Set<string> {
    const changed = new Set<string>();
    this.#rankSources();
    for (const cluster of this.#clusters.values()) this.#refreshSpiffeIds(cluster, changed);
    return changed;
  }

  /** Makes the cluster's SpiffeID entries and node alias again (all of them: they are one per source, not per pod). */
  #refreshSpiffeIds(cluster: ClusterState, changed: Set<string>): void {
    this.#dropSpiffeIds(cluster, changed);
    if (!cluster.managed || this.#spiffeIds.size === 0) return;
    const declared = clusterSpiffeIdEntries(cluster.registry, this.#spiffeIds.values(), this.#aliasTemplate, this.config.trustDomain);
    for (const { source, entry } of declared.wanted) {
      const made = contribution(source, cluster, entry);
      cluster.spiffeIds.set(source, made);
      this.#addContribution(made, changed);
    }
    if (declared.alias !== undefined) {
      cluster.alias = contribution(nodeAliasSource, cluster, declared.alias);
      this.#addContribution(cluster.alias, changed);
    }
    for (const { source, message } of declared.failed) cluster.spiffeIdFailures.set(source, message);
  }

  #dropSpiffeIds(cluster: ClusterState, changed: Set<string>): void {
    for (const contribution of cluster.spiffeIds.values()) this.#removeContribution(contribution, changed);
    if (cluster.alias !== undefined) this.#removeContribution(cluster.alias, changed);
    cluster.spiffeIds.clear();
    cluster.alias = undefined;
    cluster.spiffeIdFailures.clear();
  }

  #podKeysIn(cluster: ClusterState, namespace: string): string[] {
    const keys = new Set(cluster.objects === undefined ? [] : cluster.objects.podKeysInNamespace(namespace));
    // Pods rendered before and gone from the cache since.
    for (const key of cluster.pods.keys()) if (key.startsWith(`${namespace}/`)) keys.add(key);
    return [...keys];
  }

  #rerenderCluster(cluster: ClusterState, changed: Set<string>): void {
    const keys = new Set(cluster.pods.keys());
    if (cluster.managed && cluster.objects !== undefined) for (const key of cluster.objects.podKeys()) keys.add(key);
    this.#rerenderPods(cluster, keys, changed);
  }

  #rerenderPods(cluster: ClusterState, keys: Iterable<string>, changed: Set<string>): void {
    for (const key of keys) {
      const rendered = this.#podRendered(cluster, key);
      const held = cluster.pods.get(key);
      // A pod that renders as before keeps what it holds: re-rendering the fleet (each resync)
      // would otherwise replace the whole long-lived state at once, for the garbage collector to sweep.
      if (held !== undefined && rendered !== undefined && samePodState(held, rendered)) continue;
      this.#dropPod(cluster, key, changed);
      if (rendered !== undefined) this.#addPod(cluster, key, rendered, changed);
    }
  }

  #dropPod(cluster: ClusterState, key: string, changed: Set<string>): void {
    const state = cluster.pods.get(key);
    if (state === undefined) return;
    cluster.pods.delete(key);
    for (const contribution of state.contributions) this.#removeContribution(contribution, changed);
    if (state.failures.length > 0) {
      const count = (this.#failedPods.get(state.uid) ?? 1) - 1;
      if (count === 0) this.#failedPods.delete(state.uid);
      else this.#failedPods.set(state.uid, count);
    }
  }

  /** What the identities render for the pod, or undefined when none selects it. */
  #podRendered(cluster: ClusterState, key: string): PodState | undefined {
    const objects = cluster.objects;
    if (!cluster.managed || objects === undefined || cluster.targeting.length === 0) return undefined;
    const pod = objects.pod(key);
    if (pod === undefined || !podEligible(pod) || !this.#isAllowed(pod.namespace)) return undefined;
    cluster.context ??= new ClusterContext(cluster.name, clusterFacts(cluster.registry, this.config), () => objects.endpointSlices(), (name) => objects.namespace(name));
    const state = { uid: pod.uid, contributions: [] as Contribution[], selectedBy: [] as string[], failures: [] as PodState['failures'][number][] };
    const sink: PodRenderSink = {
      selected: (identity) => void state.selectedBy.push(identity.name),
      rendered: (identity, entry) => void state.contributions.push(contribution(identity.name, cluster, entry)),
      failed: (identity, message) => void state.failures.push({ identity: identity.name, message }),
    };
    renderPod(cluster.context, pod, objects.node(pod.nodeName), cluster.targeting, sink);
    return state.selectedBy.length === 0 ? undefined : compactPodState(state);
  }

  #addPod(cluster: ClusterState, key: string, state: PodState, changed: Set<string>): void {
    cluster.pods.set(key, state);
    if (state.failures.length > 0) this.#failedPods.set(state.uid, (this.#failedPods.get(state.uid) ?? 0) + 1);
    for (const contribution of state.contributions) this.#addContribution(contribution, changed);
  }

  #addContribution(contribution: Contribution, changed: Set<string>): void {
    const { digest } = contribution.entry;
    this.#touch(digest, changed);
    const list = this.#byDigest.get(digest);
    if (list === undefined) this.#byDigest.set(digest, [contribution]);
    else this.#byDigest.set(digest, [...list, contribution].sort((a, b) => this.#compareContributions(a, b)));
    this.#touch(digest, changed);
  }

  #removeContribution(contribution: Contribution, changed: Set<string>): void {
    const { digest } = contribution.entry;
    const list = this.#byDigest.get(digest);
    if (list === undefined) return;
    this.#touch(digest, changed);
    const remaining = list.filter((c) => c !== contribution);
    if (remaining.length === 0) this.#byDigest.delete(digest);
    else {
      this.#byDigest.set(digest, remaining);
      this.#touch(digest, changed);
    }
  }

  #compareContributions(a: Contribution, b: Contribution): number {
    const byRank = (this.#rank.get(a.identity) ?? 0) - (this.#rank.get(b.identity) ?? 0);
    return byRank !== 0 ? byRank : a.cluster.order - b.cluster.order;
  }

  /** Adds the current ID of the entry with this digest, if any, to `changed`. */
  #touch(digest: string, changed: Set<string>): void {
    const winner = this.#byDigest.get(digest)?.[0];
    if (winner !== undefined) changed.add(winner.id);
  }

  #planned(contributions: readonly Contribution[]): PlannedEntry {
    const winner = contributions[0] as Contribution;
    const { entry } = winner;
    return {
      id: winner.id,
      spiffeId: entry.spiffeId,
      parentId: entry.parentId,
      selectors: entry.selectors,
      x509SvidTtl: entry.x509SvidTtl,
      jwtSvidTtl: entry.jwtSvidTtl,
      dnsNames: entry.dnsNames,
      federatesWith: entry.federatesWith,
      admin: entry.admin,
      downstream: entry.downstream,
      hint: entry.hint,
      cluster: winner.cluster.name,
      identities: contributions.length === 1 ? [winner.identity] : [...new Set(contributions.map((c) => c.identity))],
    };
  }

  #stateOf(cluster: ClusterState): ClusterReport['state'] {
    return clusterState(cluster.managed, cluster.objects !== undefined);
  }

  #namespaceCount(objects: ClusterObjects): number {
    let count = 0;
    for (const namespace of objects.namespaceNames()) if (this.#isAllowed(namespace)) count++;
    return count;
  }
}
