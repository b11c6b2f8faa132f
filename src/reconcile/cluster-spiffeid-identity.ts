import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { workloadIdentityKind, type WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';

/**
 * The name of a ClusterSPIFFEID as a source of entries, in the one space of source names (beside
 * `ClusterSpiffeID/<name>`, whose kind differs only in case, and WorkloadIdentity names, which have no "/").
 */
export function clusterSPIFFEIDSourceName(name: string): string {
  return `ClusterSPIFFEID/${name}`;
}

/**
 * Whether this registrar acts on an object of this `spec.className`: spire-controller-manager's rule over
 * the config's `className` and `watchClassless`, so that an object meant for another controller is left to it.
 */
export function actsOnClass(className: string, config: Pick<ControllerManagerConfig, 'className' | 'watchClassless'>): boolean {
  return (className === '' && config.watchClassless) || className === config.className;
}

/**
 * The WorkloadIdentity a ClusterSPIFFEID renders as: the same templates, selectors, fallback and entry
 * options, the config's parentIDTemplate (whose default is spire-controller-manager's), no
 * applicationName. Named by its source name, so that stats and errors never mix it up with a WorkloadIdentity.
 */
export function clusterSPIFFEIDAsIdentity(object: ClusterSPIFFEID): WorkloadIdentity {
  const { spec } = object;
  return {
    kind: workloadIdentityKind,
    metadata: { ...object.metadata, name: clusterSPIFFEIDSourceName(object.metadata.name) },
    spec: {
      applicationName: '',
      namespace: undefined,
      spiffeIDTemplate: spec.spiffeIDTemplate,
      parentIDTemplate: undefined,
      namespaceSelector: spec.namespaceSelector,
      podSelector: spec.podSelector,
      clusterSelector: spec.clusterSelector,
      dnsNameTemplates: spec.dnsNameTemplates,
      workloadSelectorTemplates: spec.workloadSelectorTemplates,
      autoPopulateDNSNames: spec.autoPopulateDNSNames,
      ttlSeconds: spec.ttlSeconds,
      jwtTtlSeconds: spec.jwtTtlSeconds,
      federatesWith: spec.federatesWith,
      admin: spec.admin,
      downstream: spec.downstream,
      hint: spec.hint,
      className: spec.className,
      fallback: spec.fallback,
    },
    status: { stats: undefined, lastReconciliation: undefined, conditions: [] },
  };
}
