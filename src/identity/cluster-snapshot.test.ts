import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate } from '../template/compile.ts';
import { clusterSnapshotFromObjects } from './cluster-snapshot.ts';
import { nodeTemplateParts, podTemplateParts, templateData } from './template-data.ts';

test('a dump becomes a snapshot; other kinds are ignored; bad objects are errors and the rest count', () => {
  const { snapshot, errors } = clusterSnapshotFromObjects([
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', uid: 'u-a' }, spec: { nodeName: 'n1' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'ns' } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n1' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'ns' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' } },
    { apiVersion: 'other/v1', kind: 'Pod', metadata: { name: 'not-a-core-pod' } },
  ]);
  assert.deepEqual(errors, ['Pod ns/b: metadata.uid: required']);
  assert.deepEqual(
    snapshot.pods.map((pod) => pod.name),
    ['a'],
  );
  assert.deepEqual([...snapshot.nodes.keys()], ['n1']);
  assert.deepEqual([...snapshot.namespaces.keys()], ['ns']);
  assert.equal(snapshot.endpointSlices.length, 1);
});

test('templates over a dump see every field of its pods and nodes', () => {
  const { snapshot } = clusterSnapshotFromObjects([
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', uid: 'u-a' }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'web:1' }] } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n1' }, spec: { podCIDR: '10.0.0.0/24' } },
  ]);
  const pod = snapshot.pods[0];
  const node = snapshot.nodes.get('n1');
  assert.ok(pod !== undefined && node !== undefined);
  const facts = { trustDomain: 'example.org', clusterName: 'c', clusterDomain: 'cluster.local', accountId: '', region: '' };
  const data = templateData(facts, 'app', pod, podTemplateParts(pod), nodeTemplateParts(node));
  assert.equal(compileTemplate('t', '{{ (index .PodSpec.Containers 0).Image }} {{ .NodeSpec.PodCIDR }}').execute(data), 'web:1 10.0.0.0/24');
});
