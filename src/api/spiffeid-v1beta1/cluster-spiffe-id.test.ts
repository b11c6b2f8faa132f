import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { formatSelector } from '../../spire/entry.ts';
import { parseManifests } from '../manifests.ts';
import { parseClusterSpiffeID } from './cluster-spiffe-id.ts';

function object(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'ClusterSpiffeID', metadata: { name: 'api' }, spec };
}

function errorsOf(spec: Record<string, unknown>, trustDomain?: string): readonly string[] {
  const result = parseClusterSpiffeID(object(spec), trustDomain);
  assert.ok(!result.ok, 'expected validation errors');
  return result.errors;
}

test('the sample loads into typed values, with defaults for what it omits', async () => {
  const url = new URL('../../../config/samples/clusterspiffeid-payments-api.yaml', import.meta.url);
  const [sample] = parseManifests(await readFile(url, 'utf8'), 'sample').objects;
  const result = parseClusterSpiffeID(sample, 'example.org');
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  const { spec } = result.value;
  assert.deepEqual({ ...spec, selectors: spec.selectors.map(formatSelector) }, {
    spiffeId: 'spiffe://example.org/ns/payments/sa/api',
    parentId: undefined,
    selectors: ['k8s:ns:payments', 'k8s:sa:api'],
    selectorNamespaces: [{ field: 'namespace', namespace: 'payments' }],
    clusterSelector: { matchLabels: { type: 'workload' }, matchExpressions: [] },
    clusterName: undefined,
    dnsNames: ['api.payments.svc'],
    federatesWith: [],
    ttlSeconds: 3600,
    jwtTtlSeconds: 0,
    admin: false,
    downstream: false,
    hint: '',
  });
});

test('a literal parent is kept; the server as parent (the retired samples) means the node alias', () => {
  const parent = (parentId: string): string | undefined => {
    const result = parseClusterSpiffeID(object({ spiffeId: 'spiffe://example.org/a', parentId, selector: { namespace: 'a' } }));
    assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    return result.value.spec.parentId;
  };
  assert.equal(parent('spiffe://example.org/gateway'), 'spiffe://example.org/gateway');
  assert.equal(parent('spiffe://example.org/spire/server'), undefined);
  assert.equal(parent(''), undefined);
});

test('IDs must be SPIFFE IDs with a path, and in the trust domain when it is known', () => {
  assert.match(errorsOf({ spiffeId: 'https://example.org/a', selector: { namespace: 'a' } })[0] ?? '', /^ClusterSpiffeID api: spec.spiffeId: SPIFFE ID "https:\/\/example.org\/a" does not start with spiffe:\/\//);
  assert.match(errorsOf({ spiffeId: 'spiffe://example.org', selector: { namespace: 'a' } })[0] ?? '', /spec.spiffeId: SPIFFE ID "spiffe:\/\/example.org" has no path/);
  assert.match(errorsOf({ spiffeId: 'spiffe://other.org/a', selector: { namespace: 'a' } }, 'example.org')[0] ?? '', /^ClusterSpiffeID api: spec.spiffeId: SPIFFE ID "spiffe:\/\/other.org\/a" is not in trust domain "example.org"/);
  assert.match(errorsOf({ spiffeId: 'spiffe://example.org/a', parentId: 'spiffe://other.org/p', selector: { namespace: 'a' } }, 'example.org')[0] ?? '', /spec.parentId: .* is not in trust domain/);
});

test('the entry fields are checked as on entries', () => {
  const errors = errorsOf({ spiffeId: 'spiffe://example.org/a', selector: { namespace: 'a' }, ttl: '1.5s', dnsNames: ['-bad'], federatesWith: ['Bad'], spiffeID: 'x' });
  assert.equal(errors.length, 4, errors.join('\n'));
  assert.ok(errors.some((error) => /spec.ttl: must be a whole number of seconds/.test(error)));
  assert.ok(errors.some((error) => /spec.dnsNames\[0\]: DNS name "-bad"/.test(error)));
  assert.ok(errors.some((error) => /spec.federatesWith\[0\]: trust domain "Bad"/.test(error)));
  assert.ok(errors.some((error) => /spec.spiffeID: unknown field/.test(error)));
});
