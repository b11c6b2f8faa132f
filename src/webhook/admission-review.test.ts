import assert from 'node:assert/strict';
import test from 'node:test';
import { sampleConfig } from '../../test/fixtures/fleet-objects.ts';
import { BadReviewError, reviewAdmission } from './admission-review.ts';
import { kindValidators } from './kind-validators.ts';

const validators = kindValidators(sampleConfig());

function identity(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): unknown {
  return { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'WorkloadIdentity', metadata: { name, ...metadata }, spec };
}

function review(operation: string, object: unknown, oldObject?: unknown, kind = 'WorkloadIdentity'): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u-1', kind: { group: 'eksclusterregistry.spire.spiffe.io', version: 'v1alpha1', kind }, operation, object, oldObject },
  };
}

const valid = { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}', podSelector: { matchLabels: { app: 'web' } } };

test('a valid identity is allowed, with the request uid echoed', () => {
  assert.deepEqual(reviewAdmission(review('CREATE', identity('web', valid)), validators), {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'u-1', allowed: true },
  });
});

test('a template that does not parse is refused, naming the object, the field and Go’s reason', () => {
  const verdict = reviewAdmission(review('CREATE', identity('web', { ...valid, spiffeIDTemplate: 'spiffe://x/{{ .PodMeta.Name ' })), validators);
  assert.equal(verdict.response.allowed, false);
  assert.equal(verdict.response.status?.code, 422);
  assert.match(verdict.response.status?.message ?? '', /^WorkloadIdentity web: spec\.spiffeIDTemplate: invalid template: template: spec\.spiffeIDTemplate:1: /);
});

test('a literal SPIFFE ID outside the trust domain is refused at admission; a templated one is left to rendering', () => {
  const literal = reviewAdmission(review('CREATE', identity('web', { ...valid, spiffeIDTemplate: 'spiffe://other.org/web' })), validators);
  assert.equal(literal.response.allowed, false);
  assert.equal(literal.response.status?.message, 'WorkloadIdentity web: spec.spiffeIDTemplate: SPIFFE ID "spiffe://other.org/web" is not in trust domain "example.org"');
  assert.equal(reviewAdmission(review('CREATE', identity('web', { ...valid, spiffeIDTemplate: 'spiffe://other.org/{{ .PodMeta.Name }}' })), validators).response.allowed, true);
});

test('every problem is listed, not only the first', () => {
  const verdict = reviewAdmission(review('CREATE', identity('web', { ...valid, ttl: '1x', podSelector: { matchLabels: 3 } })), validators);
  const message = verdict.response.status?.message ?? '';
  assert.match(message, /spec\.ttl: /);
  assert.match(message, /spec\.podSelector\.matchLabels: /);
});

test('an update that leaves the spec alone is allowed even for an object stored invalid (so it can be deleted)', () => {
  const broken = identity('web', { ...valid, spiffeIDTemplate: '{{' });
  const withFinalizer = identity('web', { ...valid, spiffeIDTemplate: '{{' }, { finalizers: ['x'] });
  assert.equal(reviewAdmission(review('UPDATE', withFinalizer, broken), validators).response.allowed, true);
  assert.equal(reviewAdmission(review('UPDATE', broken, identity('web', valid)), validators).response.allowed, false);
});

test('registries are validated too; deletes and kinds the webhook does not serve are allowed', () => {
  const registry = { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'EKSClusterRegistry', metadata: { name: 'prod' }, spec: { clusterName: 'prod', region: 'nowhere', accountId: '1' } };
  const refused = reviewAdmission(review('CREATE', registry, undefined, 'EKSClusterRegistry'), validators);
  assert.equal(refused.response.allowed, false);
  assert.match(refused.response.status?.message ?? '', /^EKSClusterRegistry prod: spec\.region: /);
  assert.equal(reviewAdmission(review('DELETE', undefined, registry, 'EKSClusterRegistry'), validators).response.allowed, true);
  assert.equal(reviewAdmission(review('CREATE', {}, undefined, 'Other'), validators).response.allowed, true);
});

test('a body that is not an AdmissionReview request is a BadReviewError', () => {
  assert.throws(() => reviewAdmission({ kind: 'AdmissionReview' }, validators), BadReviewError);
  assert.throws(() => reviewAdmission(null, validators), BadReviewError);
});

test('a SpiffeID that reaches into another namespace is refused; one in its own namespace passes', () => {
  const spiffeId = (selectorNamespace: string): unknown => ({
    apiVersion: 'spiffeid.spiffe.io/v1beta1',
    kind: 'SpiffeID',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { spiffeId: 'spiffe://example.org/ns/shop/web', selector: { namespace: selectorNamespace, podLabel: { app: 'web' } } },
  });
  const request = (object: unknown): unknown => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u-3', kind: { group: 'spiffeid.spiffe.io', version: 'v1beta1', kind: 'SpiffeID' }, operation: 'CREATE', object },
  });
  const refused = reviewAdmission(request(spiffeId('payments')), validators);
  assert.equal(refused.response.allowed, false);
  assert.match(refused.response.status?.message ?? '', /^SpiffeID shop\/web: spec\.selector\.namespace: namespace "payments" is not this SpiffeID's own "shop"/);
  assert.equal(reviewAdmission(request(spiffeId('shop')), validators).response.allowed, true);
});

