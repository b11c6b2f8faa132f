// The registrar's template data over real Pod and Node JSON, built as the controller builds it, and the
// same data as a GoCase for the Go reference (which decodes the JSON into corev1.Pod and corev1.Node).
import { nodeFromKubernetes, podFromKubernetes } from '../../src/identity/cluster-objects.ts';
import { instanceIdFromProviderId } from '../../src/identity/instance-id.ts';
import type { TemplateReach } from '../../src/identity/template-reach.ts';
import { nodeTemplateParts, podTemplateParts, templateData, type ClusterFacts } from '../../src/identity/template-data.ts';

export const cluster: ClusterFacts = { trustDomain: 'example.org', clusterName: 'prod-1', clusterDomain: 'cluster.local', accountId: '123456789012', region: 'eu-west-1' };
export const applicationName = 'shop';

export interface KubernetesObjects {
  readonly pod: Readonly<Record<string, unknown>>;
  readonly node: Readonly<Record<string, unknown>>;
}

/**
 * The engine's data: the objects as the informers keep them for templates of `reach` (then pruned to it),
 * or whole.
 */
export function engineTemplateData(objects: KubernetesObjects, reach?: TemplateReach): unknown {
  const pod = reach !== undefined ? podFromKubernetes(objects.pod, reach.pod) : { ...podFromKubernetes(objects.pod), templateObject: objects.pod };
  const node = reach !== undefined ? nodeFromKubernetes(objects.node, reach.node) : { ...nodeFromKubernetes(objects.node), templateObject: objects.node };
  const nodeParts = nodeTemplateParts(node);
  return templateData(cluster, applicationName, pod, podTemplateParts(pod), nodeParts);
}

/** The reference's marker for the same data. */
export function goTemplateData(objects: KubernetesObjects): unknown {
  const instanceId = instanceIdFromProviderId(nodeFromKubernetes(objects.node).providerID);
  return {
    $registrarData: {
      pod: objects.pod,
      node: objects.node,
      cluster: { trustDomain: cluster.trustDomain, clusterName: cluster.clusterName, clusterDomain: cluster.clusterDomain, applicationName, accountId: cluster.accountId, region: cluster.region, instanceId },
    },
  };
}
