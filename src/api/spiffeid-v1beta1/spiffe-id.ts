import { customResourceSchema, type CustomResource } from '../custom-resource.ts';
import { namespacedObjectMetaSchema, type NamespacedObjectMeta } from '../v1alpha1/object-meta.ts';
import { objectName, validate, type Validated } from '../validation.ts';
import { spiffeIdGroupVersion } from './group-version.ts';
import { spiffeIdPolicyProblems, type SpiffeIdPolicy } from './spiffe-id-policy.ts';
import { emptySpiffeIdStatus, spiffeIdSpecSchema, spiffeIdStatusSchema, trustDomainProblems, type SpiffeIdSpec, type SpiffeIdStatus } from './spiffe-id-spec.ts';

export const spiffeIdKind = 'SpiffeID';

/**
 * The tenant-safe ClusterSpiffeID: its entries select pods of its own namespace only (they always carry
 * `k8s:ns:<its namespace>`), so the right to create SpiffeIDs in a namespace gives no power over others.
 */
export type SpiffeID = CustomResource<typeof spiffeIdKind, SpiffeIdSpec, SpiffeIdStatus, NamespacedObjectMeta>;

export const spiffeIdSchema = customResourceSchema({
  apiVersion: spiffeIdGroupVersion,
  kind: spiffeIdKind,
  metadata: namespacedObjectMetaSchema,
  spec: spiffeIdSpecSchema,
  status: spiffeIdStatusSchema,
  emptyStatus: emptySpiffeIdStatus,
});

function namespaceOf(object: unknown): string {
  const metadata = typeof object === 'object' && object !== null && 'metadata' in object ? object.metadata : undefined;
  const namespace = typeof metadata === 'object' && metadata !== null && 'namespace' in metadata ? metadata.namespace : undefined;
  return typeof namespace === 'string' && namespace !== '' ? namespace : '(no namespace)';
}

/** Why a valid spec still reaches beyond its namespace: each problem names its field. */
function tenantProblems(spec: SpiffeIdSpec, namespace: string): string[] {
  const problems = spec.selectorNamespaces
    .filter((named) => named.namespace !== namespace)
    .map(
      (named) =>
        `spec.selector.${named.field}: namespace ${JSON.stringify(named.namespace)} is not this SpiffeID's own ${JSON.stringify(namespace)}: ` +
        'a SpiffeID selects pods of its own namespace only; a ClusterSpiffeID can select others',
    );
  // An admin SVID may change any entry of the server, a downstream one may mint any SVID of the trust domain.
  if (spec.admin) problems.push('spec.admin: not allowed on a SpiffeID: an admin workload may change any entry of the SPIRE server; use a ClusterSpiffeID');
  if (spec.downstream) problems.push('spec.downstream: not allowed on a SpiffeID: a downstream SPIRE server may mint any SVID of the trust domain; use a ClusterSpiffeID');
  return problems;
}

/**
 * Validates a Kubernetes object as a SpiffeID; with `trustDomain` (the config's), its IDs must be in it;
 * with `policy` (the config's spiffeIDPolicy), its SPIFFE ID and cluster DNS names must be its namespace's.
 * The spec's selectors get `k8s:ns:<its namespace>`. Errors read `SpiffeID <namespace>/<name>: <field>: <problem>`.
 */
export function parseSpiffeID(object: unknown, trustDomain?: string, policy?: SpiffeIdPolicy): Validated<SpiffeID> {
  const where = `${spiffeIdKind} ${namespaceOf(object)}/${objectName(object)}`;
  const parsed = validate(spiffeIdSchema, object, where);
  if (!parsed.ok) return parsed;
  const { spec, metadata } = parsed.value;
  const problems = [
    ...tenantProblems(spec, metadata.namespace),
    ...(trustDomain === undefined ? [] : trustDomainProblems(spec, trustDomain)),
    ...(policy === undefined ? [] : spiffeIdPolicyProblems(policy, spec, metadata.namespace)),
  ];
  if (problems.length > 0) return { ok: false, errors: problems.map((problem) => `${where}: ${problem}`) };
  const own = { type: 'k8s', value: `ns:${metadata.namespace}` };
  const selectors = spec.selectors.some((selector) => selector.type === own.type && selector.value === own.value) ? spec.selectors : [...spec.selectors, own];
  return { ok: true, value: { ...parsed.value, spec: { ...spec, selectors } } };
}