test("a SpiffeID naming another namespace's ID or cluster DNS name is refused by the config's spiffeIDPolicy; with the policy off it passes", () => {
  const spiffeId = (spec: Record<string, unknown>): unknown => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-5',
      kind: { group: 'spiffeid.spiffe.io', version: 'v1beta1', kind: 'SpiffeID' },
      operation: 'UPDATE',
      object: { apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'SpiffeID', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { podLabel: { app: 'web' } }, ...spec } },
    },
  });
  const reaching = spiffeId({ spiffeId: 'spiffe://example.org/ns/bank/sa/api', dnsNames: ['api.bank.svc'] });
  const refused = reviewAdmission(reaching, validators);
  assert.equal(refused.response.allowed, false);
  assert.match(refused.response.status?.message ?? '', /^SpiffeID shop\/web: spec\.spiffeId: "spiffe:\/\/example.org\/ns\/bank\/sa\/api" is not under "spiffe:\/\/example.org\/ns\/shop\/"/);
  assert.match(refused.response.status?.message ?? '', /SpiffeID shop\/web: spec\.dnsNames: "api\.bank\.svc" is a cluster DNS name of namespace "bank"/);
  assert.equal(reviewAdmission(spiffeId({ spiffeId: 'spiffe://example.org/ns/shop/sa/web', dnsNames: ['web.shop.svc'] }), validators).response.allowed, true);
  const off = kindValidators(sampleConfig({ spiffeIDPolicy: { namespacedIDPrefixTemplate: '', clusterDNSNamesInOwnNamespace: false } }));
  assert.equal(reviewAdmission(reaching, off).response.allowed, true);
});

test("spire-controller-manager's kinds: a bad registry selector annotation or a static entry without selectors is refused, naming the field", () => {
  const request = (kind: string, object: unknown): unknown => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u-4', kind: { group: 'spire.spiffe.io', version: 'v1alpha1', kind }, operation: 'CREATE', object },
  });
  const csid = (annotations: Record<string, string>): unknown => ({ apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterSPIFFEID', metadata: { name: 'web', annotations }, spec: { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/web' } });
  assert.equal(reviewAdmission(request('ClusterSPIFFEID', csid({})), validators).response.allowed, true);
  const refused = reviewAdmission(request('ClusterSPIFFEID', csid({ 'eksclusterregistry.spire.spiffe.io/cluster-selector': 'env=prod' })), validators);
  assert.match(refused.response.status?.message ?? '', /^ClusterSPIFFEID web: metadata\.annotations\["eksclusterregistry\.spire\.spiffe\.io\/cluster-selector"\]: not JSON/);
  const staticEntry = { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterStaticEntry', metadata: { name: 'db' }, spec: { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/agent', selectors: [] } };
  assert.match(reviewAdmission(request('ClusterStaticEntry', staticEntry), validators).response.status?.message ?? '', /^ClusterStaticEntry db: spec\.selectors: at least one selector is required/);
});

test('a ClusterFederatedTrustDomain is refused as spire-controller-manager refuses it: the URL, the profile, the trust domain', () => {
  const request = (spec: Record<string, unknown>): unknown => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u-5', kind: { group: 'spire.spiffe.io', version: 'v1alpha1', kind: 'ClusterFederatedTrustDomain' }, operation: 'CREATE', object: { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterFederatedTrustDomain', metadata: { name: 'partner' }, spec } },
  });
  const good = { trustDomain: 'partner.org', bundleEndpointURL: 'https://spire.partner.org', bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.org/spire/server' } };
  assert.equal(reviewAdmission(request(good), validators).response.allowed, true);
  const messageOf = (spec: Record<string, unknown>): string => reviewAdmission(request(spec), validators).response.status?.message ?? '';
  assert.match(messageOf({ ...good, bundleEndpointURL: 'http://spire.partner.org' }), /^ClusterFederatedTrustDomain partner: spec\.bundleEndpointURL: .*the scheme must be https/);
  assert.match(messageOf({ ...good, bundleEndpointProfile: { type: 'https_spiffe' } }), /^ClusterFederatedTrustDomain partner: spec\.bundleEndpointProfile\.endpointSPIFFEID: required/);
  assert.match(messageOf({ ...good, trustDomain: 'Partner!' }), /^ClusterFederatedTrustDomain partner: spec\.trustDomain: /);
  assert.match(messageOf({ ...good, trustDomain: 'example.org' }), /spec\.trustDomain: "example\.org" is the SPIRE server's own trust domain/);
  assert.match(messageOf({ ...good, trustDomainBundle: 'not json' }), /spec\.trustDomainBundle: not a SPIFFE bundle/);
});
