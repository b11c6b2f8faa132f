import type { ClusterEndpointSlice, ClusterNode, ClusterPod } from '../../src/identity/cluster-objects.ts';
import type { ClusterObjects } from '../../src/reconcile/fleet-state.ts';
import { sampleNode } from '../fixtures/fleet-objects.ts';

/** A synced workload cluster's objects in memory: pods by `namespace/name`, nodes, namespaces, slices. */
export class MemoryCluster implements ClusterObjects {
  readonly pods = new Map<string, ClusterPod>();
  readonly nodes = new Map<string, ClusterNode>();
  readonly namespaces = new Set<string>();
  readonly slices: ClusterEndpointSlice[] = [];

  /** With `nodes` (default one, `node-a`) and `namespaces` (default `shop`). */
  constructor(options: { nodes?: readonly string[]; namespaces?: readonly string[] } = {}) {
    for (const name of options.nodes ?? ['node-a']) this.nodes.set(name, sampleNode(name));
    for (const name of options.namespaces ?? ['shop']) this.namespaces.add(name);
  }

  addPod(pod: ClusterPod): void {
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    this.namespaces.add(pod.namespace);
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
    return this.namespaces;
  }
  hasNamespace(name: string): boolean {
    return this.namespaces.has(name);
  }
  endpointSlices(): Iterable<ClusterEndpointSlice> {
    return this.slices;
  }
}
