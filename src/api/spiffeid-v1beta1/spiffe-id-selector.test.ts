import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSelector } from '../../spire/entry.ts';
import { validate } from '../validation.ts';
import { spiffeIdSelectorSchema } from './spiffe-id-selector.ts';

function mapped(selector: Record<string, unknown>) {
  const result = validate(spiffeIdSelectorSchema, selector, 'ClusterSpiffeID x');
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return { ...result.value, selectors: result.value.selectors.map(formatSelector) };
}

function errorsOf(selector: Record<string, unknown>): readonly string[] {
  const result = validate(spiffeIdSelectorSchema, selector, 'ClusterSpiffeID x');
  assert.ok(!result.ok, 'expected validation errors');
  return result.errors;
}

test('every field maps to its k8s workload attestor selector', () => {
  const { selectors, clusterName } = mapped({
    podLabel: { app: 'web', tier: 'front' },
    podName: 'web-1',
    podUid: '1234',
    namespace: 'shop',
    serviceAccount: 'web',
    containerName: 'main',
    containerImage: 'registry.example/web:1',
    nodeName: 'ip-10-0-0-1',
    arbitrary: ['k8s:pod-image-count:2', 'unix:uid:1000'],
  });
  assert.deepEqual(selectors, [
    'k8s:pod-label:app:web',
    'k8s:pod-label:tier:front',
    'k8s:pod-name:web-1',
    'k8s:pod-uid:1234',
    'k8s:ns:shop',
    'k8s:sa:web',
    'k8s:container-name:main',
    'k8s:container-image:registry.example/web:1',
    'k8s:node-name:ip-10-0-0-1',
    'k8s:pod-image-count:2',
    'unix:uid:1000',
  ]);
  assert.equal(clusterName, undefined);
});

test("empty strings are unset, as Go's omitempty wrote them", () => {
  assert.deepEqual(mapped({ namespace: 'shop', podName: '', cluster: '', agent_node_uid: '' }).selectors, ['k8s:ns:shop']);
});

test("the retired registrar's arbitrary items, written without k8s:, keep their meaning", () => {
  const { selectors, namespaces } = mapped({ arbitrary: ['ns:shop', 'pod-owner:Deployment:web', 'k8s:sa:web'] });
  assert.deepEqual(selectors, ['k8s:ns:shop', 'k8s:pod-owner:Deployment:web', 'k8s:sa:web']);
  assert.deepEqual(namespaces, [{ field: 'arbitrary[0]', namespace: 'shop' }]);
});

test('selector.cluster restricts the clusters instead of becoming a selector', () => {
  const { selectors, clusterName } = mapped({ cluster: 'prod-eks', namespace: 'shop' });
  assert.deepEqual(selectors, ['k8s:ns:shop']);
  assert.equal(clusterName, 'prod-eks');
});

test('agent_node_uid is refused with the reason', () => {
  const [error] = errorsOf({ namespace: 'shop', agent_node_uid: 'c0ffee' });
  assert.match(error ?? '', /^ClusterSpiffeID x: agent_node_uid: not supported: it is a node attestation selector/);
});

test('a selector must select something; an arbitrary item must be type:value', () => {
  assert.match(errorsOf({})[0] ?? '', /selects every workload: set at least one of podLabel/);
  assert.match(errorsOf({ cluster: 'prod-eks' })[0] ?? '', /selects every workload/);
  assert.match(errorsOf({ arbitrary: ['nocolon'] })[0] ?? '', /arbitrary\[0\]: selector "nocolon" has no ":"/);
  assert.match(errorsOf({ namespace: 'Shop' })[0] ?? '', /namespace: invalid namespace name "Shop"/);
  assert.match(errorsOf({ namespace: 'shop', podLable: { app: 'x' } })[0] ?? '', /podLable: unknown field/);
});
