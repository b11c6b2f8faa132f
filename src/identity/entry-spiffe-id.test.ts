import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entrySpiffeIdProblem, trustDomainName } from './entry-spiffe-id.ts';

test('valid IDs in the trust domain pass, dots inside segments too', () => {
  assert.equal(entrySpiffeIdProblem('spiffe://example.org/a.b/..c/d..', 'example.org'), undefined);
  assert.equal(entrySpiffeIdProblem('spiffe://example.org/ns/default/sa/web', 'example.org'), undefined);
  assert.equal(entrySpiffeIdProblem('spiffe://example.org/spire/agent/k8s_psat/c/uid-1', 'example.org'), undefined);
});

test('IDs that break the SPIFFE ID specification are refused with the reason', () => {
  const cases: [string, RegExp][] = [
    ['http://example.org/x', /does not start with spiffe:\/\//],
    ['spiffe://Example.org/x', /trust domain/],
    ['spiffe://example.org/a//b', /empty segment/],
    ['spiffe://example.org/a/', /empty segment or a trailing/],
    ['spiffe://example.org/a/../b', /'\.\.' segment/],
    ['spiffe://example.org/a/..', /'\.\.' segment/],
    ['spiffe://example.org/.', /'\.' segment/],
    ['spiffe://example.org/./a', /'\.' segment/],
    ['spiffe://example.org.evil/a', /not in trust domain/],
    ['SPIFFE://example.org/a', /does not start with spiffe:\/\//],
    ['spiffe://example.org/ns/<no value>', /path segment "<no value>"/],
    ['spiffe://example.org/a b', /path segment "a b"/],
    ['spiffe:///path', /no trust domain/],
    [`spiffe://example.org/${'a'.repeat(2100)}`, /longer than 2048/],
  ];
  for (const [id, reason] of cases) assert.match(entrySpiffeIdProblem(id, 'example.org') ?? 'passed', reason, id);
});

test('IDs outside the trust domain, or without a path, are refused', () => {
  assert.equal(entrySpiffeIdProblem('spiffe://other.org/x', 'example.org'), 'SPIFFE ID "spiffe://other.org/x" is not in trust domain "example.org"');
  assert.equal(entrySpiffeIdProblem('spiffe://example.org', 'example.org'), 'SPIFFE ID "spiffe://example.org" has no path');
});

test('trust domains may be written with or without spiffe://', () => {
  assert.deepEqual(trustDomainName('example.org'), { name: 'example.org' });
  assert.deepEqual(trustDomainName('spiffe://example.org'), { name: 'example.org' });
  assert.ok('problem' in trustDomainName('Example.org'));
  assert.ok('problem' in trustDomainName(''));
  assert.ok('problem' in trustDomainName('a'.repeat(256)));
});
