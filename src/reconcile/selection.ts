import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { matchesLabels } from '../api/v1alpha1/label-selector.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { AwsConfig } from '../config/controller-manager-config.ts';
import type { ClusterPod } from '../identity/cluster-objects.ts';

/**
 * Why the registrar does not manage `registry`'s cluster at all, or undefined when it does: disabled, or
 * of an account outside the config's `aws.accountIds` (when that list is set).
 */
export function unmanagedReason(registry: EKSClusterRegistry, aws: AwsConfig): string | undefined {
  if (!registry.spec.enabled) return 'disabled (spec.enabled: false)';
  if (aws.accountIds.length > 0 && !aws.accountIds.includes(registry.spec.accountId)) {
    return `spec.accountId ${registry.spec.accountId} is not in the config's aws.accountIds`;
  }
  return undefined;
}

/** Whether `identity` applies to the managed cluster of `registry`: its clusterSelector (none = all) matches. */
export function identityTargetsCluster(identity: WorkloadIdentity, registry: EKSClusterRegistry): boolean {
  return matchesLabels(identity.spec.clusterSelector, registry.spec.labels);
}

/** Whether pods of `namespace` may be selected at all: no `ignoreNamespaces` pattern matches it. */
export function namespaceAllowed(namespace: string, ignoreNamespaces: readonly RegExp[]): boolean {
  return !ignoreNamespaces.some((pattern) => pattern.test(namespace));
}

/**
 * Whether a pod is in a state that gets an entry: scheduled (the parent ID names its node), not finished
 * and not terminating. Other pods are skipped, not failures.
 */
export function podEligible(pod: ClusterPod): boolean {
  return pod.nodeName !== '' && pod.phase !== 'Succeeded' && pod.phase !== 'Failed' && !pod.terminating;
}

/**
 * Whether `identity` selects `pod`, a pod of a cluster it targets that is eligible (podEligible) and in an
 * allowed namespace (namespaceAllowed): in its namespace (none = all) and matching its podSelector.
 * Callers check the pod once and then each identity, so that a pod is not checked again per identity.
 */
export function identitySelectsPod(identity: WorkloadIdentity, pod: ClusterPod): boolean {
  return (identity.spec.namespace === undefined || identity.spec.namespace === pod.namespace) && matchesLabels(identity.spec.podSelector, pod.labels);
}

/**
 * namespaceAllowed for these patterns, remembering each namespace's answer: a fleet's tens of thousands
 * of pods are in a few hundred namespaces.
 */
export function namespaceFilter(ignoreNamespaces: readonly RegExp[]): (namespace: string) => boolean {
  const answers = new Map<string, boolean>();
  return (namespace) => {
    let answer = answers.get(namespace);
    if (answer === undefined) answers.set(namespace, (answer = namespaceAllowed(namespace, ignoreNamespaces)));
    return answer;
  };
}
