import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointSliceFromKubernetes, namespaceFromKubernetes, nodeFromKubernetes, podFromKubernetes } from './cluster-objects.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'default',
    uid: 'pod-uid-1',
    generateName: 'web-',
    labels: { app: 'web' },
    annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":"copy"}' },
    managedFields: [{ manager: 'kubectl' }],
    resourceVersion: '42',
  },
  spec: { serviceAccountName: 'web-sa', nodeName: 'node-a', hostname: 'h', subdomain: 's', containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Running', podIP: '10.0.0.1' },
};

test('a pod keeps only what the engine reads, without the last-applied copy', () => {
  assert.deepEqual(podFromKubernetes(pod), {
    name: 'web-1',
    namespace: 'default',
    uid: 'pod-uid-1',
    generateName: 'web-',
    labels: { app: 'web' },
    annotations: { note: 'x' },
    serviceAccountName: 'web-sa',
    nodeName: 'node-a',
    hostname: 'h',
    subdomain: 's',
    phase: 'Running',
    terminating: false,
  });
});

test('an unscheduled, terminating pod reads with empty node and terminating set', () => {
  const view = podFromKubernetes({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' }, spec: {}, status: {} });
  assert.equal(view.nodeName, '');
  assert.equal(view.phase, '');
  assert.equal(view.terminating, true);
  assert.deepEqual(view.labels, { app: 'web' });
});

test('errors name the object and the field', () => {
  assert.throws(() => podFromKubernetes({ ...pod, metadata: { name: 'p', namespace: 'ns' } }), { message: 'Pod ns/p: metadata.uid: required' });
  assert.throws(() => podFromKubernetes({ ...pod, metadata: { ...pod.metadata, labels: { a: 1 } } }), {
    message: 'Pod default/web-1: metadata.labels.a: expected a string, got number',
  });
  assert.throws(() => podFromKubernetes({ ...pod, spec: [] }), { message: 'Pod default/web-1: spec: expected a map' });
  assert.throws(() => podFromKubernetes('x'), { message: 'Pod: expected an object' });
});

test('a node keeps name, UID, labels, annotations and providerID', () => {
  const node = nodeFromKubernetes({
    kind: 'Node',
    metadata: { name: 'ip-10-0-0-1', uid: 'node-uid', labels: { zone: 'a' } },
    spec: { providerID: 'aws:///us-west-2a/i-0abc', podCIDR: '10.0.0.0/24' },
    status: { capacity: {} },
  });
  assert.deepEqual(node, { name: 'ip-10-0-0-1', uid: 'node-uid', labels: { zone: 'a' }, annotations: {}, providerID: 'aws:///us-west-2a/i-0abc' });
  assert.throws(() => nodeFromKubernetes({ metadata: { name: 'n' } }), { message: 'Node n: metadata.uid: required' });
});

test('a namespace keeps name, UID and labels', () => {
  assert.deepEqual(namespaceFromKubernetes({ metadata: { name: 'default', uid: 'ns-uid', labels: { a: 'b' } } }), { name: 'default', uid: 'ns-uid', labels: { a: 'b' } });
});

test('an EndpointSlice keeps its Service and the pods it points at', () => {
  const slice = endpointSliceFromKubernetes({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: [
      { addresses: ['10.0.0.1'], targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'pod-uid-1' }, conditions: { ready: false } },
      { addresses: ['10.0.0.9'], targetRef: { kind: 'Node', name: 'n' } },
      { addresses: ['10.0.0.10'] },
      { addresses: ['10.0.0.2'], targetRef: { kind: 'Pod', name: 'web-2' } },
    ],
  });
  assert.deepEqual(slice, {
    namespace: 'default',
    name: 'web-abcde',
    serviceName: 'web',
    pods: [
      { namespace: 'default', name: 'web-1', uid: 'pod-uid-1' },
      { namespace: 'default', name: 'web-2', uid: '' },
    ],
  });
  assert.equal(endpointSliceFromKubernetes({ metadata: { name: 's', namespace: 'n' } }).serviceName, '');
  assert.throws(() => endpointSliceFromKubernetes({ metadata: { name: 's', namespace: 'n' }, endpoints: {} }), { message: 'EndpointSlice n/s: endpoints: expected a list' });
});
