import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relationshipFromMessage, relationshipToMessage } from './trust-domain-message.ts';

test('a relationship becomes the TrustDomain API message, with its profile in the oneof and its bundle as bytes', () => {
  const der = Uint8Array.from([1, 2, 3]);
  const message = relationshipToMessage({
    trustDomain: 'partner.org',
    bundleEndpointUrl: 'https://partner.org:8443',
    bundleEndpointProfile: { type: 'https_spiffe', endpointSpiffeId: 'spiffe://partner.org/server' },
    trustDomainBundle: { trustDomain: 'partner.org', x509Authorities: [der], jwtAuthorities: [{ keyId: 'k', publicKey: der, expiresAt: 0 }], refreshHintSeconds: 60, sequenceNumber: 2 },
  });
  assert.deepEqual(message, {
    trust_domain: 'partner.org',
    bundle_endpoint_url: 'https://partner.org:8443',
    https_spiffe: { endpoint_spiffe_id: 'spiffe://partner.org/server' },
    trust_domain_bundle: {
      trust_domain: 'partner.org',
      x509_authorities: [{ asn1: Buffer.from(der), tainted: false }],
      jwt_authorities: [{ public_key: Buffer.from(der), key_id: 'k', expires_at: '0', tainted: false }],
      refresh_hint: '60',
      sequence_number: '2',
    },
  });
  assert.deepEqual(relationshipToMessage({ trustDomain: 'b.org', bundleEndpointUrl: 'https://b.org', bundleEndpointProfile: { type: 'https_web' } }), { trust_domain: 'b.org', bundle_endpoint_url: 'https://b.org', https_web: {}, trust_domain_bundle: null });
  assert.throws(() => relationshipToMessage({ trustDomain: 'b.org', bundleEndpointUrl: 'https://b.org', bundleEndpointProfile: { type: 'https_web' }, trustDomainBundle: { trustDomain: 'c.org', x509Authorities: [], jwtAuthorities: [], refreshHintSeconds: 0, sequenceNumber: 0 } }), /the bundle is for trust domain c\.org/);
});

test('what the server sends is checked: the profile named by the oneof, the URL, the IDs', () => {
  assert.deepEqual(relationshipFromMessage({ trust_domain: 'b.org', bundle_endpoint_url: 'https://b.org', bundle_endpoint_profile: 'https_web', https_web: {} }), { trustDomain: 'b.org', bundleEndpointUrl: 'https://b.org', bundleEndpointProfile: { type: 'https_web' } });
  assert.deepEqual(relationshipFromMessage({ trust_domain: 'b.org', bundle_endpoint_url: 'https://b.org', bundle_endpoint_profile: 'https_spiffe', https_spiffe: { endpoint_spiffe_id: 'spiffe://b.org/s' } }).bundleEndpointProfile, { type: 'https_spiffe', endpointSpiffeId: 'spiffe://b.org/s' });
  assert.throws(() => relationshipFromMessage({ trust_domain: 'b.org', bundle_endpoint_url: 'https://b.org' }), /no bundle endpoint profile/);
  assert.throws(() => relationshipFromMessage({ trust_domain: 'B', bundle_endpoint_url: 'https://b.org', bundle_endpoint_profile: 'https_web' }), /not a trust domain name/);
  assert.throws(() => relationshipFromMessage({ trust_domain: 'b.org', bundle_endpoint_url: 'ftp://b.org', bundle_endpoint_profile: 'https_web' }), /scheme must be https/);
});
