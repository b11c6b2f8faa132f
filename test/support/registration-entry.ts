import type { RegistrationEntry } from '../../src/spire/entry.ts';

/**
 * A registration entry for tests: `fields` over one with the Entry API's defaults (no TTLs, DNS names,
 * federation, flags or hint), so that a test writes out only the fields it is about.
 */
export function registrationEntry(fields: Partial<RegistrationEntry> = {}): RegistrationEntry {
  return {
    id: 'own-1',
    spiffeId: 'spiffe://example.org/workload',
    parentId: 'spiffe://example.org/spire/agent/k8s_psat/cluster-1/node-1',
    selectors: [{ type: 'k8s', value: 'pod-uid:1' }],
    x509SvidTtl: 0,
    jwtSvidTtl: 0,
    dnsNames: [],
    federatesWith: [],
    admin: false,
    downstream: false,
    hint: '',
    ...fields,
  };
}

/** Entries by ID, as a listing or the reconciler's cache holds them. */
export function byId(entries: Iterable<RegistrationEntry>): Map<string, RegistrationEntry> {
  return new Map([...entries].map((entry) => [entry.id, entry]));
}
