import assert from 'node:assert/strict';
import { test } from 'node:test';
import { everything } from '../v1alpha1/label-selector.ts';
import { parseClusterSPIFFEID } from './cluster-spiffeid.ts';

function object(spec: Record<string, unknown>, annotations?: Record<string, string>): unknown {
  return { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterSPIFFEID', metadata: { name: 'web', ...(annotations === undefined ? {} : { annotations }) }, spec };
}

test("a manifest with every field of spire-controller-manager's ClusterSPIFFEID loads into typed values", () => {
  const parsed = parseClusterSPIFFEID(
    object({
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      namespaceSelector: { matchLabels: { team: 'shop' } },
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      workloadSelectorTemplates: ['k8s:container-name:{{ (index .PodSpec.Containers 0).Name }}'],
      dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc'],
      federatesWith: ['spiffe://b.org', 'a.org', 'a.org'],
      ttl: '1h',
      jwtTtl: '5m',
      admin: true,
      downstream: true,
      autoPopulateDNSNames: true,
      className: 'east',
      fallback: true,
      hint: 'web',
    }),
    'example.org',
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  const { spec } = parsed.value;
  assert.deepEqual(spec, {
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    namespaceSelector: { matchLabels: { team: 'shop' }, matchExpressions: [] },
    podSelector: { matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
    workloadSelectorTemplates: ['k8s:container-name:{{ (index .PodSpec.Containers 0).Name }}'],
    dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc'],
    federatesWith: ['a.org', 'b.org'],
    ttlSeconds: 3600,
    jwtTtlSeconds: 300,
    admin: true,
    downstream: true,
    autoPopulateDNSNames: true,
    className: 'east',
    fallback: true,
    hint: 'web',
    clusterSelector: everything,
  });
});

test('omitted fields take their defaults; the registry selector annotation narrows the clusters', () => {
  const parsed = parseClusterSPIFFEID(object({ spiffeIDTemplate: 'spiffe://example.org/web' }, { 'eksclusterregistry.spire.spiffe.io/cluster-selector': '{"matchLabels":{"env":"prod"}}' }));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  const { spec } = parsed.value;
  assert.deepEqual([spec.namespaceSelector, spec.podSelector, spec.ttlSeconds, spec.fallback, spec.className], [everything, everything, 0, false, '']);
  assert.deepEqual(spec.clusterSelector, { matchLabels: { env: 'prod' }, matchExpressions: [] });
});

test('errors name the object and the field', () => {
  const errorsOf = (spec: Record<string, unknown>, annotations?: Record<string, string>): readonly string[] => {
    const parsed = parseClusterSPIFFEID(object(spec, annotations), 'example.org');
    assert.ok(!parsed.ok);
    return parsed.errors;
  };
  assert.match(errorsOf({ spiffeIDTemplate: '{{ .PodMeta.Name ' }).join('\n'), /^ClusterSPIFFEID web: spec\.spiffeIDTemplate: invalid template/);
  assert.match(errorsOf({ spiffeIDTemplate: 'spiffe://other.org/web' }).join('\n'), /^ClusterSPIFFEID web: spec\.spiffeIDTemplate: .*not in trust domain "example\.org"/);
  assert.match(errorsOf({ spiffeIDTemplate: 'spiffe://example.org/x', ttl: '1.5s' }).join('\n'), /spec\.ttl: must be a whole number of seconds/);
  assert.match(errorsOf({ spiffeIDTemplate: 'spiffe://example.org/x', parentIDTemplate: 'x' }).join('\n'), /^ClusterSPIFFEID web: spec\.parentIDTemplate: unknown field/);
  assert.match(
    errorsOf({ spiffeIDTemplate: 'spiffe://example.org/x' }, { 'eksclusterregistry.spire.spiffe.io/cluster-selector': 'env=prod' }).join('\n'),
    /^ClusterSPIFFEID web: metadata\.annotations\["eksclusterregistry\.spire\.spiffe\.io\/cluster-selector"\]: not JSON/,
  );
  assert.match(
    errorsOf({ spiffeIDTemplate: 'spiffe://example.org/x' }, { 'eksclusterregistry.spire.spiffe.io/cluster-selector': '{"matchExpressions":[{"key":"env","operator":"In"}]}' }).join('\n'),
    /cluster-selector"\]: matchExpressions\[0\]\.values: must be non-empty when operator is In/,
  );
});
