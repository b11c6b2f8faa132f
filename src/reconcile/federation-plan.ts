import { apiGroup } from '../api/v1alpha1/group-version.ts';
import { sameRelationship, type FederationRelationship } from '../spire/trust-domain-relationship.ts';
import { sourceRanks } from './source-ranks.ts';

/**
 * Names, on a ClusterFederatedTrustDomain, the trust domain whose SPIRE federation relationship the
 * registrar created for it and so owns (ADR 26). SPIRE keys relationships by trust domain and records no
 * owner: this annotation, written before the create and kept in etcd, is the record; the finalizer of
 * the same name holds the object until the relationship is deleted.
 */
export const federationClaimAnnotation = `${apiGroup}/federation-relationship`;
export const federationFinalizer = federationClaimAnnotation;

/** A ClusterFederatedTrustDomain as the federation planner sees it. */
export interface TrustDomainObject {
  readonly name: string;
  /** Milliseconds since the epoch. */
  readonly creationTimestamp: number | undefined;
  readonly deleting: boolean;
  /** The trust domain this object owns the relationship of (the annotation), if any. */
  readonly claim: string | undefined;
  /**
   * What it asks for: a relationship (valid, of this registrar's class), `invalid` (its spec does not
   * validate: unknown intent), or `other-class` (another controller's).
   */
  readonly wants: FederationRelationship | 'invalid' | 'other-class';
}

/** What one object of this registrar is told about its relationship. */
export type FederationFinding =
  /** The relationship is written (or about to be) as the object says. */
  | { readonly state: 'set'; readonly trustDomain: string }
  /** A relationship with the trust domain exists that no object of this registrar owns: left untouched. */
  | { readonly state: 'conflict'; readonly trustDomain: string }
  /** An older object (or the owner, whose spec is invalid) decides the relationship. */
  | { readonly state: 'masked'; readonly trustDomain: string; readonly by: string; readonly held: boolean };

/** The writes that bring the server's relationships to the objects, and what each object is told. */
export interface FederationPlan {
  /** Ownership to record on an object before its relationship is written (its create or update follows). */
  readonly claims: readonly { readonly name: string; readonly trustDomain: string }[];
  readonly create: readonly FederationRelationship[];
  readonly update: readonly FederationRelationship[];
  /** Trust domains whose owned relationship no object wants any more. */
  readonly delete: readonly string[];
  /**
   * Ownership to drop: `afterDelete` once the relationship's delete succeeded, otherwise once the claim of
   * the object it passes to (`to`) is recorded.
   */
  readonly releases: readonly { readonly name: string; readonly trustDomain: string; readonly afterDelete: boolean; readonly to?: string }[];
  readonly findings: ReadonlyMap<string, FederationFinding>;
}

/**
 * The federation plan (pure): per trust domain, the oldest valid object of this class that wants it (not
 * being deleted) decides its relationship. It is written only when the registrar owns it (an object
 * claims it) or it does not exist yet; an existing relationship nobody claims is someone else's and is
 * left untouched (conflict). An owned relationship that no object wants is deleted, and then released;
 * one that a newer owner wants passes to it without a delete. An owner whose spec is invalid holds its
 * relationship as it is: unknown intent deletes nothing.
 */
