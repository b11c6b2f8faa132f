import { GoStructType } from '../template/index.ts';
import type { ClusterNode, ClusterPod } from './cluster-objects.ts';
import { instanceIdFromProviderId } from './instance-id.ts';
import { kubernetesPointer } from './kubernetes-values.ts';

// Templates see what spire-controller-manager's templates see: .PodMeta, .PodSpec, .NodeMeta and
// .NodeSpec are pointers to the real metav1.ObjectMeta, corev1.PodSpec and corev1.NodeSpec (every field,
// read lazily from the object's JSON by kubernetes-values.ts). The informers keep only the fields the
// current templates reach (template-reach.ts); a field they dropped reads as its zero value.

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

/** The JSON of a pod as far as the engine's own view keeps it (what templates reached before issue 11). */
function podObject(pod: ClusterPod): PodObject {
  return (
    pod.templateObject ?? {
      metadata: { name: pod.name, generateName: pod.generateName, namespace: pod.namespace, uid: pod.uid, labels: pod.labels, annotations: pod.annotations },
      spec: { serviceAccountName: pod.serviceAccountName, nodeName: pod.nodeName, hostname: pod.hostname, subdomain: pod.subdomain },
    }
  );
}

function nodeObject(node: ClusterNode): PodObject {
  return node.templateObject ?? { metadata: { name: node.name, uid: node.uid, labels: node.labels, annotations: node.annotations }, spec: { providerID: node.providerID } };
}

type PodObject = Readonly<Record<string, unknown>> & { readonly metadata?: unknown; readonly spec?: unknown };

export function podTemplateParts(pod: ClusterPod): PodTemplateParts {
  const object = podObject(pod);
  return { podMeta: kubernetesPointer('v1.ObjectMeta', object.metadata), podSpec: kubernetesPointer('v1.PodSpec', object.spec) };
}

export function nodeTemplateParts(node: ClusterNode): NodeTemplateParts {
  const object = nodeObject(node);
  return {
    nodeMeta: kubernetesPointer('v1.ObjectMeta', object.metadata),
    nodeSpec: kubernetesPointer('v1.NodeSpec', object.spec),
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
