import { goStruct } from '../template/index.ts';
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

export function podTemplateParts(pod: ClusterPod): PodTemplateParts {
  return {
    podMeta: goStruct('v1.ObjectMeta', {
      Name: pod.name,
      GenerateName: pod.generateName,
      Namespace: pod.namespace,
      UID: pod.uid,
      Labels: pod.labels,
      Annotations: pod.annotations,
    }),
    podSpec: goStruct('v1.PodSpec', {
      ServiceAccountName: pod.serviceAccountName,
      NodeName: pod.nodeName,
      Hostname: pod.hostname,
      Subdomain: pod.subdomain,
    }),
  };
}

export function nodeTemplateParts(node: ClusterNode): NodeTemplateParts {
  return {
    nodeMeta: goStruct('v1.ObjectMeta', {
      Name: node.name,
      GenerateName: '',
      Namespace: '',
      UID: node.uid,
      Labels: node.labels,
      Annotations: node.annotations,
    }),
    nodeSpec: goStruct('v1.NodeSpec', { ProviderID: node.providerID }),
    instanceId: instanceIdFromProviderId(node.providerID),
  };
}

/** The data of every template of an identity for one pod (the `.` of the template). */
export function templateData(cluster: ClusterFacts, applicationName: string, pod: ClusterPod, podParts: PodTemplateParts, nodeParts: NodeTemplateParts): unknown {
  return goStruct('registrar.TemplateData', {
    TrustDomain: cluster.trustDomain,
    ClusterName: cluster.clusterName,
    ClusterDomain: cluster.clusterDomain,
    ApplicationName: applicationName,
    AccountID: cluster.accountId,
    Region: cluster.region,
    InstanceID: nodeParts.instanceId,
    PodMeta: podParts.podMeta,
    PodSpec: podParts.podSpec,
    NodeMeta: nodeParts.nodeMeta,
    NodeSpec: nodeParts.nodeSpec,
    Namespace: pod.namespace,
    ServiceAccount: pod.serviceAccountName,
  });
}
