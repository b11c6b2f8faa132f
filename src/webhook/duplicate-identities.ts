import { parseClusterSpiffeID } from '../api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { parseClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { parseClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import { spireApiGroup, spireGroupVersion } from '../api/spire-v1alpha1/group-version.ts';
import { spiffeIdApiGroup, spiffeIdGroupVersion } from '../api/spiffeid-v1beta1/group-version.ts';
import { parseSpiffeID } from '../api/spiffeid-v1beta1/spiffe-id.ts';
import type { SpiffeIdPolicy } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { apiGroup, groupVersion } from '../api/v1alpha1/group-version.ts';
import { parseWorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { Validated } from '../api/validation.ts';

/** The stored objects of a collection (`/apis/<group>/<version>/<plural>`, every namespace). */
export type ListObjects = (path: string) => Promise<readonly unknown[]>;

/** Names the stored objects that want what `object` wants: admission warnings, since the older one simply wins. */
export type DuplicateFinder = (object: unknown) => Promise<readonly string[]>;

/** One kind whose objects can want the same entries: how to read it and what it wants. */
interface Wanting {
  /** `group/Kind`. */
  readonly kind: string;
  readonly collection: string;
  /** Who it is, and what it wants (equal strings want the same entries); undefined for an invalid object. */
  readonly read: (object: unknown) => { readonly who: string; readonly wants: string } | undefined;
}

function reader<T extends { readonly metadata: { readonly name: string; readonly namespace?: string } }>(
  kind: string,
  parse: (object: unknown) => Validated<T>,
  wants: (value: T) => unknown,
): Wanting['read'] {
  return (object) => {
    const parsed = parse(object);
    if (!parsed.ok) return undefined;
    const { name, namespace } = parsed.value.metadata;
    return { who: `${kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`, wants: JSON.stringify(wants(parsed.value)) };
  };
}

const selectorText = (selectors: readonly { readonly type: string; readonly value: string }[]): string[] => selectors.map((s) => `${s.type}:${s.value}`).sort();

/**
 * What makes two objects duplicates. Identities rendered per pod (WorkloadIdentity, ClusterSPIFFEID) with
 * the same SPIFFE ID, parent and selector templates want the same entry for every pod both select. Literal
 * ones (ClusterSpiffeID, SpiffeID, ClusterStaticEntry) with the same SPIFFE ID, parent and selectors want
 * the same entry in every cluster both target.
 */
function families(trustDomain: string, policy: SpiffeIdPolicy | undefined): readonly (readonly Wanting[])[] {
  const literal = (spec: { spiffeId: string; parentId: string | undefined; selectors: readonly { type: string; value: string }[] }): unknown => [spec.spiffeId, spec.parentId ?? '', selectorText(spec.selectors)];
  // A ClusterSPIFFEID has no parent template: the config's applies, as to a WorkloadIdentity without one.
  const templated = (spec: { spiffeIDTemplate: string; parentIDTemplate?: string | undefined; workloadSelectorTemplates: readonly string[] }): unknown => [
    spec.spiffeIDTemplate,
    spec.parentIDTemplate ?? '',
    [...spec.workloadSelectorTemplates].sort(),
  ];
  return [
    [
      {
        kind: `${apiGroup}/WorkloadIdentity`,
        collection: `/apis/${groupVersion}/workloadidentities`,
        read: reader('WorkloadIdentity', parseWorkloadIdentity, ({ spec }) => templated(spec)),
      },
      {
        kind: `${spireApiGroup}/ClusterSPIFFEID`,
        collection: `/apis/${spireGroupVersion}/clusterspiffeids`,
        read: reader('ClusterSPIFFEID', (o) => parseClusterSPIFFEID(o, trustDomain), ({ spec }) => templated(spec)),
      },
    ],
    [
      { kind: `${spiffeIdApiGroup}/ClusterSpiffeID`, collection: `/apis/${spiffeIdGroupVersion}/clusterspiffeids`, read: reader('ClusterSpiffeID', (o) => parseClusterSpiffeID(o, trustDomain), ({ spec }) => literal(spec)) },
      { kind: `${spiffeIdApiGroup}/SpiffeID`, collection: `/apis/${spiffeIdGroupVersion}/spiffeids`, read: reader('SpiffeID', (o) => parseSpiffeID(o, trustDomain, policy), ({ spec }) => literal(spec)) },
      {
        kind: `${spireApiGroup}/ClusterStaticEntry`,
        collection: `/apis/${spireGroupVersion}/clusterstaticentries`,
        read: reader('ClusterStaticEntry', (o) => parseClusterStaticEntry(o, trustDomain), ({ spec }) => literal(spec)),
      },
    ],
  ];
}

/**
 * The duplicate finders by `group/Kind`; a kind whose objects cannot be listed yields no warning. Objects
 * are read as the controller reads them (`policy`: the config's spiffeIDPolicy), so a stored one it refuses is no duplicate.
 */
export function duplicateFinders(trustDomain: string, list: ListObjects, policy?: SpiffeIdPolicy): ReadonlyMap<string, DuplicateFinder> {
  const finders = new Map<string, DuplicateFinder>();
  for (const family of families(trustDomain, policy)) {
    for (const member of family) {
      finders.set(member.kind, async (object) => {
        const self = member.read(object);
        if (self === undefined) return [];
        const stored = await Promise.all(family.map(async (other) => (await list(other.collection).catch(() => [])).map((item) => other.read(item))));
        return stored
          .flat()
          .filter((other) => other !== undefined && other.who !== self.who && other.wants === self.wants)
          .map((other) => `${self.who} wants the same entries as ${other?.who ?? ''}: where both apply, the older decides each entry and the other counts it as masked`);
      });
    }
  }
  return finders;
}

/** The warnings for a create or update of an AdmissionReview already found valid: the stored duplicates named. */
export async function duplicateWarnings(review: unknown, finders: ReadonlyMap<string, DuplicateFinder>): Promise<readonly string[]> {
  const request = (review as { request?: { kind?: { group?: unknown; kind?: unknown }; operation?: unknown; object?: unknown } }).request;
  if (request?.operation !== 'CREATE' && request?.operation !== 'UPDATE') return [];
  const finder = finders.get(`${String(request.kind?.group)}/${String(request.kind?.kind)}`);
  return finder === undefined ? [] : finder(request.object);
}
