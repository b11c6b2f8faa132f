import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkloadIdentitySpec } from '../api/v1alpha1/workload-identity.ts';
import { awsIidParentIDTemplate, defaultParentIDTemplate } from '../config/controller-manager-config.ts';
import { sampleIdentity, sampleNode, samplePod } from '../../test/fixtures/fleet-objects.ts';
import type { ClusterNode, ClusterPod } from './cluster-objects.ts';
import { entryKey, keyDigest } from './entry-id.ts';
import { compileIdentityTemplates, renderEntry, type RenderOutcome, type RenderedEntry } from './render-entry.ts';
import { nodeTemplateParts, podTemplateParts, templateData, type ClusterFacts } from './template-data.ts';
import { podUidSelector } from './workload-selector.ts';

const cluster: ClusterFacts = { trustDomain: 'example.org', clusterName: 'prod-eks', clusterDomain: 'cluster.local', accountId: '123456789012', region: 'us-west-2' };

const pod = samplePod('shop', 'web-1', {
  uid: 'pod-uid-1',
  serviceAccountName: 'web-sa',
  labels: { app: 'web', 'app.kubernetes.io/version': '1.2' },
  annotations: { team: 'checkout' },
  nodeName: 'ip-10-0-0-1',
  generateName: 'web-',
});
const node = sampleNode('ip-10-0-0-1', { uid: 'node-uid-1', providerID: 'aws:///us-west-2a/i-0123456789abcdef0', labels: { zone: 'a' } });

function render(spec: Partial<WorkloadIdentitySpec>, options: { pod?: ClusterPod; node?: ClusterNode; services?: string[]; parentDefault?: string } = {}): RenderOutcome {
  const identity = sampleIdentity('web', spec);
  const templates = compileIdentityTemplates(identity, options.parentDefault ?? defaultParentIDTemplate);
  const thePod = options.pod ?? pod;
  const data = templateData(cluster, identity.spec.applicationName, thePod, podTemplateParts(thePod), nodeTemplateParts(options.node ?? node));
  return renderEntry(identity, templates, data, { trustDomain: 'example.org', podUidSelector: podUidSelector(thePod.uid), serviceDnsNames: () => options.services ?? [] });
}