export function planFederation(objects: readonly TrustDomainObject[], current: readonly FederationRelationship[]): FederationPlan {
  const ranks = sourceRanks(objects);
  const byAge = [...objects].sort((a, b) => (ranks.get(a.name) ?? 0) - (ranks.get(b.name) ?? 0));
  const currentByDomain = new Map(current.map((relationship) => [relationship.trustDomain, relationship]));
  const trustDomains = new Set<string>();
  for (const object of byAge) {
    if (object.claim !== undefined) trustDomains.add(object.claim);
    if (typeof object.wants === 'object' && !object.deleting) trustDomains.add(object.wants.trustDomain);
  }
  const claims: { name: string; trustDomain: string }[] = [];
  const create: FederationRelationship[] = [];
  const update: FederationRelationship[] = [];
  const deletes: string[] = [];
  const releases: { name: string; trustDomain: string; afterDelete: boolean; to?: string }[] = [];
  const findings = new Map<string, FederationFinding>();
  for (const trustDomain of [...trustDomains].sort()) {
    const claimants = byAge.filter((object) => object.claim === trustDomain);
    const wanting = byAge.filter((object) => !object.deleting && typeof object.wants === 'object' && object.wants.trustDomain === trustDomain);
    const existing = currentByDomain.get(trustDomain);
    const holder = claimants.find((object) => object.wants === 'invalid' && !object.deleting);
    if (holder !== undefined) {
      for (const object of wanting) findings.set(object.name, { state: 'masked', trustDomain, by: holder.name, held: true });
      continue;
    }
    const [winner, ...masked] = wanting;
    if (winner === undefined) {
      if (claimants.length === 0) continue;
      if (existing !== undefined) deletes.push(trustDomain);
      for (const object of claimants) releases.push({ name: object.name, trustDomain, afterDelete: existing !== undefined });
      continue;
    }
    for (const object of masked) findings.set(object.name, { state: 'masked', trustDomain, by: winner.name, held: false });
    const desired = winner.wants as FederationRelationship;
    const owned = claimants.length > 0;
    if (!owned && existing !== undefined) {
      findings.set(winner.name, { state: 'conflict', trustDomain });
      continue;
    }
    if (winner.claim !== trustDomain) claims.push({ name: winner.name, trustDomain });
    for (const object of claimants) if (object !== winner) releases.push({ name: object.name, trustDomain, afterDelete: false, to: winner.name });
    if (existing === undefined) create.push(desired);
    else if (!sameRelationship(existing, desired)) update.push(desired);
    findings.set(winner.name, { state: 'set', trustDomain });
  }
  return { claims, create, update, delete: deletes, releases, findings };
}

/** A relationship as `plan` shows it: what the objects ask the SPIRE server for, offline. */
export interface PlannedRelationship {
  readonly trustDomain: string;
  readonly bundleEndpointURL: string;
  readonly bundleEndpointProfile: string;
  readonly endpointSPIFFEID?: string;
  /** Whether the object sets the trust domain's bundle. */
  readonly trustDomainBundle: boolean;
  readonly clusterFederatedTrustDomain: string;
  /** Newer objects naming the same trust domain, which it masks. */
  readonly masked: readonly string[];
}

/**
 * The relationships the given objects (those this registrar acts on: `actsOn`) would set on a SPIRE server
 * that has none: one per trust domain, from its oldest object, by trust domain.
 */
export function plannedRelationships(
  objects: readonly { readonly name: string; readonly creationTimestamp: number | undefined; readonly relationship: FederationRelationship; readonly actsOn: boolean }[],
): PlannedRelationship[] {
  const plan = planFederation(
    objects.map((object) => ({ name: object.name, creationTimestamp: object.creationTimestamp, deleting: false, claim: undefined, wants: object.actsOn ? object.relationship : 'other-class' })),
    [],
  );
  const owner = new Map([...plan.findings].flatMap(([name, finding]) => (finding.state === 'set' ? [[finding.trustDomain, name] as const] : [])));
  return plan.create.map((relationship) => {
    const profile = relationship.bundleEndpointProfile;
    return {
      trustDomain: relationship.trustDomain,
      bundleEndpointURL: relationship.bundleEndpointUrl,
      bundleEndpointProfile: profile.type,
      ...(profile.type === 'https_spiffe' ? { endpointSPIFFEID: profile.endpointSpiffeId } : {}),
      trustDomainBundle: relationship.trustDomainBundle !== undefined,
      clusterFederatedTrustDomain: owner.get(relationship.trustDomain) ?? '',
      masked: [...plan.findings].flatMap(([name, finding]) => (finding.state === 'masked' && finding.trustDomain === relationship.trustDomain ? [name] : [])),
    };
  });
}
