import type { PodControllerConfig } from '../config/controller-manager-config.ts';
import type { ClusterPod } from '../identity/cluster-objects.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import { everything, type LabelSelector } from '../api/v1alpha1/label-selector.ts';

/**
 * The pod controller's source name; capitalised, so that no WorkloadIdentity (a lowercase DNS name) can
 * take it. It ranks after every object: an entry that an object declares keeps that object's fields.
 */
export const podControllerSource = 'PodController';

/**
 * The pod controller as what it is to the engine: an identity of every cluster and namespace, kept in
 * memory (no object: docs/adr/0021). `selects` adds what a label selector cannot say: the annotation;
 * `source` is where the SPIFFE ID comes from, as errors name it. Undefined when the pod controller is off.
 */
export function podControllerIdentity(
  config: PodControllerConfig,
): { readonly identity: WorkloadIdentity; readonly selects?: (pod: ClusterPod) => boolean; readonly source: string } | undefined {
  if (!config.enabled) return undefined;
  // Keys have the syntax of label keys (checked at the edge): quoted, they are Go string literals too.
  let spiffeIDTemplate = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';
  let podSelector: LabelSelector = everything;
  let selects: ((pod: ClusterPod) => boolean) | undefined;
  let source = 'namespace and service account';
  if (config.podLabel !== '') {
    source = `label ${config.podLabel}`;
    spiffeIDTemplate = `spiffe://{{ .TrustDomain }}/{{ index .PodMeta.Labels ${JSON.stringify(config.podLabel)} }}`;
    podSelector = { matchLabels: {}, matchExpressions: [{ key: config.podLabel, operator: 'Exists', values: [] }] };
  } else if (config.podAnnotation !== '') {
    const key = config.podAnnotation;
    source = `annotation ${key}`;
    spiffeIDTemplate = `spiffe://{{ .TrustDomain }}/{{ index .PodMeta.Annotations ${JSON.stringify(key)} }}`;
    selects = (pod) => Object.hasOwn(pod.annotations, key);
  }
  const identity: WorkloadIdentity = {
    kind: 'WorkloadIdentity',
    metadata: { name: podControllerSource, uid: '', creationTimestamp: undefined, generation: 0, resourceVersion: '', labels: {}, annotations: {} },
    spec: {
      applicationName: '',
      namespace: undefined,
      spiffeIDTemplate,
      // The config's parentIDTemplate: the agent of the pod's node.
      parentIDTemplate: undefined,
      podSelector,
      clusterSelector: everything,
      ttlSeconds: 0,
      jwtTtlSeconds: 0,
      dnsNameTemplates: [],
      // With k8s:pod-uid, which every pod entry carries.
      workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}'],
      federatesWith: [],
      admin: false,
      downstream: false,
      autoPopulateDNSNames: false,
      hint: '',
      namespaceSelector: everything,
      className: '',
      fallback: false,
    },
    status: { stats: undefined, lastReconciliation: undefined, conditions: [] },
  };
  return selects === undefined ? { identity, source } : { identity, selects, source };
}
