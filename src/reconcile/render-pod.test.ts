import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ClusterNode } from '../identity/cluster-objects.ts';
import { sampleConfig, sampleIdentity, sampleNode, samplePod, sampleRegistry } from '../../test/fixtures/fleet-objects.ts';
import { compileIdentities } from './compile-identities.ts';
import { ClusterContext, clusterFacts, renderPod, type PodRenderSink } from './render-pod.ts';

/** Renders a pod for the identities (compiled, so in age order) on `node`, and tells what the sink heard, in order. */
function render(identities: readonly WorkloadIdentity[], node: ClusterNode | undefined): string[] {
  const config = sampleConfig();
  const { compiled } = compileIdentities(identities, config);
  const heard: string[] = [];
  const sink: PodRenderSink = {
    selected: (identity) => void heard.push(`selected ${identity.name}`),
    rendered: (identity, entry) => void heard.push(`rendered ${identity.name} ${entry.spiffeId}`),
    failed: (identity, message) => void heard.push(`failed ${identity.name}: ${message}`),
  };
  const cluster = new ClusterContext('prod', clusterFacts(sampleRegistry('prod'), config), () => [], () => undefined);
  renderPod(cluster, samplePod('shop', 'web-1', { labels: { app: 'web' }, serviceAccountName: 'web' }), node, compiled, sink);
  return heard;
}

test('each identity that selects the pod renders its entry or fails, in age order; the others are not told', () => {
  assert.deepEqual(
    render([
      sampleIdentity('broken-later', { spiffeIDTemplate: 'spiffe://example.org/{{ .PodMeta.Labels.tier }}' }, '2025-03-01T00:00:00Z'),
      sampleIdentity('other-namespace', { namespace: 'bank' }, '2025-01-01T00:00:00Z'),
      sampleIdentity('web', { podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } }, '2025-02-01T00:00:00Z'),
      sampleIdentity('db', { podSelector: { matchLabels: { app: 'db' }, matchExpressions: [] } }, '2025-02-02T00:00:00Z'),
    ], sampleNode('node-a')),
    [
      'selected web',
      'rendered web spiffe://example.org/ns/shop/sa/web',
      'selected broken-later',
      'failed broken-later: WorkloadIdentity broken-later: cluster prod: pod shop/web-1: spec.spiffeIDTemplate: rendered "spiffe://example.org/<no value>" contains "<no value>": the template refers to a missing map key',
    ],
  );
});

test('a pod whose node the cluster does not know fails for every identity that selects it', () => {
  assert.deepEqual(render([sampleIdentity('web'), sampleIdentity('none', { namespace: 'bank' })], undefined), [
    'selected web',
    'failed web: WorkloadIdentity web: cluster prod: pod shop/web-1: node "node-a" of the pod is unknown in the cluster',
  ]);
});
