import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { spiffeBundleJson } from '../../test/support/spiffe-bundle.ts';
import { parseTrustDomainBundle } from './trust-domain-bundle.ts';

test('a SPIFFE bundle gives its X.509 authorities as DER, its JWT authorities as PKIX keys, its hint and sequence', () => {
  const text = spiffeBundleJson({ keyId: 'k1', refreshHint: 300, sequence: 7 });
  const document = JSON.parse(text) as { keys: { x5c?: string[] }[] };
  const bundle = parseTrustDomainBundle(text, 'partner.org');
  assert.equal(bundle.trustDomain, 'partner.org');
  assert.equal(bundle.x509Authorities.length, 1);
  assert.equal(new X509Certificate(Buffer.from(bundle.x509Authorities[0] ?? [])).subject, 'CN=test-ca');
  assert.deepEqual(Buffer.from(bundle.x509Authorities[0] ?? []).toString('base64'), document.keys[0]?.x5c?.[0]);
  assert.deepEqual(bundle.jwtAuthorities.map((key) => [key.keyId, key.expiresAt, key.publicKey.length > 50]), [['k1', 0, true]]);
  assert.deepEqual([bundle.refreshHintSeconds, bundle.sequenceNumber], [300, 7]);
});

test('what go-spiffe refuses is refused, naming the key', () => {
  const good = JSON.parse(spiffeBundleJson()) as { keys: Record<string, unknown>[] };
  const x509 = good.keys[0] as Record<string, unknown>;
  const jwt = good.keys[1] as Record<string, unknown>;
  const other = JSON.parse(spiffeBundleJson()) as { keys: Record<string, unknown>[] };
  const cases: [unknown, RegExp][] = [
    [{}, /no authorities found/],
    [{ keys: [{ ...x509, x5c: [] }] }, /keys\[0\]: expected a single certificate in x5c, got 0/],
    [{ keys: [jwt, { ...x509, x5c: ['bm90IGEgY2VydA=='] }] }, /keys\[1\]: x5c\[0\] is not a certificate/],
    [{ keys: [{ ...x509, x5c: (other.keys[0] as { x5c: string[] }).x5c }] }, /keys\[0\]: the certificate's public key is not the key's/],
    [{ keys: [{ ...jwt, kid: '' }] }, /keys\[0\]: a jwt-svid key needs a key ID/],
    [{ keys: [{ ...jwt, x: 'AAAA' }] }, /keys\[0\]: not a public key/],
    [{ keys: [], spiffe_sequence: -1 }, /spiffe_sequence: expected a whole number/],
  ];
  for (const [document, expected] of cases) assert.throws(() => parseTrustDomainBundle(JSON.stringify(document), 'partner.org'), expected);
  assert.throws(() => parseTrustDomainBundle('{', 'partner.org'), /not a SPIFFE bundle \(JSON\)/);
  // Keys of other uses are skipped, as go-spiffe skips them.
  assert.deepEqual(parseTrustDomainBundle(JSON.stringify({ keys: [{ use: 'enc', kty: 'oct' }] }), 'partner.org').x509Authorities, []);
});
