import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parseManifests } from '../manifests.ts';
import { parseWorkloadIdentity, type WorkloadIdentity } from './workload-identity.ts';

async function seedObjects(file: string): Promise<readonly unknown[]> {
  const url = new URL(`../../../test/fixtures/seed/${file}`, import.meta.url);
  const manifests = parseManifests(await readFile(url, 'utf8'), file);
  assert.deepEqual(manifests.errors, []);
  return manifests.objects;
}

function parse(object: unknown): WorkloadIdentity {
  const result = parseWorkloadIdentity(object);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result.value;
}

function errorsOf(spec: Record<string, unknown>): readonly string[] {
  const result = parseWorkloadIdentity({
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'WorkloadIdentity',
    metadata: { name: 'web-app' },
    spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/x', ...spec },
  });
  assert.ok(!result.ok, 'expected validation errors');
  return result.errors;
}

test("the seed's WorkloadIdentity loads into typed values", async () => {
  const [object] = await seedObjects('workload-identity.yaml');
  const identity = parse(object);
  assert.equal(identity.metadata.name, 'test-app-identity');
  assert.deepEqual(identity.spec, {
    applicationName: 'test-app',
    namespace: 'test-app',
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    parentIDTemplate: undefined,
    namespaceSelector: { matchLabels: {}, matchExpressions: [] },
    podSelector: { matchLabels: { app: 'test-app' }, matchExpressions: [] },
    clusterSelector: { matchLabels: { type: 'workload' }, matchExpressions: [] },
    ttlSeconds: 3600,
    jwtTtlSeconds: 300,
    dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc', '{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc.cluster.local'],
    workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:sa:{{ .PodSpec.ServiceAccountName }}'],
    federatesWith: ['example.org'],
    admin: false,
    downstream: false,
    autoPopulateDNSNames: true,
    hint: '',
    className: '',
    fallback: false,
  });
});

test('namespaceSelector, className and fallback, as a ClusterSPIFFEID says them', () => {
  const parsed = parseWorkloadIdentity({
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'WorkloadIdentity',
    metadata: { name: 'teams' },
    spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/x', namespaceSelector: { matchLabels: { team: 'a' } }, className: 'east', fallback: true },
  });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  assert.deepEqual([parsed.value.spec.namespaceSelector.matchLabels, parsed.value.spec.className, parsed.value.spec.fallback], [{ team: 'a' }, 'east', true]);
});

test("the seed's examples 1 and 2 load unchanged, with defaults for what they omit", async () => {
  const webApp = parse((await seedObjects('example-1-web-app.yaml'))[1]);
  assert.equal(webApp.spec.namespace, 'default');
  assert.equal(webApp.spec.ttlSeconds, 3600);
  assert.deepEqual(webApp.spec.clusterSelector, { matchLabels: {}, matchExpressions: [] });
  assert.equal(webApp.spec.autoPopulateDNSNames, false);
  const gateway = parse((await seedObjects('example-2-multi-cluster.yaml'))[2]);
  assert.equal(gateway.spec.spiffeIDTemplate, 'spiffe://{{ .TrustDomain }}/ns/{{ .Namespace }}/sa/{{ .ServiceAccount }}');
  assert.equal(gateway.spec.ttlSeconds, 1800);
  assert.equal(gateway.spec.jwtTtlSeconds, 0);
  assert.deepEqual(gateway.spec.workloadSelectorTemplates, []);
});

test('TTLs: Go durations in whole seconds, not negative, within int32', () => {
  assert.deepEqual(errorsOf({ ttl: '1x' }), ['WorkloadIdentity web-app: spec.ttl: invalid duration "1x": unknown unit "x" (Go syntax, e.g. 1h, 5m, 90s, 1h30m)']);
  assert.deepEqual(errorsOf({ ttl: '1.5s', jwtTtl: '-1m' }), ['WorkloadIdentity web-app: spec.ttl: must be a whole number of seconds', 'WorkloadIdentity web-app: spec.jwtTtl: must not be negative']);
  assert.deepEqual(errorsOf({ ttl: '600000h' }), ['WorkloadIdentity web-app: spec.ttl: must be at most 2147483647s']);
  assert.deepEqual(errorsOf({ ttl: 3600 }), ['WorkloadIdentity web-app: spec.ttl: invalid duration 3600 (Go syntax, e.g. 1h, 5m, 90s, 1h30m)']);
});

test('templates must parse and not be empty', () => {
  const [error, ...rest] = errorsOf({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain', dnsNameTemplates: ['ok', ''] });
  assert.match(error ?? '', /^WorkloadIdentity web-app: spec\.spiffeIDTemplate: invalid template: template: spec\.spiffeIDTemplate:1: /);
  assert.deepEqual(rest, ['WorkloadIdentity web-app: spec.dnsNameTemplates[1]: must not be empty']);
  assert.match(errorsOf({ workloadSelectorTemplates: ['k8s:ns:{{ end }}'] })[0] ?? '', /spec\.workloadSelectorTemplates\[0\]: invalid template: /);
  assert.match(errorsOf({ parentIDTemplate: '{{ if }}' })[0] ?? '', /spec\.parentIDTemplate: invalid template: /);
});

test('federatesWith holds trust domains; spiffe:// forms are normalised, duplicates dropped', () => {
  const identity = parse({
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'WorkloadIdentity',
    metadata: { name: 'x' },
    spec: { spiffeIDTemplate: 'spiffe://td/x', federatesWith: ['spiffe://b.org', 'a.org', 'b.org'], parentIDTemplate: 'spiffe://td/p', hint: 'h', admin: true, downstream: true },
  });
  assert.deepEqual(identity.spec.federatesWith, ['a.org', 'b.org']);
  assert.equal(identity.spec.parentIDTemplate, 'spiffe://td/p');
  assert.equal(identity.spec.hint, 'h');
  assert.equal(identity.spec.admin, true);
  assert.equal(identity.spec.downstream, true);
  assert.match(errorsOf({ federatesWith: ['Bad Domain'] })[0] ?? '', /^WorkloadIdentity web-app: spec\.federatesWith\[0\]: trust domain "Bad Domain"/);
});

test('namespace, selectors and unknown fields are checked; the spiffeIDTemplate is required', () => {
  assert.deepEqual(errorsOf({ namespace: 'Not_A_Namespace', podSelector: { matchLabels: { app: 'a b' } }, podSelectors: {} }), [
    'WorkloadIdentity web-app: spec.namespace: invalid namespace name "Not_A_Namespace"',
    'WorkloadIdentity web-app: spec.podSelector.matchLabels.app: invalid label value "a b": must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit',
    'WorkloadIdentity web-app: spec.podSelectors: unknown field',
  ]);
  assert.deepEqual(errorsOf({ spiffeIDTemplate: undefined }), ['WorkloadIdentity web-app: spec.spiffeIDTemplate: required']);
  const all = parse({
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'WorkloadIdentity',
    metadata: { name: 'x' },
    spec: { spiffeIDTemplate: 'spiffe://td/x', namespace: '' },
  });
  assert.equal(all.spec.namespace, undefined);
});

test('status stats are read', () => {
  const identity = parse({
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'WorkloadIdentity',
    metadata: { name: 'x' },
    spec: { spiffeIDTemplate: 'spiffe://td/x' },
    status: { stats: { clustersTargeted: 2, podsSelected: 5, entriesRegistered: 5 }, lastReconciliation: '2025-09-02T08:48:28Z' },
  });
  assert.deepEqual(identity.status.stats, { clustersTargeted: 2, namespacesFound: 0, podsSelected: 5, entriesRegistered: 5, entriesMasked: 0, renderFailures: 0 });
  assert.equal(identity.status.lastReconciliation, '2025-09-02T08:48:28Z');
});
