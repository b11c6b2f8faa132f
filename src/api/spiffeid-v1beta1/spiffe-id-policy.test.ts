import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpiffeID } from './spiffe-id.ts';
import { clusterDnsNamespace, defaultNamespacedIDPrefixTemplate, namespacedIdPrefixTemplateProblem, spiffeIdPolicy, type SpiffeIdPolicyConfig } from './spiffe-id-policy.ts';

function config(namespacedIDPrefixTemplate = defaultNamespacedIDPrefixTemplate, clusterDNSNamesInOwnNamespace = true): SpiffeIdPolicyConfig {
  return { trustDomain: 'example.org', clusterDomain: 'cluster.local', spiffeIDPolicy: { namespacedIDPrefixTemplate, clusterDNSNamesInOwnNamespace } };
}

function parse(spec: Record<string, unknown>, policy = spiffeIdPolicy(config()), namespace = 'shop') {
  return parseSpiffeID({ apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'SpiffeID', metadata: { name: 'web', namespace }, spec: { selector: { podLabel: { app: 'web' } }, ...spec } }, 'example.org', policy);
}

function errorsOf(spec: Record<string, unknown>, policy = spiffeIdPolicy(config())): readonly string[] {
  const result = parse(spec, policy);
  assert.ok(!result.ok, 'expected the policy to refuse it');
  return result.errors;
}

test('by default a SpiffeID names IDs under /ns/<its namespace>/ only', () => {
  for (const spiffeId of ['spiffe://example.org/ns/shop/sa/web', 'spiffe://example.org/ns/shop/web', 'spiffe://example.org/ns/shop']) {
    const result = parse({ spiffeId });
    assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  }
  assert.deepEqual(errorsOf({ spiffeId: 'spiffe://example.org/ns/bank/sa/api' }), [
    'SpiffeID shop/web: spec.spiffeId: "spiffe://example.org/ns/bank/sa/api" is not under "spiffe://example.org/ns/shop/", where the SpiffeIDs of namespace "shop" name theirs ' +
      '(config spiffeIDPolicy.namespacedIDPrefixTemplate): another namespace\'s workloads may hold that ID; use an ID under it, or a ClusterSpiffeID',
  ]);
  // By path segment: "shopping" is not under "shop".
  assert.match(errorsOf({ spiffeId: 'spiffe://example.org/ns/shopping/web' })[0] ?? '', /^SpiffeID shop\/web: spec.spiffeId: "spiffe:\/\/example.org\/ns\/shopping\/web" is not under/);
  assert.match(errorsOf({ spiffeId: 'spiffe://example.org/shop/web' })[0] ?? '', /is not under "spiffe:\/\/example.org\/ns\/shop\/"/);
});

test('another template is rendered for the namespace; "" turns the rule off', () => {
  const teams = spiffeIdPolicy(config('spiffe://{{ .TrustDomain }}/tenants/{{ .Namespace }}'));
  assert.ok(parse({ spiffeId: 'spiffe://example.org/tenants/shop/web' }, teams).ok);
  assert.ok(!parse({ spiffeId: 'spiffe://example.org/ns/shop/web' }, teams).ok);
  const off = spiffeIdPolicy(config(''));
  assert.ok(parse({ spiffeId: 'spiffe://example.org/bank/api' }, off).ok);
  assert.ok(parse({ spiffeId: 'spiffe://example.org/ns/bank/sa/api' }, off).ok);
});

test('a template must render an ID of the trust domain, a different one per namespace', () => {
  assert.equal(namespacedIdPrefixTemplateProblem(defaultNamespacedIDPrefixTemplate, 'example.org'), undefined);
  assert.equal(namespacedIdPrefixTemplateProblem('spiffe://example.org/{{ .Namespace }}', 'example.org'), undefined);
  assert.match(namespacedIdPrefixTemplateProblem('spiffe://{{ .TrustDomain }}/tenants/', 'example.org') ?? '', /renders "spiffe:\/\/example.org\/tenants" for every namespace: it must use \{\{ \.Namespace \}\}/);
  assert.match(namespacedIdPrefixTemplateProblem('spiffe://other.org/ns/{{ .Namespace }}/', 'example.org') ?? '', /^config spiffeIDPolicy.namespacedIDPrefixTemplate: rendered "spiffe:\/\/other.org\/ns\/tenant-a\/" for namespace "tenant-a": .*not in trust domain "example.org"/);
  assert.match(namespacedIdPrefixTemplateProblem('{{ .Cluster }}', 'example.org') ?? '', /^config spiffeIDPolicy.namespacedIDPrefixTemplate: .*Cluster/);
});

test('cluster DNS names are read for their namespace; other names are not', () => {
  assert.equal(clusterDnsNamespace('api.payments.svc', 'cluster.local'), 'payments');
  assert.equal(clusterDnsNamespace('api.payments.svc.cluster.local', 'cluster.local'), 'payments');
  assert.equal(clusterDnsNamespace('*.payments.svc.cluster.local', 'cluster.local'), 'payments');
  assert.equal(clusterDnsNamespace('web-0.api.payments.svc.cluster.local', 'cluster.local'), 'payments');
  assert.equal(clusterDnsNamespace('10-0-0-1.payments.pod.cluster.local', 'cluster.local'), 'payments');
  assert.equal(clusterDnsNamespace('API.Payments.SVC.Cluster.Local', 'cluster.local'), 'payments');
  assert.equal(clusterDnsNamespace('api.payments.svc.corp.example', 'corp.example'), 'payments');
  for (const name of ['api.payments', 'payments.example.com', 'svc.cluster.local', 'svc', 'api.payments.svc.example.com']) assert.equal(clusterDnsNamespace(name, 'cluster.local'), undefined, name);
});

test("a SpiffeID's cluster DNS names must be its own namespace's, unless turned off", () => {
  const spiffeId = 'spiffe://example.org/ns/shop/web';
  assert.ok(parse({ spiffeId, dnsNames: ['web.shop.svc', 'web.shop.svc.cluster.local', 'shop.example.com', 'web.bank'] }).ok);
  assert.deepEqual(errorsOf({ spiffeId, dnsNames: ['web.shop.svc', 'api.bank.svc.cluster.local'] }), [
    'SpiffeID shop/web: spec.dnsNames: "api.bank.svc.cluster.local" is a cluster DNS name of namespace "bank", not of this SpiffeID\'s own "shop" ' +
      "(config spiffeIDPolicy.clusterDNSNamesInOwnNamespace): a SVID with it could pass for that namespace's Service; use a ClusterSpiffeID",
  ]);
  assert.ok(parse({ spiffeId, dnsNames: ['api.bank.svc.cluster.local'] }, spiffeIdPolicy(config(defaultNamespacedIDPrefixTemplate, false))).ok);
});

test('every problem is told at once, each naming its field', () => {
  const errors = errorsOf({ spiffeId: 'spiffe://example.org/bank/api', dnsNames: ['api.bank.svc'], selector: { namespace: 'bank' } });
  assert.deepEqual(errors.map((error) => /^SpiffeID shop\/web: (spec\.[a-zA-Z.]+):/.exec(error)?.[1]), ['spec.selector.namespace', 'spec.spiffeId', 'spec.dnsNames']);
});
