import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSelector } from '../../spire/entry.ts';
import { everything } from '../v1alpha1/label-selector.ts';
import { parseClusterStaticEntry } from './cluster-static-entry.ts';

function object(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterStaticEntry', metadata: { name: 'db' }, spec };
}

const minimal = { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/spire/agent/join_token/host', selectors: ['unix:uid:999'] };

test("a manifest with every field of spire-controller-manager's ClusterStaticEntry loads into typed values", () => {
  const parsed = parseClusterStaticEntry(
    object({ ...minimal, selectors: ['unix:uid:999', 'k8s:pod-label:app:db'], federatesWith: ['b.org', 'a.org'], x509SVIDTTL: '4h', jwtSVIDTTL: '10m', dnsNames: ['db.example.org'], hint: 'db', admin: true, downstream: true, storeSVID: false, className: '' }),
    'example.org',
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  const { spec } = parsed.value;
  assert.deepEqual({ ...spec, selectors: spec.selectors.map(formatSelector) }, {
    spiffeId: 'spiffe://example.org/db',
    parentId: 'spiffe://example.org/spire/agent/join_token/host',
    selectors: ['unix:uid:999', 'k8s:pod-label:app:db'],
    dnsNames: ['db.example.org'],
    federatesWith: ['a.org', 'b.org'],
    ttlSeconds: 14400,
    jwtTtlSeconds: 600,
    admin: true,
    downstream: true,
    hint: 'db',
    className: '',
    clusterSelector: everything,
  });
});

test('errors name the object and the field', () => {
  const errorsOf = (spec: Record<string, unknown>): string => {
    const parsed = parseClusterStaticEntry(object(spec), 'example.org');
    assert.ok(!parsed.ok);
    return parsed.errors.join('\n');
  };
  assert.match(errorsOf({ ...minimal, selectors: [] }), /^ClusterStaticEntry db: spec\.selectors: at least one selector is required/);
  assert.match(errorsOf({ ...minimal, selectors: ['unix'] }), /spec\.selectors\[0\]: selector "unix" has no ":"/);
  assert.match(errorsOf({ ...minimal, storeSVID: true }), /spec\.storeSVID: not supported/);
  assert.match(errorsOf({ ...minimal, parentID: 'spiffe://other.org/agent' }), /^ClusterStaticEntry db: spec\.parentID: .*not in trust domain/);
  assert.match(errorsOf({ ...minimal, spiffeID: 'web' }), /spec\.spiffeID: /);
});
