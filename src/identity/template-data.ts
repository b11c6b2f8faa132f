import { GoStructType, goStringMapView } from '../template/index.ts';
import type { ClusterNode, ClusterPod } from './cluster-objects.ts';
import { instanceIdFromProviderId } from './instance-id.ts';

// Templates see the Go field names of the Kubernetes API types, so that templates written for
// spire-controller-manager work unchanged. The views keep only identity-relevant fields; a template
// naming another (e.g. .PodMeta.ResourceVersion) fails as a Go template does on an unknown field.

/** What templates know of the cluster a pod runs in. */
export interface ClusterFacts {
  readonly trustDomain: string;
  /** The registry's spec.clusterName. */
  readonly clusterName: string;
  readonly clusterDomain: string;
  readonly accountId: string;
  readonly region: string;
}

/** The parts of the template data that depend on the pod only, built once per pod. */
export interface PodTemplateParts {
  readonly podMeta: unknown;
  readonly podSpec: unknown;
}

/** The parts of the template data that depend on the node only, built once per node. */
export interface NodeTemplateParts {
  readonly nodeMeta: unknown;
  readonly nodeSpec: unknown;
  readonly instanceId: string;
}

// The struct types templates see, made once: building a struct from a type reads no property descriptors.
const objectMeta = new GoStructType('v1.ObjectMeta', ['Name', 'GenerateName', 'Namespace', 'UID', 'Labels', 'Annotations']);
const podSpec = new GoStructType('v1.PodSpec', ['ServiceAccountName', 'NodeName', 'Hostname', 'Subdomain']);
const nodeSpec = new GoStructType('v1.NodeSpec', ['ProviderID']);
const templateDataType = new GoStructType('registrar.TemplateData', [
  'TrustDomain',
  'ClusterName',
  'ClusterDomain',
  'ApplicationName',
  'AccountID',
  'Region',
  'InstanceID',
  'PodMeta',
  'PodSpec',
  'NodeMeta',
  'NodeSpec',
  'Namespace',
  'ServiceAccount',
]);

export function podTemplateParts(pod: ClusterPod): PodTemplateParts {
  return {
    podMeta: objectMeta.struct([pod.name, pod.generateName, pod.namespace, pod.uid, goStringMapView(pod.labels), goStringMapView(pod.annotations)]),
    podSpec: podSpec.struct([pod.serviceAccountName, pod.nodeName, pod.hostname, pod.subdomain]),
  };
}

export function nodeTemplateParts(node: ClusterNode): NodeTemplateParts {
  return {
    nodeMeta: objectMeta.struct([node.name, '', '', node.uid, goStringMapView(node.labels), goStringMapView(node.annotations)]),
    nodeSpec: nodeSpec.struct([node.providerID]),
    instanceId: instanceIdFromProviderId(node.providerID),
  };
}

/** The data of every template of an identity for one pod (the `.` of the template). */
export function templateData(cluster: ClusterFacts, applicationName: string, pod: ClusterPod, podParts: PodTemplateParts, nodeParts: NodeTemplateParts): unknown {
  return templateDataType.struct([
    cluster.trustDomain,
    cluster.clusterName,
    cluster.clusterDomain,
    applicationName,
    cluster.accountId,
    cluster.region,
    nodeParts.instanceId,
    podParts.podMeta,
    podParts.podSpec,
    nodeParts.nodeMeta,
    nodeParts.nodeSpec,
    pod.namespace,
    pod.serviceAccountName,
  ]);
}
