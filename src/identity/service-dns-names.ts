import type { ClusterEndpointSlice, ClusterPod } from './cluster-objects.ts';

/** The DNS names of the Services that point at each pod, from a cluster's EndpointSlices. */
export interface ServicesByPod {
  /** By pod UID, for slices that name the pod's UID (the usual case). */
  readonly byUid: ReadonlyMap<string, readonly (readonly string[])[]>;
  /** By `namespace/name`, for slices that name no UID. */
  readonly byName: ReadonlyMap<string, readonly (readonly string[])[]>;
}

function append<K>(index: Map<K, (readonly string[])[]>, key: K, names: readonly string[]): void {
  const lists = index.get(key);
  if (lists === undefined) index.set(key, [names]);
  else lists.push(names);
}

/**
 * Indexes EndpointSlices by the pods they point at, with the DNS names of their Services in
 * `clusterDomain` (made once per slice and shared by the entries of its pods). Readiness does not
 * matter: a pod's DNS names should not come and go (and its entry churn) as it turns ready and unready.
 */
export function servicesByPod(slices: Iterable<ClusterEndpointSlice>, clusterDomain: string): ServicesByPod {
  const byUid = new Map<string, (readonly string[])[]>();
  const byName = new Map<string, (readonly string[])[]>();
  for (const slice of slices) {
    if (slice.serviceName === '') continue;
    const short = `${slice.serviceName}.${slice.namespace}`;
    const names = [slice.serviceName, short, `${short}.svc`, `${short}.svc.${clusterDomain}`];
    for (const pod of slice.pods) {
      if (pod.uid === '') append(byName, `${pod.namespace}/${pod.name}`, names);
      else append(byUid, pod.uid, names);
    }
  }
  return { byUid, byName };
}

const none: readonly string[] = [];

/**
 * The DNS names of the Services whose EndpointSlices point at `pod`: `svc`, `svc.ns`, `svc.ns.svc` and
 * `svc.ns.svc.<clusterDomain>` for each, sorted, without duplicates. A slice that names another pod UID
 * (an earlier pod of the same name) does not count.
 */
export function serviceDnsNames(index: ServicesByPod, pod: ClusterPod): readonly string[] {
  const byUid = index.byUid.get(pod.uid);
  const byName = index.byName.size === 0 ? undefined : index.byName.get(`${pod.namespace}/${pod.name}`);
  const lists = byName === undefined ? byUid : byUid === undefined ? byName : [...byUid, ...byName];
  if (lists === undefined) return none;
  // The usual case, one Service: its names are already sorted (each extends the one before).
  if (lists.length === 1) return lists[0] ?? none;
  return [...new Set(lists.flat())].sort();
}
