import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { everything, matchesLabels } from '../api/v1alpha1/label-selector.ts';
import type { ClusterEndpointSlice, ClusterNamespace, ClusterNode, ClusterPod } from '../identity/cluster-objects.ts';
import { renderEntry, type RenderedEntry, type RenderInputs, type RenderOutcome } from '../identity/render-entry.ts';
import { serviceDnsNames, servicesByPod, type ServicesByPod } from '../identity/service-dns-names.ts';
import { nodeTemplateParts, podTemplateParts, templateData, type ClusterFacts, type NodeTemplateParts, type PodTemplateParts } from '../identity/template-data.ts';
import { podUidSelector } from '../identity/workload-selector.ts';
import type { Selector } from '../spire/entry.ts';
import type { CompiledIdentity } from './compile-identities.ts';
import { identitySelectsPod } from './selection.ts';

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
 * What the pods of one cluster share: its name and facts, its nodes' template data, its Services, its
 * namespaces (for namespace selectors). The Services index is built on first use from `endpointSlices`;
 * make a new context when they change.
 */
export class ClusterContext {
  /** The EKSClusterRegistry's name. */
  readonly name: string;
  readonly facts: ClusterFacts;
  readonly #endpointSlices: () => Iterable<ClusterEndpointSlice>;
  /** The namespace of this name, undefined when the cluster does not know it. */
  readonly namespace: (name: string) => ClusterNamespace | undefined;
  // Weak: a node's parts go with the node object when an update replaces it.
  readonly #nodeParts = new WeakMap<ClusterNode, NodeTemplateParts>();
  #services: ServicesByPod | undefined;

  constructor(name: string, facts: ClusterFacts, endpointSlices: () => Iterable<ClusterEndpointSlice>, namespace: (name: string) => ClusterNamespace | undefined) {
    this.name = name;
    this.facts = facts;
    this.#endpointSlices = endpointSlices;
    this.namespace = namespace;
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

/** Whether the compiled identity selects the pod: as its WorkloadIdentity does, its own rule, and its namespace selector. */
function selects(cluster: ClusterContext, compiled: CompiledIdentity, pod: ClusterPod): boolean {
  if (!identitySelectsPod(compiled.identity, pod) || (compiled.selects !== undefined && !compiled.selects(pod))) return false;
  const selector = compiled.identity.spec.namespaceSelector;
  if (selector === everything) return true;
  const namespace = cluster.namespace(pod.namespace);
  // As spire-controller-manager, which lists the namespaces first: a namespace not known selects nothing.
  return namespace !== undefined && matchesLabels(selector, namespace.labels);
}

/**
 * Renders the entries that `identities` (those targeting the pod's cluster, in age order) want for one
 * pod: the one way the project renders, shared by planEntries and the controller's incremental state
 * (fleet-state.ts). The pod must be eligible and in an allowed namespace; `node` is its node, undefined
 * when the cluster does not know it (a failure of every identity that selects the pod). Fallback
 * identities come last and select the pod only when no other identity did.
 */
export function renderPod(cluster: ClusterContext, pod: ClusterPod, node: ClusterNode | undefined, identities: readonly CompiledIdentity[], sink: PodRenderSink): void {
  let context: PodContext | undefined;
  let selectedByOthers = false;
  let fallbacks: CompiledIdentity[] | undefined;
  const render = (compiled: CompiledIdentity): void => {
    const { identity } = compiled;
    sink.selected(compiled);
    if (node === undefined) {
      sink.failed(compiled, `${compiled.title}: cluster ${cluster.name}: pod ${pod.namespace}/${pod.name}: node ${JSON.stringify(pod.nodeName)} of the pod is unknown in the cluster`);
      return;
    }
    const where = `${compiled.title}: cluster ${cluster.name}: pod ${pod.namespace}/${pod.name}`;
    // Whatever goes wrong here fails this pod for this identity only, never the caller's reconciliation.
    let outcome: RenderOutcome;
    try {
      context ??= new PodContext(cluster, pod, node);
      outcome = renderEntry(identity, compiled.templates, context.data(identity.spec.applicationName), context);
    } catch (error) {
      sink.failed(compiled, `${where}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (outcome.ok) sink.rendered(compiled, outcome.entry);
    else sink.failed(compiled, `${where}: ${outcome.failure.field}: ${outcome.failure.problem}`);
  };
  for (const compiled of identities) {
    if (compiled.identity.spec.fallback) (fallbacks ??= []).push(compiled);
    else if (selects(cluster, compiled, pod)) {
      selectedByOthers = true;
      render(compiled);
    }
  }
  if (selectedByOthers || fallbacks === undefined) return;
  for (const compiled of fallbacks) if (selects(cluster, compiled, pod)) render(compiled);
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
