import type { RegistrationEntry } from '../../src/spire/entry.ts';
import { registrationEntry } from './registration-entry.ts';

/**
 * Entries shaped like the registrar's pod entries (a pod-UID selector and the namespace and service
 * account ones, a node parent, two DNS names, TTLs), numbered so that IDs, SPIFFE IDs and selector sets
 * are all distinct. `prefix` is the owner's ID prefix.
 */
export function podEntries(prefix: string, count: number, trustDomain = 'example.org', from = 0): RegistrationEntry[] {
  return Array.from({ length: count }, (_, k) => podEntry(prefix, from + k, trustDomain));
}

export function podEntry(prefix: string, n: number, trustDomain = 'example.org'): RegistrationEntry {
  const pod = `pod-${String(n).padStart(6, '0')}`;
  const namespace = `ns-${n % 20}`;
  return registrationEntry({
    id: `${prefix}${pod}`,
    spiffeId: `spiffe://${trustDomain}/ns/${namespace}/sa/app-${n % 50}/${pod}`,
    parentId: `spiffe://${trustDomain}/spire/agent/k8s_psat/cluster-1/node-${n % 100}`,
    selectors: [
      { type: 'k8s', value: `ns:${namespace}` },
      { type: 'k8s', value: `pod-uid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}` },
      { type: 'k8s', value: `sa:app-${n % 50}` },
    ],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: [`${pod}.${namespace}.svc`, `${pod}.${namespace}.svc.cluster.local`],
  });
}
