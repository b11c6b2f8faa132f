import type { RelationshipWriteOutcome, TrustDomainClient } from '../../src/spire/trust-domain-client.ts';
import type { FederationRelationship } from '../../src/spire/trust-domain-relationship.ts';

/**
 * The TrustDomain API's semantics the federation reconciler relies on, in memory (a create of an existing
 * trust domain and an update of a missing one fail, a delete of a missing one is NOT_FOUND), counting
 * writes; `refuse` makes the writes for a trust domain fail. Integration tests use the real spire-server.
 */
export class MemoryTrustDomains implements TrustDomainClient {
  readonly relationships = new Map<string, FederationRelationship>();
  readonly refuse = new Set<string>();
  writes: string[] = [];
  async listFederationRelationships(): Promise<FederationRelationship[]> {
    return [...this.relationships.values()].map(({ trustDomainBundle: _bundle, ...relationship }) => relationship);
  }
  #write(operation: string, trustDomain: string, apply: () => RelationshipWriteOutcome): RelationshipWriteOutcome {
    this.writes.push(`${operation} ${trustDomain}`);
    if (this.refuse.has(trustDomain)) return { kind: 'error', trustDomain, code: 13, message: 'refused' };
    return apply();
  }
  async createFederationRelationships(relationships: readonly FederationRelationship[]): Promise<RelationshipWriteOutcome[]> {
    return relationships.map((relationship) =>
      this.#write('create', relationship.trustDomain, () => {
        if (this.relationships.has(relationship.trustDomain)) return { kind: 'error', trustDomain: relationship.trustDomain, code: 13, message: 'already exists' };
        this.relationships.set(relationship.trustDomain, relationship);
        return { kind: 'ok', trustDomain: relationship.trustDomain };
      }),
    );
  }
  async updateFederationRelationships(relationships: readonly FederationRelationship[]): Promise<RelationshipWriteOutcome[]> {
    return relationships.map((relationship) =>
      this.#write('update', relationship.trustDomain, () => {
        if (!this.relationships.has(relationship.trustDomain)) return { kind: 'error', trustDomain: relationship.trustDomain, code: 13, message: 'record not found' };
        this.relationships.set(relationship.trustDomain, relationship);
        return { kind: 'ok', trustDomain: relationship.trustDomain };
      }),
    );
  }
  async deleteFederationRelationships(trustDomains: readonly string[]): Promise<RelationshipWriteOutcome[]> {
    return trustDomains.map((trustDomain) =>
      this.#write('delete', trustDomain, () => (this.relationships.delete(trustDomain) ? { kind: 'ok', trustDomain } : { kind: 'not-found', trustDomain, message: 'federation relationship not found' })),
    );
  }
}
