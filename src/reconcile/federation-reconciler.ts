import type { TrustDomainClient, RelationshipWriteOutcome } from '../spire/trust-domain-client.ts';
import { describeRelationshipOutcome } from '../spire/trust-domain-client.ts';
import type { FederationRelationship } from '../spire/trust-domain-relationship.ts';
import { planFederation, type FederationFinding, type TrustDomainObject } from './federation-plan.ts';

/** Records on an object which trust domain's relationship it owns (undefined: none); throws when the apiserver refuses. */
export type RecordClaim = (name: string, trustDomain: string | undefined) => Promise<void>;

/** What an object of this registrar is told after a federation reconciliation. */
export type FederationOutcome = FederationFinding | { readonly state: 'failed'; readonly trustDomain: string; readonly message: string };

/** One federation reconciliation: the writes made, by operation, and what each object is told. */
export interface FederationReport {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
  /** One line per failed write or claim, naming the trust domain and the object. */
  readonly failures: readonly string[];
  /** Relationship writes the server refused (or that were not answered), by operation. */
  readonly failedWrites: Readonly<Record<'create' | 'update' | 'delete', number>>;
  /** By object name, the objects of this registrar's class (and owners). */
  readonly outcomes: ReadonlyMap<string, FederationOutcome>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Keeps the SPIRE server's federation relationships equal to the ClusterFederatedTrustDomains (effects
 * around planFederation): lists the server's relationships, records ownership before a create, writes,
 * and drops ownership only once the relationship is deleted or passed on. A failure leaves what it could
 * not do for the next reconciliation; nothing is deleted because something failed. Throws only when the
 * server's relationships cannot be listed (then nothing is written).
 */
export async function reconcileFederation(client: TrustDomainClient, recordClaim: RecordClaim, objects: readonly TrustDomainObject[]): Promise<FederationReport> {
  const current = await client.listFederationRelationships();
  const plan = planFederation(objects, current);
  const outcomes = new Map<string, FederationOutcome>(plan.findings);
  const failures: string[] = [];
  const failedWrites = { create: 0, update: 0, delete: 0 };
  const fail = (name: string, trustDomain: string, message: string): void => {
    outcomes.set(name, { state: 'failed', trustDomain, message });
    failures.push(`ClusterFederatedTrustDomain ${name}: ${message}`);
  };
  const ownerOf = (trustDomain: string): string | undefined => [...plan.findings].find(([, finding]) => finding.state === 'set' && finding.trustDomain === trustDomain)?.[0];

  // Deletes first: an object whose trust domain changed gives up the old relationship before it claims the new one.
  const deleted = new Set<string>();
  const deleteOutcomes = plan.delete.length === 0 ? [] : await client.deleteFederationRelationships(plan.delete);
  for (const outcome of deleteOutcomes) {
    if (outcome.kind !== 'error') {
      deleted.add(outcome.trustDomain);
      continue;
    }
    failedWrites.delete++;
    for (const release of plan.releases.filter((r) => r.trustDomain === outcome.trustDomain)) fail(release.name, outcome.trustDomain, `delete of the relationship it owns failed, kept: ${describeRelationshipOutcome(outcome)}`);
  }
  const claimed = new Map(objects.map((object) => [object.name, object.claim]));
  const claimsTo = new Map(plan.claims.map((claim) => [claim.name, claim.trustDomain]));
  for (const release of plan.releases.filter((r) => r.afterDelete && deleted.has(r.trustDomain))) {
    // A new claim replaces the released one in the same write.
    if (claimsTo.has(release.name)) continue;
    try {
      await recordClaim(release.name, undefined);
      claimed.set(release.name, undefined);
    } catch (error) {
      fail(release.name, release.trustDomain, `the relationship is deleted, but its ownership could not be dropped: ${messageOf(error)}`);
    }
  }
  // A release without a delete (nothing existed): drop the claim now.
  for (const release of plan.releases.filter((r) => !r.afterDelete && r.to === undefined && !claimsTo.has(r.name))) {
    try {
      await recordClaim(release.name, undefined);
      claimed.set(release.name, undefined);
    } catch (error) {
      fail(release.name, release.trustDomain, `its ownership could not be dropped: ${messageOf(error)}`);
    }
  }

  const recorded = new Set<string>();
  // An object that owns another trust domain takes the new one once it has given up the old: deleted, or
  // passed to its new owner, whose claim is recorded first (claims of objects that hold nothing go first).
  const holdsOther = (claim: { name: string; trustDomain: string }): boolean => {
    const held = claimed.get(claim.name);
    return held !== undefined && held !== claim.trustDomain;
  };
  for (const claim of [...plan.claims.filter((c) => !holdsOther(c)), ...plan.claims.filter(holdsOther)]) {
    const held = claimed.get(claim.name);
    const handedOver = plan.releases.some((r) => r.name === claim.name && r.trustDomain === held && r.to !== undefined) && held !== undefined && recorded.has(held);
    if (held !== undefined && held !== claim.trustDomain && !deleted.has(held) && !handedOver) {
      fail(claim.name, claim.trustDomain, `waits for the relationship with ${held}, which it owns, to be deleted or passed on`);
      continue;
    }
    try {
      await recordClaim(claim.name, claim.trustDomain);
      recorded.add(claim.trustDomain);
    } catch (error) {
      fail(claim.name, claim.trustDomain, `its ownership of the relationship could not be recorded, nothing written: ${messageOf(error)}`);
    }
  }
  const mayWrite = (relationship: FederationRelationship): boolean => !plan.claims.some((claim) => claim.trustDomain === relationship.trustDomain) || recorded.has(relationship.trustDomain);
  const report = (written: string[], relationships: readonly FederationRelationship[], results: readonly RelationshipWriteOutcome[], operation: 'create' | 'update'): void => {
    results.forEach((outcome, index) => {
      const relationship = relationships[index];
      if (relationship === undefined) return;
      if (outcome.kind === 'ok') {
        written.push(relationship.trustDomain);
        return;
      }
      failedWrites[operation]++;
      fail(ownerOf(relationship.trustDomain) ?? relationship.trustDomain, relationship.trustDomain, `${operation} refused: ${describeRelationshipOutcome(outcome)}`);
    });
  };
  const created: string[] = [];
  const updated: string[] = [];
  const toCreate = plan.create.filter(mayWrite);
  const toUpdate = plan.update.filter(mayWrite);
  if (toCreate.length > 0) report(created, toCreate, await client.createFederationRelationships(toCreate), 'create');
  if (toUpdate.length > 0) report(updated, toUpdate, await client.updateFederationRelationships(toUpdate), 'update');

  // Ownership passed to a newer owner: the old one lets go once the new one's claim is recorded.
  for (const release of plan.releases.filter((r) => r.to !== undefined && recorded.has(r.trustDomain))) {
    // Its new claim replaced this one already.
    if (claimsTo.has(release.name) && recorded.has(claimsTo.get(release.name) ?? '')) continue;
    try {
      await recordClaim(release.name, undefined);
    } catch (error) {
      failures.push(`ClusterFederatedTrustDomain ${release.name}: its ownership of ${release.trustDomain}, passed to ${release.to}, could not be dropped: ${messageOf(error)}`);
    }
  }
  return { created, updated, deleted: [...deleted], failures, failedWrites, outcomes };
}
