import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleConfig, sampleIdentity, samplePod, sampleRegistry } from '../../test/fixtures/fleet-objects.ts';
import { identitySelectsPod, identityTargetsCluster, namespaceAllowed, namespaceFilter, podEligible, unmanagedReason } from './selection.ts';

test('a registry is managed when enabled and, if the config lists accounts, of a listed account', () => {
  const { aws } = sampleConfig();
  assert.equal(unmanagedReason(sampleRegistry('a'), aws), undefined);
  assert.equal(unmanagedReason(sampleRegistry('a', { enabled: false }), aws), 'disabled (spec.enabled: false)');
  const limited = { ...aws, accountIds: ['111111111111'] };
  assert.equal(unmanagedReason(sampleRegistry('a', { accountId: '111111111111' }), limited), undefined);
  assert.equal(unmanagedReason(sampleRegistry('a', { accountId: '222222222222' }), limited), "spec.accountId 222222222222 is not in the config's aws.accountIds");
});

test('clusterSelector matches registry spec.labels; none selects every cluster', () => {
  const compute = sampleRegistry('west', { labels: { tier: 'compute' } });
  const batch = sampleRegistry('batch', { labels: { tier: 'batch' } });
  const selective = sampleIdentity('api', { clusterSelector: { matchLabels: { tier: 'compute' }, matchExpressions: [] } });
  assert.equal(identityTargetsCluster(selective, compute), true);
  assert.equal(identityTargetsCluster(selective, batch), false);
  assert.equal(identityTargetsCluster(sampleIdentity('all'), batch), true);
});

test('ignoreNamespaces patterns are unanchored regular expressions, as in Go', () => {
  const patterns = [/^kube-system$/u, /^spire-.*/u, /tmp/u];
  assert.equal(namespaceAllowed('kube-system', patterns), false);
  assert.equal(namespaceAllowed('kube-system-2', patterns), true);
  assert.equal(namespaceAllowed('spire-server', patterns), false);
  assert.equal(namespaceAllowed('my-tmp-ns', patterns), false);
  assert.equal(namespaceAllowed('default', patterns), true);
});

test('unscheduled, finished and terminating pods are not eligible', () => {
  assert.equal(podEligible(samplePod('ns', 'p')), true);
  assert.equal(podEligible(samplePod('ns', 'p', { phase: 'Pending' })), true);
  assert.equal(podEligible(samplePod('ns', 'p', { nodeName: '' })), false);
  assert.equal(podEligible(samplePod('ns', 'p', { phase: 'Succeeded' })), false);
  assert.equal(podEligible(samplePod('ns', 'p', { phase: 'Failed' })), false);
  assert.equal(podEligible(samplePod('ns', 'p', { terminating: true })), false);
});

test('an identity selects pods of its namespace (none = all) that match its podSelector', () => {
  const web = samplePod('shop', 'web-1', { labels: { app: 'web' } });
  const inShop = sampleIdentity('web', { namespace: 'shop', podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } });
  assert.equal(identitySelectsPod(inShop, web), true);
  assert.equal(identitySelectsPod(inShop, samplePod('other', 'web-1', { labels: { app: 'web' } })), false);
  assert.equal(identitySelectsPod(inShop, samplePod('shop', 'api-1', { labels: { app: 'api' } })), false);
  const anywhere = sampleIdentity('any');
  assert.equal(identitySelectsPod(anywhere, samplePod('other', 'x')), true);
  // Ignored namespaces and pods that are not eligible are the caller's to skip, once per pod (namespaceAllowed,
  // podEligible above; planEntries' "pod selection and stats" test covers the whole rule).
});

test('a namespace filter answers as namespaceAllowed', () => {
  const patterns = [/^kube-system$/u, /tmp/u];
  const allowed = namespaceFilter(patterns);
  for (const namespace of ['kube-system', 'kube-system-2', 'my-tmp-ns', 'default', 'default']) assert.equal(allowed(namespace), namespaceAllowed(namespace, patterns), namespace);
});
