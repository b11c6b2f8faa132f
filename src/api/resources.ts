import { clusterFederatedTrustDomainKind, parseClusterFederatedTrustDomain, type ClusterFederatedTrustDomain } from './spire-v1alpha1/cluster-federated-trust-domain.ts';
import { clusterSPIFFEIDKind, parseClusterSPIFFEID, type ClusterSPIFFEID } from './spire-v1alpha1/cluster-spiffeid.ts';
import { clusterStaticEntryKind, parseClusterStaticEntry, type ClusterStaticEntry } from './spire-v1alpha1/cluster-static-entry.ts';
import { clusterSpiffeIdKind, parseClusterSpiffeID, type ClusterSpiffeID } from './spiffeid-v1beta1/cluster-spiffe-id.ts';
import { parseSpiffeID, spiffeIdKind, type SpiffeID } from './spiffeid-v1beta1/spiffe-id.ts';
import type { SpiffeIdPolicy } from './spiffeid-v1beta1/spiffe-id-policy.ts';
import { eksClusterRegistryKind, parseEKSClusterRegistry, type EKSClusterRegistry } from './v1alpha1/eks-cluster-registry.ts';
import { parseWorkloadIdentity, workloadIdentityKind, type WorkloadIdentity } from './v1alpha1/workload-identity.ts';
import { objectName, type Validated } from './validation.ts';

/** The registrar's own objects, validated, each name once per kind (and namespace). */
export interface Resources {
  readonly registries: readonly EKSClusterRegistry[];
  readonly identities: readonly WorkloadIdentity[];
  /** ClusterSpiffeIDs and SpiffeIDs, in the order given. */
  readonly spiffeIds: readonly (ClusterSpiffeID | SpiffeID)[];
  /** spire-controller-manager's kinds, each in the order given. */
  readonly clusterSPIFFEIDs: readonly ClusterSPIFFEID[];
  readonly clusterStaticEntries: readonly ClusterStaticEntry[];
  readonly clusterFederatedTrustDomains: readonly ClusterFederatedTrustDomain[];
}

/** An object and the file it came from. */
export interface SourcedObject {
  readonly object: unknown;
  readonly source: string;
}

const kinds = `an ${eksClusterRegistryKind}, a ${workloadIdentityKind}, a ${clusterSpiffeIdKind}, a ${spiffeIdKind}, a ${clusterSPIFFEIDKind}, a ${clusterStaticEntryKind} or a ${clusterFederatedTrustDomainKind}`;

/**
 * Validates the registrar's objects (e.g. the files of `plan -f`); with `trustDomain` (the config's), the
 * IDs of ClusterSpiffeIDs, SpiffeIDs, ClusterStaticEntries and literal ClusterSPIFFEID templates must be in it;
 * with `spiffeIdPolicy` (the config's), SpiffeIDs must keep to it. Every problem is reported, prefixed with the file:
 * objects of other kinds, invalid objects, names given twice.
 */
export function parseResources(objects: Iterable<SourcedObject>, options: { readonly trustDomain?: string; readonly spiffeIdPolicy?: SpiffeIdPolicy } = {}): Validated<Resources> {
  const registries = new Map<string, EKSClusterRegistry>();
  const identities = new Map<string, WorkloadIdentity>();
  const spiffeIds = new Map<string, ClusterSpiffeID | SpiffeID>();
  const clusterSPIFFEIDs = new Map<string, ClusterSPIFFEID>();
  const clusterStaticEntries = new Map<string, ClusterStaticEntry>();
  const clusterFederatedTrustDomains = new Map<string, ClusterFederatedTrustDomain>();
  const errors: string[] = [];
  const add = <T extends { readonly metadata: { readonly name: string; readonly namespace?: string } }>(into: Map<string, T>, kind: string, result: Validated<T>, source: string): void => {
    if (!result.ok) {
      errors.push(...result.errors.map((error) => `${source}: ${error}`));
      return;
    }
    const { name, namespace } = result.value.metadata;
    const key = `${kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;
    if (into.has(key)) errors.push(`${source}: ${key}: defined more than once`);
    else into.set(key, result.value);
  };
  for (const { object, source } of objects) {
    const kind = typeof object === 'object' && object !== null ? (object as { kind?: unknown }).kind : undefined;
    if (kind === eksClusterRegistryKind) add(registries, eksClusterRegistryKind, parseEKSClusterRegistry(object), source);
    else if (kind === workloadIdentityKind) add(identities, workloadIdentityKind, parseWorkloadIdentity(object), source);
    else if (kind === clusterSpiffeIdKind) add(spiffeIds, clusterSpiffeIdKind, parseClusterSpiffeID(object, options.trustDomain), source);
    else if (kind === spiffeIdKind) add(spiffeIds, spiffeIdKind, parseSpiffeID(object, options.trustDomain, options.spiffeIdPolicy), source);
    else if (kind === clusterSPIFFEIDKind) add(clusterSPIFFEIDs, clusterSPIFFEIDKind, parseClusterSPIFFEID(object, options.trustDomain), source);
    else if (kind === clusterStaticEntryKind) add(clusterStaticEntries, clusterStaticEntryKind, parseClusterStaticEntry(object, options.trustDomain), source);
    else if (kind === clusterFederatedTrustDomainKind) add(clusterFederatedTrustDomains, clusterFederatedTrustDomainKind, parseClusterFederatedTrustDomain(object, options.trustDomain), source);
    else errors.push(`${source}: ${typeof kind === 'string' ? kind : '(no kind)'} ${objectName(object)}: expected ${kinds}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      registries: [...registries.values()],
      identities: [...identities.values()],
      spiffeIds: [...spiffeIds.values()],
      clusterSPIFFEIDs: [...clusterSPIFFEIDs.values()],
      clusterStaticEntries: [...clusterStaticEntries.values()],
      clusterFederatedTrustDomains: [...clusterFederatedTrustDomains.values()],
    },
  };
}
