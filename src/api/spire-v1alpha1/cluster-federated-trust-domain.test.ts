import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spiffeBundleJson } from '../../../test/support/spiffe-bundle.ts';
import { parseClusterFederatedTrustDomain } from './cluster-federated-trust-domain.ts';

function object(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterFederatedTrustDomain', metadata: { name: 'partner' }, spec };
}

const minimal = { trustDomain: 'partner.org', bundleEndpointURL: 'https://spire.partner.org:8443', bundleEndpointProfile: { type: 'https_web' } };

test("a manifest with every field of spire-controller-manager's ClusterFederatedTrustDomain loads into typed values", () => {
  const bundle = spiffeBundleJson({ sequence: 3 });
  const parsed = parseClusterFederatedTrustDomain(
    object({
      trustDomain: 'partner.org',
      bundleEndpointURL: 'https://spire.partner.org:8443/bundle',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.org/spire/server' },
      trustDomainBundle: bundle,
      className: 'east',
    }),
    'example.org',
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  const { relationship, className } = parsed.value.spec;
  assert.equal(className, 'east');
  assert.deepEqual(
    { ...relationship, trustDomainBundle: undefined },
    { trustDomain: 'partner.org', bundleEndpointUrl: 'https://spire.partner.org:8443/bundle', bundleEndpointProfile: { type: 'https_spiffe', endpointSpiffeId: 'spiffe://partner.org/spire/server' }, trustDomainBundle: undefined },
  );
  assert.deepEqual([relationship.trustDomainBundle?.trustDomain, relationship.trustDomainBundle?.x509Authorities.length, relationship.trustDomainBundle?.sequenceNumber], ['partner.org', 1, 3]);
});

test('omitted fields take their defaults; a trust domain may be written as spiffe://', () => {
  const parsed = parseClusterFederatedTrustDomain(object({ ...minimal, trustDomain: 'spiffe://partner.org' }));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  assert.deepEqual(parsed.value.spec, { relationship: { trustDomain: 'partner.org', bundleEndpointUrl: 'https://spire.partner.org:8443', bundleEndpointProfile: { type: 'https_web' } }, className: '' });
});

test('errors name the object and the field: what spire-controller-manager refuses, and the server itself', () => {
  const errorsOf = (spec: Record<string, unknown>): string => {
    const parsed = parseClusterFederatedTrustDomain(object(spec), 'example.org');
    assert.ok(!parsed.ok, JSON.stringify(spec));
    return parsed.errors.join('\n');
  };
  assert.match(errorsOf({ ...minimal, trustDomain: 'Partner.org' }), /^ClusterFederatedTrustDomain partner: spec\.trustDomain: trust domain "Partner\.org" is not a trust domain name/);
  assert.match(errorsOf({ ...minimal, bundleEndpointURL: 'http://spire.partner.org' }), /^ClusterFederatedTrustDomain partner: spec\.bundleEndpointURL: "http:\/\/spire\.partner\.org": the scheme must be https/);
  assert.match(errorsOf({ ...minimal, bundleEndpointURL: 'https://user:pw@spire.partner.org' }), /spec\.bundleEndpointURL: .*must not contain user info/);
  assert.match(errorsOf({ ...minimal, bundleEndpointURL: 'spire.partner.org' }), /spec\.bundleEndpointURL: "spire\.partner\.org" is not a URL/);
  assert.match(errorsOf({ ...minimal, bundleEndpointProfile: { type: 'https_spiffe' } }), /^ClusterFederatedTrustDomain partner: spec\.bundleEndpointProfile\.endpointSPIFFEID: required for the "https_spiffe" profile/);
  assert.match(errorsOf({ ...minimal, bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'partner.org/server' } }), /spec\.bundleEndpointProfile\.endpointSPIFFEID: SPIFFE ID "partner\.org\/server" does not start with spiffe:\/\//);
  assert.match(errorsOf({ ...minimal, bundleEndpointProfile: { type: 'https_web', endpointSPIFFEID: 'spiffe://partner.org/server' } }), /spec\.bundleEndpointProfile\.endpointSPIFFEID: not applicable to the "https_web" profile/);
  assert.match(errorsOf({ ...minimal, bundleEndpointProfile: { type: 'web' } }), /spec\.bundleEndpointProfile\.type: expected "https_spiffe" or "https_web"/);
  assert.match(errorsOf({ ...minimal, trustDomainBundle: '{"keys":[{"use":"jwt-svid"}]}' }), /^ClusterFederatedTrustDomain partner: spec\.trustDomainBundle: keys\[0\]: a jwt-svid key needs a key ID/);
  assert.match(errorsOf({ ...minimal, trustDomain: 'example.org' }), /^ClusterFederatedTrustDomain partner: spec\.trustDomain: "example\.org" is the SPIRE server's own trust domain/);
  assert.match(errorsOf({ ...minimal, bundleEndpointUrl: 'x' }), /spec\.bundleEndpointUrl: unknown field/);
});