function rendered(spec: Partial<WorkloadIdentitySpec>, options: Parameters<typeof render>[1] = {}): RenderedEntry {
  const outcome = render(spec, options);
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.failure.field}: ${outcome.failure.problem}`);
  return outcome.entry;
}

function failure(spec: Partial<WorkloadIdentitySpec>, options: Parameters<typeof render>[1] = {}): { field: string; problem: string } {
  const outcome = render(spec, options);
  assert.ok(!outcome.ok, 'expected a render failure');
  return outcome.failure;
}

test('the default entry: SPIFFE ID from the template, k8s_psat parent of the node, pod-uid selector', () => {
  const entry = rendered({ ttlSeconds: 3600, jwtTtlSeconds: 300, federatesWith: ['partner.org'], admin: true, downstream: true, hint: 'h' });
  assert.deepEqual(entry, {
    digest: keyDigest(entryKey('spiffe://example.org/ns/shop/sa/web-sa', 'spiffe://example.org/spire/agent/k8s_psat/prod-eks/node-uid-1', [{ type: 'k8s', value: 'pod-uid:pod-uid-1' }])),
    spiffeId: 'spiffe://example.org/ns/shop/sa/web-sa',
    parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod-eks/node-uid-1',
    selectors: [{ type: 'k8s', value: 'pod-uid:pod-uid-1' }],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: [],
    federatesWith: ['partner.org'],
    admin: true,
    downstream: true,
    hint: 'h',
  });
});

test('every template variable of the seed is there, with the Go field names', () => {
  const variables = [
    ['TrustDomain', 'example.org'],
    ['ClusterName', 'prod-eks'],
    ['ClusterDomain', 'cluster.local'],
    ['ApplicationName', 'checkout'],
    ['AccountID', '123456789012'],
    ['Region', 'us-west-2'],
    ['InstanceID', 'i-0123456789abcdef0'],
    ['Namespace', 'shop'],
    ['ServiceAccount', 'web-sa'],
    ['PodMeta.Name', 'web-1'],
    ['PodMeta.Namespace', 'shop'],
    ['PodMeta.UID', 'pod-uid-1'],
    ['PodMeta.GenerateName', 'web-'],
    ['PodMeta.Labels.app', 'web'],
    ['PodMeta.Annotations.team', 'checkout'],
    ['PodSpec.ServiceAccountName', 'web-sa'],
    ['PodSpec.NodeName', 'ip-10-0-0-1'],
    ['NodeMeta.Name', 'ip-10-0-0-1'],
    ['NodeMeta.UID', 'node-uid-1'],
    ['NodeMeta.Labels.zone', 'a'],
    ['NodeSpec.ProviderID', 'aws:///us-west-2a/i-0123456789abcdef0'],
  ];
  for (const [variable, value] of variables) {
    const entry = rendered({ applicationName: 'checkout', workloadSelectorTemplates: [`v:{{ .${variable} }}`] });
    assert.deepEqual(
      entry.selectors.find((selector) => selector.type === 'v'),
      { type: 'v', value },
      variable,
    );
  }
  const indexed = rendered({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/v/{{ index .PodMeta.Labels "app.kubernetes.io/version" }}' });
  assert.equal(indexed.spiffeId, 'spiffe://example.org/v/1.2');
});

test("the seed's Example 2 shorthands render", () => {
  const entry = rendered({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .Namespace }}/sa/{{ .ServiceAccount }}' });
  assert.equal(entry.spiffeId, 'spiffe://example.org/ns/shop/sa/web-sa');
});

test("the parent ID: the identity's template, else the config's, else node attestation", () => {
  assert.equal(rendered({}, { parentDefault: awsIidParentIDTemplate }).parentId, 'spiffe://example.org/spire/agent/aws_iid/123456789012/us-west-2/i-0123456789abcdef0');
  assert.equal(rendered({ parentIDTemplate: 'spiffe://{{ .TrustDomain }}/gateway/{{ .ClusterName }}' }, { parentDefault: awsIidParentIDTemplate }).parentId, 'spiffe://example.org/gateway/prod-eks');
});

test('selectors: pod-uid plus each rendered template, sorted, duplicates dropped; values may hold colons', () => {
  const entry = rendered({
    workloadSelectorTemplates: ['k8s:sa:{{ .PodSpec.ServiceAccountName }}', 'k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-label:app:{{ .PodMeta.Labels.app }}', 'k8s:ns:shop'],
  });
  assert.deepEqual(entry.selectors, [
    { type: 'k8s', value: 'ns:shop' },
    { type: 'k8s', value: 'pod-label:app:web' },
    { type: 'k8s', value: 'pod-uid:pod-uid-1' },
    { type: 'k8s', value: 'sa:web-sa' },
  ]);
});

test('DNS names: templates in order, empty ones skipped, duplicates dropped, then the Services', () => {
  const entry = rendered(
    {
      dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc', '{{ if .PodMeta.Labels.missing }}x{{ end }}', 'web', '{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc'],
      autoPopulateDNSNames: true,
    },
    { services: ['web', 'web.shop', 'web.shop.svc', 'web.shop.svc.cluster.local'] },
  );
  assert.deepEqual(entry.dnsNames, ['web-1.shop.svc', 'web', 'web.shop', 'web.shop.svc', 'web.shop.svc.cluster.local']);
  assert.deepEqual(rendered({}, { services: ['web'] }).dnsNames, [], 'Services count only with autoPopulateDNSNames');
});

test('a missing map key ("<no value>") is a failure in an ID, a selector or a DNS name', () => {
  assert.deepEqual(failure({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/app/{{ .PodMeta.Labels.tier }}' }), {
    field: 'spec.spiffeIDTemplate',
    problem: 'rendered "spiffe://example.org/app/<no value>" contains "<no value>": the template refers to a missing map key',
  });
  assert.equal(failure({ workloadSelectorTemplates: ['k8s:pod-label:tier:{{ .PodMeta.Labels.tier }}'] }).field, 'spec.workloadSelectorTemplates[0]');
  assert.equal(failure({ dnsNameTemplates: ['ok.example', '{{ .PodMeta.Labels.tier }}.example'] }).field, 'spec.dnsNameTemplates[1]');
});

test('rendered values are validated', () => {
  assert.deepEqual(failure({ spiffeIDTemplate: 'spiffe://other.org/{{ .PodMeta.Name }}' }), {
    field: 'spec.spiffeIDTemplate',
    problem: 'rendered "spiffe://other.org/web-1": SPIFFE ID "spiffe://other.org/web-1" is not in trust domain "example.org"',
  });
  assert.match(failure({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Annotations.team }}/' }).problem, /empty segment or a trailing/);
  assert.equal(failure({ parentIDTemplate: 'spiffe://{{ .TrustDomain }}' }).field, 'spec.parentIDTemplate');
  assert.equal(failure({}, { parentDefault: 'spiffe://{{ .TrustDomain }}/agent/{{ .NodeMeta.Labels.zone }} x' }).field, 'config parentIDTemplate');
  assert.deepEqual(failure({ workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Annotations.none }}'] }).field, 'spec.workloadSelectorTemplates[0]');
  assert.deepEqual(failure({ workloadSelectorTemplates: ['{{ .PodMeta.Name }}'] }), { field: 'spec.workloadSelectorTemplates[0]', problem: 'selector "web-1" has no ":" between type and value' });
  assert.deepEqual(failure({ workloadSelectorTemplates: ['k8s:{{ .PodSpec.Hostname }}'] }), { field: 'spec.workloadSelectorTemplates[0]', problem: 'selector "k8s:" has an empty value' });
  assert.match(failure({ dnsNameTemplates: ['{{ .PodMeta.Name }}_x.svc'] }).problem, /label "web-1_x"/);
});

test('an execution error (an unknown field, as in Go) is a failure of the field', () => {
  const { field, problem } = failure({ spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Version }}' });
  assert.equal(field, 'spec.spiffeIDTemplate');
  assert.match(problem, /can't evaluate field Version in type \*v1\.ObjectMeta/);
});

test('the key digest is the same for equal (SPIFFE ID, parent ID, selectors) whatever the other fields', () => {
  const a = rendered({ ttlSeconds: 1, workloadSelectorTemplates: ['k8s:ns:shop', 'k8s:sa:web-sa'] });
  const b = rendered({ ttlSeconds: 2, hint: 'x', workloadSelectorTemplates: ['k8s:sa:web-sa', 'k8s:ns:shop'] });
  assert.equal(a.digest, b.digest);
  assert.notEqual(a.digest, rendered({ workloadSelectorTemplates: ['k8s:ns:shop'] }).digest);
});

test('any exception a template throws is a failure of its field, not of the caller', () => {
  const identity = sampleIdentity('web', {});
  const templates = compileIdentityTemplates(identity, defaultParentIDTemplate);
  // The engine throws only TemplateError by contract; this stands for a defect that breaks the contract.
  const broken = { name: 'selector', trees: new Map(), execute: (): string => { throw new RangeError('Invalid string length'); } };
  const data = templateData(cluster, identity.spec.applicationName, pod, podTemplateParts(pod), nodeTemplateParts(node));
  const outcome = renderEntry(identity, { ...templates, selectors: [{ field: 'spec.workloadSelectorTemplates[0]', template: broken }] }, data, {
    trustDomain: 'example.org',
    podUidSelector: podUidSelector(pod.uid),
    serviceDnsNames: () => [],
  });
  assert.deepEqual(outcome, { ok: false, failure: { field: 'spec.workloadSelectorTemplates[0]', problem: 'template failed: Invalid string length' } });
});
