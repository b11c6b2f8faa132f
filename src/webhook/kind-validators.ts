import { clusterSpiffeIdKind, parseClusterSpiffeID } from '../api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { spiffeIdApiGroup } from '../api/spiffeid-v1beta1/group-version.ts';
import { parseSpiffeID, spiffeIdKind } from '../api/spiffeid-v1beta1/spiffe-id.ts';
import { spiffeIdPolicy } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { clusterFederatedTrustDomainKind, parseClusterFederatedTrustDomain } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { clusterSPIFFEIDKind, parseClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { clusterStaticEntryKind, parseClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import { spireApiGroup } from '../api/spire-v1alpha1/group-version.ts';
import { eksClusterRegistryKind, parseEKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { apiGroup } from '../api/v1alpha1/group-version.ts';
import { parseWorkloadIdentity, workloadIdentityKind, type WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { Validated } from '../api/validation.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { entrySpiffeIdProblem } from '../identity/entry-spiffe-id.ts';
import type { KindValidators, ObjectValidator } from './admission-review.ts';

function problemsOf<T>(validated: Validated<T>, more: (value: T) => readonly string[] = () => []): readonly string[] {
  return validated.ok ? more(validated.value) : validated.errors;
}

/** A template without actions renders as itself for every pod: its SPIFFE ID can be checked now. */
function literalIdProblems(identity: WorkloadIdentity, trustDomain: string): string[] {
  const problems: string[] = [];
  const fields: [string, string | undefined][] = [
    ['spec.spiffeIDTemplate', identity.spec.spiffeIDTemplate],
    ['spec.parentIDTemplate', identity.spec.parentIDTemplate],
  ];
  for (const [field, text] of fields) {
    if (text === undefined || text.includes('{{')) continue;
    const problem = entrySpiffeIdProblem(text, trustDomain);
    if (problem !== undefined) problems.push(`${workloadIdentityKind} ${identity.metadata.name}: ${field}: ${problem}`);
  }
  return problems;
}

/** The validation of every kind the webhook serves: the functions the controller parses objects with. */
export function kindValidators(config: ControllerManagerConfig): KindValidators {
  const policy = spiffeIdPolicy(config);
  const validators: [string, string, ObjectValidator][] = [
    [apiGroup, eksClusterRegistryKind, (object) => problemsOf(parseEKSClusterRegistry(object))],
    [apiGroup, workloadIdentityKind, (object) => problemsOf(parseWorkloadIdentity(object), (identity) => literalIdProblems(identity, config.trustDomain))],
    [spiffeIdApiGroup, clusterSpiffeIdKind, (object) => problemsOf(parseClusterSpiffeID(object, config.trustDomain))],
    [spiffeIdApiGroup, spiffeIdKind, (object) => problemsOf(parseSpiffeID(object, config.trustDomain, policy))],
    [spireApiGroup, clusterSPIFFEIDKind, (object) => problemsOf(parseClusterSPIFFEID(object, config.trustDomain))],
    [spireApiGroup, clusterStaticEntryKind, (object) => problemsOf(parseClusterStaticEntry(object, config.trustDomain))],
    [spireApiGroup, clusterFederatedTrustDomainKind, (object) => problemsOf(parseClusterFederatedTrustDomain(object, config.trustDomain))],
  ];
  return new Map(validators.map(([group, kind, validator]) => [`${group}/${kind}`, validator]));
}
