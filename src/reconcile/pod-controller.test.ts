import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodControllerConfig } from '../config/controller-manager-config.ts';
import type { ClusterPod } from '../identity/cluster-objects.ts';
import { formatSelector } from '../spire/entry.ts';
import { sampleConfig, sampleIdentity, samplePod, sampleRegistry, sampleSnapshot } from '../../test/fixtures/fleet-objects.ts';
import { planEntries, type Plan } from './plan-entries.ts';

function planWith(podController: Partial<PodControllerConfig>, pods: readonly ClusterPod[], identities = [sampleIdentity('unused', { podSelector: { matchLabels: { none: 'x' }, matchExpressions: [] } })]): Plan {
  const config = sampleConfig({ podController: { enabled: true, podLabel: '', podAnnotation: '', ...podController } });
  return planEntries({ config, registries: [sampleRegistry('east')], identities, snapshots: new Map([['east', sampleSnapshot(pods)]]) });
}

function shown(plan: Plan): string[][] {
  return plan.entries.map((entry) => [entry.spiffeId, entry.parentId, entry.selectors.map(formatSelector).join(','), entry.identities.join(',')]);
}

const parent = 'spiffe://example.org/spire/agent/k8s_psat/east-eks/uid-node-a';

test('podLabel: the pods that carry the label get spiffe://<trust domain>/<value>, one entry each; the others nothing', () => {
  const plan = planWith({ podLabel: 'spiffe.io/spiffe-id' }, [
    samplePod('shop', 'web-1', { labels: { 'spiffe.io/spiffe-id': 'shop/web' } }),
    samplePod('shop', 'web-2', { labels: { 'spiffe.io/spiffe-id': 'shop/web' } }),
    samplePod('shop', 'other'),
  ]);
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(shown(plan), [
    ['spiffe://example.org/shop/web', parent, 'k8s:ns:shop,k8s:pod-uid:uid-shop-web-1', 'PodController'],
    ['spiffe://example.org/shop/web', parent, 'k8s:ns:shop,k8s:pod-uid:uid-shop-web-2', 'PodController'],
  ]);
});

test('podAnnotation: the same with an annotation; a value that makes no SPIFFE ID path fails that pod alone', () => {
  const plan = planWith({ podAnnotation: 'spiffe.io/spiffe-id' }, [
    samplePod('shop', 'web-1', { annotations: { 'spiffe.io/spiffe-id': 'shop/web' } }),
    samplePod('shop', 'bad', { annotations: { 'spiffe.io/spiffe-id': 'has space' } }),
    samplePod('shop', 'other', { labels: { 'spiffe.io/spiffe-id': 'shop/label' } }),
  ]);
  assert.deepEqual(shown(plan), [['spiffe://example.org/shop/web', parent, 'k8s:ns:shop,k8s:pod-uid:uid-shop-web-1', 'PodController']]);
  assert.deepEqual(
    plan.errors.map((error) => error.message),
    [
      'config podController: cluster east: pod shop/bad: annotation spiffe.io/spiffe-id: rendered "spiffe://example.org/has space": SPIFFE ID "spiffe://example.org/has space": path segment "has space" may hold only letters, digits, \'.\', \'-\' and \'_\'',
    ],
  );
  assert.deepEqual(plan.keepPodUids, ['uid-shop-bad'], 'its entries, if any, are kept');
});

test('neither: every pod gets spiffe://<trust domain>/ns/<namespace>/sa/<service account>; ignored namespaces and unscheduled pods none', () => {
  const config = { ignoreNamespaces: [/^kube-/] };
  const pods = [samplePod('shop', 'web-1', { serviceAccountName: 'web' }), samplePod('kube-system', 'dns'), samplePod('shop', 'pending', { nodeName: '' })];
  const plan = planEntries({
    config: sampleConfig({ ...config, podController: { enabled: true, podLabel: '', podAnnotation: '' } }),
    registries: [sampleRegistry('east')],
    identities: [],
    snapshots: new Map([['east', sampleSnapshot(pods)]]),
  });
  assert.deepEqual(shown(plan), [['spiffe://example.org/ns/shop/sa/web', parent, 'k8s:ns:shop,k8s:pod-uid:uid-shop-web-1', 'PodController']]);
});

test('off (the default): no entry; an entry a WorkloadIdentity wants too keeps the identity\'s fields', () => {
  const pods = [samplePod('shop', 'web-1', { serviceAccountName: 'web' })];
  assert.deepEqual(planEntries({ config: sampleConfig(), registries: [sampleRegistry('east')], identities: [], snapshots: new Map([['east', sampleSnapshot(pods)]]) }).entries, []);
  const identity = sampleIdentity('web', { workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}'], ttlSeconds: 60 }, '2026-01-01T00:00:00Z');
  const plan = planWith({}, pods, [identity]);
  assert.equal(plan.entries.length, 1);
  assert.deepEqual(plan.entries[0]?.identities, ['web', 'PodController']);
  assert.equal(plan.entries[0]?.x509SvidTtl, 60);
});
