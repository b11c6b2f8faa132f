// The registrar's view of a workload cluster's objects: only the fields the engine reads, so that the
// controller's caches of tens of thousands of pods stay small. Converters take the Kubernetes JSON of
// one object (as the API server or kubectl prints it) and throw an error naming the object and field.

import { nodeViewReach, podViewReach, templateObject } from './template-object.ts';
import type { Reach } from './template-reach.ts';

type Labels = Readonly<Record<string, string>>;

export interface ClusterPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generateName: string;
  readonly labels: Labels;
  /** Without `kubectl.kubernetes.io/last-applied-configuration`, a copy of the whole object. */
  readonly annotations: Labels;
  readonly serviceAccountName: string;
  /** Empty while the pod is not scheduled. */
  readonly nodeName: string;
  readonly hostname: string;
  readonly subdomain: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown` (empty if not reported yet). */
  readonly phase: string;
  /** Whether metadata.deletionTimestamp is set. */
  readonly terminating: boolean;
  /**
   * The pod's JSON pruned to what the current templates reach beyond the fields above
   * (template-reach.ts); absent when they reach no further, and templates then read the fields above.
   */
  readonly templateObject?: Readonly<Record<string, unknown>>;
}

export interface ClusterNode {
  readonly name: string;
  readonly uid: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** `aws:///<zone>/<instance-id>` on EKS. */
  readonly providerID: string;
  /** As ClusterPod's templateObject. */
  readonly templateObject?: Readonly<Record<string, unknown>>;
}

export interface ClusterNamespace {
  readonly name: string;
  readonly uid: string;
  readonly labels: Labels;
}

/** A pod that an EndpointSlice of a Service points at. */
export interface EndpointPodRef {
  readonly namespace: string;
  readonly name: string;
  /** Empty when the slice does not say. */
  readonly uid: string;
}

export interface ClusterEndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** From the `kubernetes.io/service-name` label; empty for a slice that belongs to no Service. */
  readonly serviceName: string;
  readonly pods: readonly EndpointPodRef[];
}

const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
const serviceNameLabel = 'kubernetes.io/service-name';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the fields of one object, naming it in every error. */
class ObjectReader {
  readonly where: string;
  constructor(where: string) {
    this.where = where;
  }

  fail(field: string, problem: string): never {
    throw new Error(`${this.where}: ${field}: ${problem}`);
  }

  record(value: unknown, field: string): Record<string, unknown> {
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) this.fail(field, 'expected a map');
    return value;
  }

  string(value: unknown, field: string, required = false): string {
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'required');
      return '';
    }
    if (typeof value !== 'string') this.fail(field, `expected a string, got ${typeof value}`);
    if (required && value === '') this.fail(field, 'required');
    return value;
  }

  stringMap(value: unknown, field: string, skip?: string): Labels {
    const map: Record<string, string> = {};
    for (const [key, item] of Object.entries(this.record(value, field))) {
      if (key === skip) continue;
      if (typeof item !== 'string') this.fail(`${field}.${key}`, `expected a string, got ${typeof item}`);
      map[key] = item;
    }
    return map;
  }
}

function metadataOf(object: unknown, kind: string): { reader: ObjectReader; metadata: Record<string, unknown> } {
  if (!isRecord(object)) throw new Error(`${kind}: expected an object`);
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '(unnamed)';
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? `${metadata.namespace}/` : '';
  return { reader: new ObjectReader(`${kind} ${namespace}${name}`), metadata };
}

/**
 * The engine's view of a Pod; with `reach` (templateReach of the current templates), also the JSON they
 * reach beyond the view (templateObject).
 */
