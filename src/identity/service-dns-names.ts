import type { ClusterEndpointSlice, ClusterPod } from './cluster-objects.ts';

/** The name lists of the Services of one pod, when more than one Service points at it. */
class NameLists {
  readonly lists: (readonly string[])[];
  constructor(lists: (readonly string[])[]) {
    this.lists = lists;
  }
}

/** One Service's names (the usual case, held without a list around them), or several Services' lists. */
type PodServices = readonly string[] | NameLists;

/** The DNS names of the Services that point at each pod, from a cluster's EndpointSlices. */
export interface ServicesByPod {
  /** By pod UID, for slices that name the pod's UID (the usual case). */
  readonly byUid: ReadonlyMap<string, PodServices>;
  /** By `namespace/name`, for slices that name no UID. */
  readonly byName: ReadonlyMap<string, PodServices>;
}

function append<K>(index: Map<K, PodServices>, key: K, names: readonly string[]): void {
  const known = index.get(key);
  if (known === undefined) index.set(key, names);
  else if (known instanceof NameLists) known.lists.push(names);
  else index.set(key, new NameLists([known, names]));
}

function listsOf(services: PodServices | undefined): readonly (readonly string[])[] {
  return services === undefined ? [] : services instanceof NameLists ? services.lists : [services];
}

/**
 * Indexes EndpointSlices by the pods they point at, with the DNS names of their Services in
 * `clusterDomain` (made once per slice and shared by the entries of its pods). Readiness does not
 * matter: a pod's DNS names should not come and go (and its entry churn) as it turns ready and unready.
 */
export function servicesByPod(slices: Iterable<ClusterEndpointSlice>, clusterDomain: string): ServicesByPod {
  const byUid = new Map<string, PodServices>();
  const byName = new Map<string, PodServices>();
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
  // The usual case, one Service: its names are already sorted (each extends the one before).
  if (byName === undefined && !(byUid instanceof NameLists)) return byUid ?? none;
  if (byUid === undefined && !(byName instanceof NameLists)) return byName ?? none;
  return [...new Set([...listsOf(byUid), ...listsOf(byName)].flat())].sort();
}
