import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClusterFederatedTrustDomain } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { managedObject } from './managed-object.ts';
import { clusterFederatedTrustDomainStatus } from './status-reporter.ts';

const object = managedObject((raw) => parseClusterFederatedTrustDomain(raw))({
  apiVersion: 'spire.spiffe.io/v1alpha1',
  kind: 'ClusterFederatedTrustDomain',
  metadata: { name: 'partner', generation: 3 },
  spec: { trustDomain: 'partner.org', bundleEndpointURL: 'https://spire.partner.org', bundleEndpointProfile: { type: 'https_web' } },
});
const now = new Date('2026-12-07T06:00:00Z');

function ready(outcome: Parameters<typeof clusterFederatedTrustDomainStatus>[1]): { status: string; reason: string; message: string; observedGeneration: number } | undefined {
  return (clusterFederatedTrustDomainStatus(object, outcome, now)?.conditions as { status: string; reason: string; message: string; observedGeneration: number }[] | undefined)?.[0];
}

test('each federation outcome is one Ready condition, at the object generation, saying why in words a user can act on', () => {
  assert.equal(clusterFederatedTrustDomainStatus(object, undefined, now), undefined, 'nothing before the first reconciliation saw it');
  assert.deepEqual(ready({ state: 'set', trustDomain: 'partner.org' }), {
    type: 'Ready',
    status: 'True',
    reason: 'RelationshipSet',
    message: 'the SPIRE server federates with partner.org as this object says',
    lastTransitionTime: '2026-12-07T06:00:00Z',
    observedGeneration: 3,
  });
  assert.match(ready({ state: 'conflict', trustDomain: 'partner.org' })?.message ?? '', /that the registrar did not create .* left untouched; delete it \(spire-server federation delete -id partner\.org\)/);
  assert.deepEqual([ready({ state: 'masked', trustDomain: 'partner.org', by: 'partner-1', held: false })?.reason, ready({ state: 'masked', trustDomain: 'partner.org', by: 'partner-1', held: false })?.message], ['Masked', 'ClusterFederatedTrustDomain partner-1, older, decides the relationship with partner.org']);
  assert.match(ready({ state: 'masked', trustDomain: 'partner.org', by: 'broken', held: true })?.message ?? '', /broken owns the relationship with partner\.org and its spec is invalid: the relationship is kept as it is/);
  assert.deepEqual([ready({ state: 'failed', trustDomain: 'partner.org', message: 'create refused: x' })?.reason, ready({ state: 'failed', trustDomain: 'partner.org', message: 'create refused: x' })?.message], ['RelationshipFailed', 'create refused: x']);
});
