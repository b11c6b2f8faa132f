import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSpiffeId, parseSpiffeId, validateTrustDomain } from './spiffe-id.ts';

describe('SPIFFE IDs', () => {
  it('splits into trust domain and path, and joins back', () => {
    assert.deepEqual(parseSpiffeId('spiffe://example.org/ns/a/sa/b'), { trustDomain: 'example.org', path: '/ns/a/sa/b' });
    assert.deepEqual(parseSpiffeId('spiffe://example.org'), { trustDomain: 'example.org', path: '' });
    assert.equal(formatSpiffeId({ trustDomain: 'example.org', path: '/ns/a' }), 'spiffe://example.org/ns/a');
    assert.equal(formatSpiffeId({ trustDomain: 'example.org', path: '' }), 'spiffe://example.org');
  });

  for (const [uri, reason] of [
    ['https://example.org/a', /does not start with spiffe:\/\//],
    ['spiffe:///a', /no trust domain/],
    ['spiffe://Example.org/a', /lower-case/],
    ['spiffe://example.org/', /trailing/],
    ['spiffe://example.org/a//b', /empty segment/],
    ['spiffe://example.org/a/../b', /'\.\.' segment/],
    ['spiffe://example.org/a b', /may hold only/],
    ['spiffe://example.org:8080/a', /lower-case/],
  ] as const) {
    it(`rejects ${uri} saying why`, () => {
      assert.throws(() => parseSpiffeId(uri), { message: reason });
    });
  }

  it('checks parts that come from the server too', () => {
    assert.throws(() => formatSpiffeId({ trustDomain: 'example.org', path: 'no-slash' }), /must start with '\/'/);
  });

  it('takes trust domain names, not SPIFFE IDs, as trust domains', () => {
    assert.equal(validateTrustDomain('other.org'), 'other.org');
    assert.throws(() => validateTrustDomain('spiffe://other.org'), /without spiffe:\/\//);
  });
});
