import type { ClusterEndpointSlice, ClusterNamespace, ClusterNode, ClusterPod } from '../../src/identity/cluster-objects.ts';
import type { ClusterSnapshot } from '../../src/identity/cluster-snapshot.ts';
import type { ClusterObjects } from '../../src/reconcile/fleet-state.ts';
import { sampleNamespace, sampleNode } from '../fixtures/fleet-objects.ts';

/**
 * A synced workload cluster's objects in memory, what the informers' caches would hold: pods by
 * `namespace/name`, nodes and namespaces by name, endpoint slices by any key. Tests change the maps directly.
 */
export class MemoryCluster implements ClusterObjects {
  readonly pods = new Map<string, ClusterPod>();
  readonly nodes = new Map<string, ClusterNode>();
  readonly namespaces = new Map<string, ClusterNamespace>();
  readonly slices = new Map<string, ClusterEndpointSlice>();

  /** With `nodes` (default one, `node-a`) and `namespaces` (default `shop`). */
  constructor(options: { nodes?: readonly string[]; namespaces?: readonly string[] } = {}) {
    for (const name of options.nodes ?? ['node-a']) this.nodes.set(name, sampleNode(name));
    for (const name of options.namespaces ?? ['shop']) this.namespaces.set(name, sampleNamespace(name));
  }

  /** Adds the pod, and its namespace if the cluster has none of that name. */
  addPod(pod: ClusterPod): void {
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    if (!this.namespaces.has(pod.namespace)) this.namespaces.set(pod.namespace, sampleNamespace(pod.namespace));
  }

  pod(key: string): ClusterPod | undefined {
    return this.pods.get(key);
  }
  podKeys(): Iterable<string> {
    return this.pods.keys();
  }
  podKeysOnNode(nodeName: string): Iterable<string> {
    return [...this.pods].filter(([, pod]) => pod.nodeName === nodeName).map(([key]) => key);
  }
  podKeysInNamespace(namespace: string): Iterable<string> {
    return [...this.pods].filter(([, pod]) => pod.namespace === namespace).map(([key]) => key);
  }
  node(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }
  namespaceNames(): Iterable<string> {
    return this.namespaces.keys();
  }
  hasNamespace(name: string): boolean {
    return this.namespaces.has(name);
  }
  namespace(name: string): ClusterNamespace | undefined {
    return this.namespaces.get(name);
  }
  endpointSlices(): Iterable<ClusterEndpointSlice> {
    return this.slices.values();
  }

  /** The same objects as the snapshot `plan` reads, for comparing the incremental state with planEntries. */
  snapshot(): ClusterSnapshot {
    return { pods: [...this.pods.values()], nodes: new Map(this.nodes), namespaces: new Map(this.namespaces), endpointSlices: [...this.slices.values()] };
  }
}
