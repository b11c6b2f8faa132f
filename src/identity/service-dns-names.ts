import type { ClusterEndpointSlice, ClusterPod } from './cluster-objects.ts';

interface ServiceRef {
  /** The Service's four names, made once per slice and shared by its pods' entries. */
  readonly dnsNames: readonly string[];
  /** The pod UID the slice names, or empty when it names none. */
  readonly podUid: string;
}

/** The Services that point at each pod (by `namespace/name`), from a cluster's EndpointSlices. */
export type ServicesByPod = ReadonlyMap<string, readonly ServiceRef[]>;

/**
 * Indexes EndpointSlices by the pods they point at, with the DNS names of their Services in
 * `clusterDomain`. Readiness does not matter: a pod's DNS names should
 * not come and go (and its entry churn) as it turns ready and unready.
 */
export function servicesByPod(slices: Iterable<ClusterEndpointSlice>, clusterDomain: string): ServicesByPod {
  const index = new Map<string, ServiceRef[]>();
  for (const slice of slices) {
    if (slice.serviceName === '') continue;
    const short = `${slice.serviceName}.${slice.namespace}`;
    const dnsNames = [slice.serviceName, short, `${short}.svc`, `${short}.svc.${clusterDomain}`];
    for (const pod of slice.pods) {
      const key = `${pod.namespace}/${pod.name}`;
      let refs = index.get(key);
      if (refs === undefined) index.set(key, (refs = []));
      refs.push({ dnsNames, podUid: pod.uid });
    }
  }
  return index;
}

/**
 * The DNS names of the Services whose EndpointSlices point at `pod`: `svc`, `svc.ns`, `svc.ns.svc` and
 * `svc.ns.svc.<clusterDomain>` for each, sorted, without duplicates. A slice that names another pod UID
 * (an earlier pod of the same name) does not count.
 */
export function serviceDnsNames(index: ServicesByPod, pod: ClusterPod): readonly string[] {
  const refs = index.get(`${pod.namespace}/${pod.name}`);
  if (refs === undefined) return [];
  // The usual case, one Service: its names are already sorted (each extends the one before).
  if (refs.length === 1 && (refs[0]?.podUid === '' || refs[0]?.podUid === pod.uid)) return refs[0].dnsNames;
  const names = new Set<string>();
  for (const ref of refs) {
    if (ref.podUid !== '' && ref.podUid !== pod.uid) continue;
    for (const name of ref.dnsNames) names.add(name);
  }
  return [...names].sort();
}
