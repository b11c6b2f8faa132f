import {
  endpointSliceFromKubernetes,
  namespaceFromKubernetes,
  nodeFromKubernetes,
  podFromKubernetes,
  type ClusterEndpointSlice,
  type ClusterNamespace,
  type ClusterNode,
  type ClusterPod,
} from './cluster-objects.ts';
import { wholeReach } from './template-reach.ts';

/** What the engine knows of one workload cluster at one moment: the controller's caches, or a dump. */
export interface ClusterSnapshot {
  readonly pods: readonly ClusterPod[];
  /** By node name. */
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  /** By namespace name. */
  readonly namespaces: ReadonlyMap<string, ClusterNamespace>;
  readonly endpointSlices: readonly ClusterEndpointSlice[];
}

const converters: ReadonlyMap<string, (object: unknown, into: Collected) => void> = new Map([
  // A dump is read once: templates see every field of its pods and nodes.
  ['v1/Pod', (object, into) => into.pods.push(podFromKubernetes(object, wholeReach()))],
  [
    'v1/Node',
    (object, into) => {
      const node = nodeFromKubernetes(object, wholeReach());
      into.nodes.set(node.name, node);
    },
  ],
  [
    'v1/Namespace',
    (object, into) => {
      const namespace = namespaceFromKubernetes(object);
      into.namespaces.set(namespace.name, namespace);
    },
  ],
  ['discovery.k8s.io/v1/EndpointSlice', (object, into) => into.endpointSlices.push(endpointSliceFromKubernetes(object))],
] satisfies [string, (object: unknown, into: Collected) => void][]);

interface Collected {
  pods: ClusterPod[];
  nodes: Map<string, ClusterNode>;
  namespaces: Map<string, ClusterNamespace>;
  endpointSlices: ClusterEndpointSlice[];
}

/**
 * A snapshot from Kubernetes objects, e.g. the items of `kubectl get pods,nodes,namespaces,endpointslices
 * -A -o yaml`. Objects of other kinds are ignored, so a broader dump serves as well; each object that
 * cannot be read is one error and the rest still count.
 */
export function clusterSnapshotFromObjects(objects: Iterable<unknown>): { readonly snapshot: ClusterSnapshot; readonly errors: readonly string[] } {
  const collected: Collected = { pods: [], nodes: new Map(), namespaces: new Map(), endpointSlices: [] };
  const errors: string[] = [];
  for (const object of objects) {
    if (typeof object !== 'object' || object === null) continue;
    const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
    const convert = converters.get(`${String(apiVersion)}/${String(kind)}`);
    if (convert === undefined) continue;
    try {
      convert(object, collected);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  return { snapshot: collected, errors };
}