export function podFromKubernetes(object: unknown, reach?: Reach): ClusterPod {
  const { reader, metadata } = metadataOf(object, 'Pod');
  const pod = object as Record<string, unknown>;
  const spec = reader.record(pod.spec, 'spec');
  const status = reader.record(pod.status, 'status');
  const labels = reader.stringMap(metadata.labels, 'metadata.labels');
  const annotations = reader.stringMap(metadata.annotations, 'metadata.annotations', lastAppliedAnnotation);
  const view: ClusterPod = {
    name: reader.string(metadata.name, 'metadata.name', true),
    namespace: reader.string(metadata.namespace, 'metadata.namespace', true),
    uid: reader.string(metadata.uid, 'metadata.uid', true),
    generateName: reader.string(metadata.generateName, 'metadata.generateName'),
    labels,
    annotations,
    serviceAccountName: reader.string(spec.serviceAccountName, 'spec.serviceAccountName'),
    nodeName: reader.string(spec.nodeName, 'spec.nodeName'),
    hostname: reader.string(spec.hostname, 'spec.hostname'),
    subdomain: reader.string(spec.subdomain, 'spec.subdomain'),
    phase: reader.string(status.phase, 'status.phase'),
    terminating: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
  };
  return withTemplateObject(view, object, reach, podViewReach);
}

/**
 * The view with the templateObject where templates reach beyond it, sharing the view's labels and
 * annotations (without the last-applied copy of the object). The view alone is built as before, so that
 * a pod of the seed's templates takes no more memory than it did.
 */
function withTemplateObject<T extends ClusterPod | ClusterNode>(view: T, object: unknown, reach: Reach | undefined, viewReach: Reach): T {
  const kept = reach === undefined ? undefined : templateObject(object, reach, viewReach);
  if (kept === undefined) return view;
  const { labels, annotations } = view;
  return { ...view, templateObject: isRecord(kept.metadata) ? { ...kept, metadata: { ...kept.metadata, labels, annotations } } : kept };
}

/** The engine's view of a Node; `reach` as for podFromKubernetes. */
export function nodeFromKubernetes(object: unknown, reach?: Reach): ClusterNode {
  const { reader, metadata } = metadataOf(object, 'Node');
  const spec = reader.record((object as Record<string, unknown>).spec, 'spec');
  const labels = reader.stringMap(metadata.labels, 'metadata.labels');
  const annotations = reader.stringMap(metadata.annotations, 'metadata.annotations', lastAppliedAnnotation);
  const view: ClusterNode = {
    name: reader.string(metadata.name, 'metadata.name', true),
    uid: reader.string(metadata.uid, 'metadata.uid', true),
    labels,
    annotations,
    providerID: reader.string(spec.providerID, 'spec.providerID'),
  };
  return withTemplateObject(view, object, reach, nodeViewReach);
}

/** The engine's view of a Namespace. */
export function namespaceFromKubernetes(object: unknown): ClusterNamespace {
  const { reader, metadata } = metadataOf(object, 'Namespace');
  return {
    name: reader.string(metadata.name, 'metadata.name', true),
    uid: reader.string(metadata.uid, 'metadata.uid'),
    labels: reader.stringMap(metadata.labels, 'metadata.labels'),
  };
}

/** The engine's view of a discovery.k8s.io/v1 EndpointSlice: the pods it points at. */
export function endpointSliceFromKubernetes(object: unknown): ClusterEndpointSlice {
  const { reader, metadata } = metadataOf(object, 'EndpointSlice');
  const namespace = reader.string(metadata.namespace, 'metadata.namespace', true);
  const labels = reader.stringMap(metadata.labels, 'metadata.labels');
  const endpoints: unknown = (object as Record<string, unknown>).endpoints;
  const list: readonly unknown[] = endpoints === undefined || endpoints === null ? [] : Array.isArray(endpoints) ? endpoints : reader.fail('endpoints', 'expected a list');
  const pods: EndpointPodRef[] = [];
  for (const [index, endpoint] of list.entries()) {
    const targetRef = reader.record(reader.record(endpoint, `endpoints[${index}]`).targetRef, `endpoints[${index}].targetRef`);
    if (targetRef.kind !== 'Pod') continue;
    const field = `endpoints[${index}].targetRef`;
    pods.push({
      namespace: reader.string(targetRef.namespace, `${field}.namespace`) || namespace,
      name: reader.string(targetRef.name, `${field}.name`, true),
      uid: reader.string(targetRef.uid, `${field}.uid`),
    });
  }
  return {
    namespace,
    name: reader.string(metadata.name, 'metadata.name', true),
    serviceName: labels[serviceNameLabel] ?? '',
    pods,
  };
}
