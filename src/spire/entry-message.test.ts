import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrationEntry } from './entry.ts';
import { entryFromMessage, entryMask, entryToMessage, normalizeEntry, sameEntry } from './entry-message.ts';

const entry: RegistrationEntry = {
  id: 'eks-c1-0123abcd',
  spiffeId: 'spiffe://example.org/ns/a/sa/b',
  parentId: 'spiffe://example.org/spire/agent/k8s_psat/c1/node-1',
  selectors: [
    { type: 'k8s', value: 'pod-uid:1234' },
    { type: 'k8s', value: 'ns:a' },
  ],
  x509SvidTtl: 3600,
  jwtSvidTtl: 300,
  dnsNames: ['b.a.svc', 'a.svc'],
  federatesWith: ['other.org'],
  admin: false,
  downstream: true,
  hint: 'hint',
};

// What proto-loader hands over for `entry` (keepCase, defaults, longs as strings).
const message = {
  id: 'eks-c1-0123abcd',
  spiffe_id: { trust_domain: 'example.org', path: '/ns/a/sa/b' },
  parent_id: { trust_domain: 'example.org', path: '/spire/agent/k8s_psat/c1/node-1' },
  selectors: [
    { type: 'k8s', value: 'pod-uid:1234' },
    { type: 'k8s', value: 'ns:a' },
  ],
  x509_svid_ttl: 3600,
  federates_with: ['other.org'],
  admin: false,
  downstream: true,
  expires_at: '0',
  dns_names: ['b.a.svc', 'a.svc'],
  revision_number: '3',
  store_svid: false,
  jwt_svid_ttl: 300,
  hint: 'hint',
  created_at: '1700000000',
};

describe('entry messages', () => {
  it('encodes every field, SPIFFE IDs split', () => {
    assert.deepEqual(entryToMessage(entry), {
      id: message.id,
      spiffe_id: message.spiffe_id,
      parent_id: message.parent_id,
      selectors: message.selectors,
      x509_svid_ttl: 3600,
      jwt_svid_ttl: 300,
      dns_names: ['b.a.svc', 'a.svc'],
      federates_with: ['other.org'],
      admin: false,
      downstream: true,
      hint: 'hint',
    });
  });

  it('decodes into the normalized entry: selectors, DNS names and trust domains sorted', () => {
    assert.deepEqual(entryFromMessage(message), {
      ...entry,
      selectors: [
        { type: 'k8s', value: 'ns:a' },
        { type: 'k8s', value: 'pod-uid:1234' },
      ],
      dnsNames: ['a.svc', 'b.a.svc'],
    });
  });

  it('sorts by code unit, not by locale', () => {
    const decoded = entryFromMessage({ ...message, dns_names: ['b', 'B', 'a'], selectors: [{ type: 'k8s', value: 'b' }, { type: 'K8s', value: 'a' }] });
    assert.deepEqual(decoded.dnsNames, ['B', 'a', 'b']);
    assert.deepEqual(decoded.selectors.map((s) => s.type), ['K8s', 'k8s']);
  });

  for (const [change, reason] of [
    [{ id: '' }, /entry without an ID/],
    [{ spiffe_id: null }, /entry eks-c1-0123abcd: field spiffe_id: expected a SPIFFE ID/],
    [{ parent_id: { trust_domain: 'example.org', path: 'x' } }, /field parent_id: .*must start with '\/'/],
    [{ selectors: [{ type: 'k8s' }] }, /field selectors\[0\]: expected \{type, value\}/],
    [{ x509_svid_ttl: '60' }, /field x509_svid_ttl: expected a whole number/],
    [{ dns_names: 'a.svc' }, /field dns_names: expected a list/],
    [{ admin: 'false' }, /field admin: expected a boolean/],
  ] as const) {
    it(`rejects a server entry with ${JSON.stringify(change)}, naming entry and field`, () => {
      assert.throws(() => entryFromMessage({ ...message, ...change }), { message: reason });
    });
  }

  for (const [change, reason] of [
    [{ id: 'has space' }, /entry ID "has space" must be 1 to 255 characters/],
    [{ id: 'x'.repeat(256) }, /must be 1 to 255 characters/],
    [{ spiffeId: 'example.org/a' }, /does not start with spiffe:\/\//],
    [{ selectors: [] }, /at least one selector/],
    [{ selectors: [{ type: 'k8s', value: '' }] }, /non-empty value/],
    [{ x509SvidTtl: -1 }, /x509SvidTtl -1 must be a whole number/],
    [{ jwtSvidTtl: 2 ** 31 }, /jwtSvidTtl 2147483648/],
    [{ federatesWith: ['spiffe://other.org'] }, /not a trust domain name/],
    [{ dnsNames: [''] }, /DNS names must not be empty/],
  ] as const) {
    it(`refuses to send an entry with ${JSON.stringify(change).slice(0, 60)}`, () => {
      assert.throws(() => entryToMessage({ ...entry, ...change }), { message: reason });
    });
  }

  it('lets the server pick the ID when it is empty', () => {
    assert.equal(entryToMessage({ ...entry, id: '' }).id, '');
  });

  it('masks exactly the named fields, by their wire names', () => {
    assert.deepEqual(entryMask(['x509SvidTtl', 'dnsNames', 'spiffeId']), { x509_svid_ttl: true, dns_names: true, spiffe_id: true });
    assert.deepEqual(entryMask([]), {});
  });

  it('compares normalized entries field by field', () => {
    const normalized = normalizeEntry(entry);
    assert.ok(sameEntry(normalized, normalizeEntry({ ...entry, dnsNames: ['a.svc', 'b.a.svc'] })));
    assert.ok(!sameEntry(normalized, normalizeEntry({ ...entry, hint: 'other' })));
    assert.ok(!sameEntry(normalized, normalizeEntry({ ...entry, selectors: [{ type: 'k8s', value: 'ns:a' }] })));
    assert.ok(!sameEntry(normalized, normalizeEntry({ ...entry, federatesWith: [] })));
  });
});
