import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import { objectName, type Validated } from '../validation.ts';
import { spiffeIdGroupVersion } from './group-version.ts';
import { emptySpiffeIdStatus, spiffeIdSpecSchema, spiffeIdStatusSchema, trustDomainProblems, type SpiffeIdSpec, type SpiffeIdStatus } from './spiffe-id-spec.ts';

export const clusterSpiffeIdKind = 'ClusterSpiffeID';

/** One literal entry, declared up front, for the pods its selectors match in every cluster it targets. */
export type ClusterSpiffeID = CustomResource<typeof clusterSpiffeIdKind, SpiffeIdSpec, SpiffeIdStatus>;

export const clusterSpiffeIdSchema = customResourceSchema({
  apiVersion: spiffeIdGroupVersion,
  kind: clusterSpiffeIdKind,
  spec: spiffeIdSpecSchema,
  status: spiffeIdStatusSchema,
  emptyStatus: emptySpiffeIdStatus,
});

/**
 * Validates a Kubernetes object as a ClusterSpiffeID; with `trustDomain` (the config's), its IDs must be
 * in it. Errors read `ClusterSpiffeID <name>: <field>: <problem>`.
 */
export function parseClusterSpiffeID(object: unknown, trustDomain?: string): Validated<ClusterSpiffeID> {
  const parsed = parseCustomResource(clusterSpiffeIdSchema, clusterSpiffeIdKind, object);
  if (!parsed.ok || trustDomain === undefined) return parsed;
  const problems = trustDomainProblems(parsed.value.spec, trustDomain);
  return problems.length === 0 ? parsed : { ok: false, errors: problems.map((problem) => `${clusterSpiffeIdKind} ${objectName(object)}: ${problem}`) };
}
