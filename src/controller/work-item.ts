/**
 * What the controller's one worker does, one item at a time. Handlers only turn events into these; the
 * queue de-duplicates them by their key (workKey), so a burst of events on one object is one item.
 */
export type WorkItem =
  /** List the owned entries, compare them with the desired state, repair drift (every gcInterval, and on request). */
  | { readonly kind: 'full' }
  /** Write the statuses of every registry, identity and declaring object (at most once a second). */
  | { readonly kind: 'status' }
  | { readonly kind: 'registry'; readonly name: string }
  | { readonly kind: 'identity'; readonly name: string }
  | { readonly kind: 'clusterspiffeid'; readonly name: string }
  /** spire-controller-manager's kinds (spire.spiffe.io), whose lowercase names the spiffeid.spiffe.io kinds take. */
  | { readonly kind: 'clusterSPIFFEID'; readonly name: string }
  | { readonly kind: 'clusterStaticEntry'; readonly name: string }
  | { readonly kind: 'clusterFederatedTrustDomain'; readonly name: string }
  /** Reconcile the SPIRE server's federation relationships with every ClusterFederatedTrustDomain (every gcInterval, and on any change of one). */
  | { readonly kind: 'federation' }
  /** `key` is the SpiffeID's `namespace/name`. */
  | { readonly kind: 'spiffeid'; readonly key: string }
  /** The cluster's caches synced or were lost. */
  | { readonly kind: 'cluster'; readonly cluster: string }
  /** `key` is the pod's `namespace/name`. */
  | { readonly kind: 'pod'; readonly cluster: string; readonly key: string }
  | { readonly kind: 'node'; readonly cluster: string; readonly name: string }
  | { readonly kind: 'namespace'; readonly cluster: string; readonly name: string }
  /** An EndpointSlice of `namespace` changed. */
  | { readonly kind: 'slices'; readonly cluster: string; readonly namespace: string };

/** The queue's key of a work item: equal items have equal keys. */
export type WorkKey = string & { readonly __workKey: never };

const kinds = new Set<WorkItem['kind']>(['full', 'status', 'federation', 'registry', 'identity', 'clusterspiffeid', 'clusterSPIFFEID', 'clusterStaticEntry', 'clusterFederatedTrustDomain', 'spiffeid', 'cluster', 'pod', 'node', 'namespace', 'slices']);

/** The item's key: its fields in a JSON array, so no name can be mistaken for a separator. */
export function workKey(item: WorkItem): WorkKey {
  switch (item.kind) {
    case 'full':
    case 'status':
    case 'federation':
      return JSON.stringify([item.kind]) as WorkKey;
    case 'registry':
    case 'identity':
    case 'clusterspiffeid':
    case 'clusterSPIFFEID':
    case 'clusterStaticEntry':
    case 'clusterFederatedTrustDomain':
      return JSON.stringify([item.kind, item.name]) as WorkKey;
    case 'spiffeid':
      return JSON.stringify([item.kind, item.key]) as WorkKey;
    case 'cluster':
      return JSON.stringify([item.kind, item.cluster]) as WorkKey;
    case 'pod':
      return JSON.stringify([item.kind, item.cluster, item.key]) as WorkKey;
    case 'node':
    case 'namespace':
      return JSON.stringify([item.kind, item.cluster, item.name]) as WorkKey;
    case 'slices':
      return JSON.stringify([item.kind, item.cluster, item.namespace]) as WorkKey;
  }
}

/** The item a key stands for (the inverse of workKey). */
export function workItem(key: WorkKey): WorkItem {
  const parts = JSON.parse(key) as unknown;
  if (!Array.isArray(parts) || !parts.every((part) => typeof part === 'string') || !kinds.has(parts[0] as WorkItem['kind'])) throw new Error(`not a work key: ${key}`);
  const [kind, a = '', b = ''] = parts as [WorkItem['kind'], string?, string?];
  switch (kind) {
    case 'full':
    case 'status':
    case 'federation':
      return { kind };
    case 'registry':
    case 'identity':
    case 'clusterspiffeid':
    case 'clusterSPIFFEID':
    case 'clusterStaticEntry':
    case 'clusterFederatedTrustDomain':
      return { kind, name: a };
    case 'spiffeid':
      return { kind, key: a };
    case 'cluster':
      return { kind, cluster: a };
    case 'pod':
      return { kind, cluster: a, key: b };
    case 'node':
    case 'namespace':
      return { kind, cluster: a, name: b };
    case 'slices':
      return { kind, cluster: a, namespace: b };
  }
}

/** How logs name a work item: `full`, `registry:prod`, `pod:prod/shop/web-1`, ... */
export function describeWorkItem(item: WorkItem): string {
  switch (item.kind) {
    case 'full':
    case 'status':
    case 'federation':
      return item.kind;
    case 'registry':
    case 'identity':
    case 'clusterspiffeid':
    case 'clusterSPIFFEID':
    case 'clusterStaticEntry':
    case 'clusterFederatedTrustDomain':
      return `${item.kind}:${item.name}`;
    case 'spiffeid':
      return `spiffeid:${item.key}`;
    case 'cluster':
      return `cluster:${item.cluster}`;
    case 'pod':
      return `pod:${item.cluster}/${item.key}`;
    case 'node':
    case 'namespace':
      return `${item.kind}:${item.cluster}/${item.name}`;
    case 'slices':
      return `slices:${item.cluster}/${item.namespace}`;
  }
}
