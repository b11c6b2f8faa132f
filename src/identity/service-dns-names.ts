import type { ClusterEndpointSlice, ClusterPod } from './cluster-objects.ts';

interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  /** The pod UID the slice names, or empty when it names none. */
  readonly podUid: string;
}

/** The Services that point at each pod (by `namespace/name`), from a cluster's EndpointSlices. */
export type ServicesByPod = ReadonlyMap<string, readonly ServiceRef[]>;

/**
 * Indexes EndpointSlices by the pods they point at. Readiness does not matter: a pod's DNS names should
 * not come and go (and its entry churn) as it turns ready and unready.
 */
export function servicesByPod(slices: Iterable<ClusterEndpointSlice>): ServicesByPod {
  const index = new Map<string, ServiceRef[]>();
  for (const slice of slices) {
    if (slice.serviceName === '') continue;
    for (const pod of slice.pods) {
      const key = `${pod.namespace}/${pod.name}`;
      let refs = index.get(key);
      if (refs === undefined) index.set(key, (refs = []));
      refs.push({ namespace: slice.namespace, name: slice.serviceName, podUid: pod.uid });
    }
  }
  return index;
}

/**
 * The DNS names of the Services whose EndpointSlices point at `pod`: `svc`, `svc.ns`, `svc.ns.svc` and
 * `svc.ns.svc.<clusterDomain>` for each, sorted, without duplicates. A slice that names another pod UID
 * (an earlier pod of the same name) does not count.
 */
export function serviceDnsNames(index: ServicesByPod, pod: ClusterPod, clusterDomain: string): string[] {
  const refs = index.get(`${pod.namespace}/${pod.name}`);
  if (refs === undefined) return [];
  const names = new Set<string>();
  for (const ref of refs) {
    if (ref.podUid !== '' && ref.podUid !== pod.uid) continue;
    const short = `${ref.name}.${ref.namespace}`;
    names.add(ref.name).add(short).add(`${short}.svc`).add(`${short}.svc.${clusterDomain}`);
  }
  return [...names].sort();
}
