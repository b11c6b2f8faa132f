import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterEndpointSlice, ClusterPod } from './cluster-objects.ts';
import { serviceDnsNames, servicesByPod } from './service-dns-names.ts';

const pod: ClusterPod = {
  name: 'web-1',
  namespace: 'shop',
  uid: 'uid-1',
  generateName: '',
  labels: {},
  annotations: {},
  serviceAccountName: 'web',
  nodeName: 'n',
  hostname: '',
  subdomain: '',
  phase: 'Running',
  terminating: false,
};

function slice(serviceName: string, pods: ClusterEndpointSlice['pods'], name = `${serviceName}-x`): ClusterEndpointSlice {
  return { namespace: 'shop', name, serviceName, pods };
}

test("a pod gets the four names of each Service that points at it, sorted, no duplicates", () => {
  const index = servicesByPod([
    slice('web', [{ namespace: 'shop', name: 'web-1', uid: 'uid-1' }]),
    slice('web', [{ namespace: 'shop', name: 'web-1', uid: '' }], 'web-y'),
    slice('api', [{ namespace: 'shop', name: 'web-1', uid: 'uid-1' }]),
    slice('other', [{ namespace: 'shop', name: 'web-2', uid: 'uid-2' }]),
  ], 'cluster.local');
  assert.deepEqual(serviceDnsNames(index, pod), [
    'api',
    'api.shop',
    'api.shop.svc',
    'api.shop.svc.cluster.local',
    'web',
    'web.shop',
    'web.shop.svc',
    'web.shop.svc.cluster.local',
  ]);
});

test('slices of no Service, or that name an earlier pod of the same name, do not count', () => {
  const index = servicesByPod([slice('', [{ namespace: 'shop', name: 'web-1', uid: 'uid-1' }]), slice('web', [{ namespace: 'shop', name: 'web-1', uid: 'old-uid' }])], 'cluster.local');
  assert.deepEqual(serviceDnsNames(index, pod), []);
});

test('two Services that name the pod by UID give both sets of names; a Service named twice counts once', () => {
  const index = servicesByPod([
    slice('web', [{ namespace: 'shop', name: 'web-1', uid: 'uid-1' }]),
    slice('api', [{ namespace: 'shop', name: 'web-1', uid: 'uid-1' }]),
    slice('web', [{ namespace: 'shop', name: 'web-1', uid: 'uid-1' }], 'web-y'),
  ], 'cluster.local');
  assert.deepEqual(serviceDnsNames(index, pod), ['api', 'api.shop', 'api.shop.svc', 'api.shop.svc.cluster.local', 'web', 'web.shop', 'web.shop.svc', 'web.shop.svc.cluster.local']);
});
