import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListPage, parseWatchEvent, resourcePath } from './http-resource-source.ts';
import { objectKey, splitObjectKey } from './kube-object.ts';

test('collection paths for core and grouped, namespaced and cluster-wide resources', () => {
  assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods' }), '/api/v1/pods');
  assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: 'kube-system' }), '/api/v1/namespaces/kube-system/pods');
  assert.equal(resourcePath({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }), '/apis/discovery.k8s.io/v1/endpointslices');
});

test('a list page gives its items with checked metadata, its version and the continue token', () => {
  const page = parseListPage(
    {
      kind: 'PodList',
      metadata: { resourceVersion: '42', continue: 'abc' },
      items: [{ metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '40' }, spec: {} }],
    },
    'list of pods',
  );
  assert.equal(page.resourceVersion, '42');
  assert.equal(page.continue, 'abc');
  assert.deepEqual(page.items[0]?.meta, { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '40' });
  assert.equal(parseListPage({ metadata: { resourceVersion: '1', continue: '' }, items: [] }, 'x').continue, undefined, 'an empty token is the last page');
});

test('malformed lists and objects are refused, naming where', () => {
  assert.throws(() => parseListPage({ kind: 'Status' }, 'list of pods on cluster a'), /^Error: list of pods on cluster a: the answer is not a list$/);
  assert.throws(() => parseListPage({ items: [] }, 'l'), /the list has no metadata.resourceVersion/);
  assert.throws(() => parseListPage({ metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'p', namespace: 'ns', resourceVersion: '1' } }] }, 'l'), /l: ns\/p: no metadata.uid/);
  assert.throws(() => parseListPage({ metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'p', uid: 'u' } }] }, 'l'), /l: p: no metadata.resourceVersion/);
  assert.throws(() => parseListPage({ metadata: { resourceVersion: '1' }, items: ['x'] }, 'l'), /an object is not a JSON object/);
});

test('watch events: changes, bookmarks and in-stream errors', () => {
  const added = parseWatchEvent('{"type":"ADDED","object":{"metadata":{"name":"n1","uid":"u","resourceVersion":"7"}}}', 'w');
  assert.equal(added.type, 'ADDED');
  assert.deepEqual(added.type === 'ADDED' && added.object.meta, { name: 'n1', namespace: '', uid: 'u', resourceVersion: '7' });
  assert.deepEqual(parseWatchEvent('{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"99"}}}', 'w'), { type: 'BOOKMARK', resourceVersion: '99' });
  assert.deepEqual(
    parseWatchEvent('{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (5)"}}', 'w'),
    { type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' } },
  );
  assert.throws(() => parseWatchEvent('{"type":"ADDED"', 'watch of pods'), /watch of pods: an event is not JSON/);
  assert.throws(() => parseWatchEvent('{"type":"RENAMED","object":{}}', 'w'), /unknown event type "RENAMED"/);
  assert.throws(() => parseWatchEvent('{"type":"BOOKMARK","object":{"metadata":{}}}', 'w'), /a bookmark has no resourceVersion/);
});

test('cache keys are namespace/name, or name for cluster-scoped objects', () => {
  assert.equal(objectKey({ namespace: 'ns', name: 'p' }), 'ns/p');
  assert.equal(objectKey({ namespace: '', name: 'node-1' }), 'node-1');
  assert.deepEqual(splitObjectKey('ns/p'), { namespace: 'ns', name: 'p' });
  assert.deepEqual(splitObjectKey('node-1'), { namespace: '', name: 'node-1' });
});
