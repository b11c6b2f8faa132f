import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { startEtcd, type Etcd } from './etcd.ts';
import { startApiServer, type ApiServer } from './kube-apiserver.ts';
import { ProcessGroup } from './processes.ts';

const group = new ProcessGroup('kube-apiserver-test-');
let etcd: Etcd;
let api: ApiServer;

before(async () => {
  etcd = await startEtcd(group);
  // Configmaps bypass the watch cache, so that an old resource version reaches etcd's compacted history.
  api = await startApiServer(group, { name: 'solo', etcd, extraArgs: ['--watch-cache-sizes=configmaps#0'] });
});
after(() => group.stopAll());

/** Opens a watch and resolves with the first `count` events (or fewer if the stream ends). */
function watchEvents(path: string, count: number, onOpen: () => Promise<void> = async () => {}): Promise<{ type: string; object: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    let buffer = '';
    const req = request(new URL(path, api.url), { ca: api.caPem, headers: { authorization: `Bearer ${api.adminToken}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          events.push(JSON.parse(buffer.slice(0, nl)));
          buffer = buffer.slice(nl + 1);
          if (events.length === count) {
            req.destroy();
            resolve(events);
          }
        }
      });
      res.on('end', () => resolve(events));
      void onOpen().catch(reject);
    });
    req.on('error', (error) => (events.length >= count ? undefined : reject(error)));
    req.end();
  });
}

test('the apiserver is ready and serves the core API', async () => {
  assert.deepEqual(await api.request('GET', '/readyz'), { status: 200, body: 'ok', warnings: [] });
  const { status, body } = await api.request('GET', '/api/v1/namespaces/default');
  assert.equal(status, 200);
  assert.equal((body as { metadata: { name: string } }).metadata.name, 'default');
});

test('a CRD can be created and its resources served', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.rig.example.com' },
    spec: {
      group: 'rig.example.com',
      scope: 'Cluster',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
        },
      ],
    },
  };
  assert.equal((await api.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
  // Established takes a moment: the resource is served once discovery knows it.
  let created = 0;
  for (let i = 0; i < 100 && created !== 201; i++) {
    created = (await api.request('POST', '/apis/rig.example.com/v1/widgets', { apiVersion: 'rig.example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } })).status;
    if (created !== 201) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(created, 201);
  const { body } = await api.request('GET', '/apis/rig.example.com/v1/widgets/w1');
  assert.equal((body as { spec: { size: number } }).spec.size, 3);
  // The schema is enforced by the real server.
  const invalid = await api.request('POST', '/apis/rig.example.com/v1/widgets', { apiVersion: 'rig.example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 'big' } });
  assert.equal(invalid.status, 422);
});

test('a watch delivers events for changes', async () => {
  const list = await api.request('GET', '/api/v1/namespaces/default/configmaps');
  const rv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const events = await watchEvents(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, 2, async () => {
    await api.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'watched' }, data: { a: '1' } });
    await api.request('DELETE', '/api/v1/namespaces/default/configmaps/watched');
  });
  assert.deepEqual(
    events.map((e) => [e.type, (e.object.metadata as { name: string }).name]),
    [
      ['ADDED', 'watched'],
      ['DELETED', 'watched'],
    ],
  );
});

/** Compacts etcd's history up to its current revision, as the apiserver does every few minutes. */
async function compactEtcd(): Promise<void> {
  const post = async (path: string, body: unknown) => (await fetch(`${etcd.endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<{ header: { revision: string } }>;
  const { header } = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  await post('/v3/kv/compaction', { revision: header.revision, physical: true });
}

test('a watch from a resource version that is too old gets 410 Gone', async () => {
  await api.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'bump' } });
  await compactEtcd();
  const events = await watchEvents('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1', 1);
  assert.equal(events[0]?.type, 'ERROR');
  assert.equal((events[0]?.object as { code?: number }).code, 410);
});
