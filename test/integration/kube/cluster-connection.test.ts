import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { ClusterConnection } from '../../../src/kube/cluster-connection.ts';
import { httpResourceSource } from '../../../src/kube/http-resource-source.ts';
import { KubeApiError } from '../../../src/kube/kube-api-error.ts';
import { kubeconfigCredentials } from '../../../src/kube/kubeconfig.ts';
import type { WatchEvent } from '../../../src/kube/resource-source.ts';
import { startKubeFixture, type KubeFixture } from './kube-fixture.ts';

let kube: KubeFixture;

before(async () => {
  kube = await startKubeFixture('it-kube-connection-');
});
after(() => kube?.stop());

const namespaces = () => httpResourceSource(kube.connection, { group: '', version: 'v1', resource: 'namespaces' });

test('a watch asks for bookmarks: a quiet watch is told of progress before its timeout, then ends normally', async () => {
  await kube.api.request('POST', '/api/v1/namespaces', { metadata: { name: 'quiet' } });
  const configmaps = httpResourceSource(kube.connection, { group: '', version: 'v1', resource: 'configmaps', namespace: 'quiet' });
  const { resourceVersion } = await configmaps.list({ limit: 500, signal: AbortSignal.timeout(5_000) });
  // The watch cache sends a bookmark 2 s before the deadline, but only with a version newer than where
  // it stood when the watch began: a change elsewhere, during the watch, moves it on.
  const noise = setTimeout(() => void kube.api.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'elsewhere' } }), 500);
  const started = Date.now();
  const events: WatchEvent[] = [];
  try {
    for await (const event of configmaps.watch({ resourceVersion, timeoutSeconds: 4, signal: AbortSignal.timeout(15_000) })) events.push(event);
  } finally {
    clearTimeout(noise);
  }
  const elapsed = Date.now() - started;
  assert.ok(events.length >= 1 && events.every((e) => e.type === 'BOOKMARK'), `only bookmarks: ${JSON.stringify(events)}`);
  const bookmark = events[0]?.type === 'BOOKMARK' ? events[0].resourceVersion : '0';
  assert.ok(Number(bookmark) > Number(resourceVersion), `the bookmark (${bookmark}) is past the list (${resourceVersion})`);
  assert.ok(elapsed >= 3_000 && elapsed < 10_000, `the server ended the watch at its timeout (${elapsed} ms)`);
});

test('credentials are asked for on every request, so a new token is used at once, watches included', async () => {
  let token = kube.api.adminToken;
  let asked = 0;
  const connection = new ClusterConnection({
    name: 'rotating',
    credentials: async () => {
      asked++;
      if (token === 'unavailable') throw new Error('STS is down');
      return { server: kube.api.url, caPem: kube.api.caPem, token };
    },
  });
  try {
    const source = httpResourceSource(connection, { group: '', version: 'v1', resource: 'namespaces' });
    const page = await source.list({ limit: 1, signal: AbortSignal.timeout(5_000) });
    assert.ok(page.continue, 'more than one page');
    await source.list({ limit: 1, continue: page.continue, signal: AbortSignal.timeout(5_000) });
    assert.equal(asked, 2, 'one ask per page');

    token = 'expired-token';
    const refused = await source.list({ limit: 1, signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => error);
    assert.ok(refused instanceof KubeApiError);
    assert.equal(refused.code, 401);
    assert.match(refused.message, /^GET \/api\/v1\/namespaces\?limit=1 on cluster rotating: 401/);
    const watchRefused = await (async () => {
      for await (const _ of source.watch({ resourceVersion: page.resourceVersion, timeoutSeconds: 5, signal: AbortSignal.timeout(5_000) })) return 'event';
      return 'ended';
    })().catch((error: unknown) => error);
    assert.ok(watchRefused instanceof KubeApiError && watchRefused.code === 401, 'the watch used the new token too');

    token = 'unavailable';
    await assert.rejects(source.list({ limit: 1, signal: AbortSignal.timeout(5_000) }), /^Error: GET \/api\/v1\/namespaces\?limit=1 on cluster rotating: no credentials: STS is down$/);

    token = kube.api.adminToken;
    assert.ok((await source.list({ limit: 500, signal: AbortSignal.timeout(5_000) })).items.length >= 4);
    assert.equal(asked, 6);
  } finally {
    connection.close();
  }
});

test("credentials from the rig's admin kubeconfig file (inline CA, bearer token), through our loader", async () => {
  const connection = new ClusterConnection({ name: 'from-kubeconfig', credentials: kubeconfigCredentials(kube.api.kubeconfigPath) });
  try {
    const page = await httpResourceSource(connection, { group: '', version: 'v1', resource: 'namespaces' }).list({ limit: 500, signal: AbortSignal.timeout(5_000) });
    assert.ok(page.items.some((item) => item.meta.name === 'default'));
  } finally {
    connection.close();
  }
});

test("the apiserver's errors come back as KubeApiError with its Status", async () => {
  const missing = await kube.connection.requestJson('GET', '/api/v1/namespaces/no-such-namespace').catch((error: unknown) => error);
  assert.ok(missing instanceof KubeApiError);
  assert.deepEqual([missing.code, missing.status.reason], [404, 'NotFound']);
  assert.match(missing.message, /on cluster kube: 404 NotFound: namespaces "no-such-namespace" not found/);
});

test('a large list is sent gzip-compressed, and read as such', async () => {
  await kube.api.request('POST', '/api/v1/namespaces', { metadata: { name: 'bulk' } });
  const filler = 'x'.repeat(2_000);
  await Promise.all(Array.from({ length: 150 }, (_, i) => kube.api.request('POST', '/api/v1/namespaces/bulk/configmaps', { metadata: { name: `cm-${i}` }, data: { filler } })));
  const encoding = await new Promise<string | undefined>((resolve, reject) => {
    const req = request(
      new URL('/api/v1/namespaces/bulk/configmaps', kube.api.url),
      { ca: kube.api.caPem, headers: { authorization: `Bearer ${kube.api.adminToken}`, 'accept-encoding': 'gzip' } },
      (res) => {
        res.resume();
        resolve(res.headers['content-encoding']);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(encoding, 'gzip', 'the server compresses a list of this size');
  const page = await httpResourceSource(kube.connection, { group: '', version: 'v1', resource: 'configmaps', namespace: 'bulk' }).list({ limit: 500, signal: AbortSignal.timeout(10_000) });
  assert.equal(page.items.length, 150);
  assert.equal((page.items[0]?.json.data as { filler: string }).filler, filler);
});

test('aborting a watch ends it at once, with the abort reason', async () => {
  const source = namespaces();
  const { resourceVersion } = await source.list({ limit: 500, signal: AbortSignal.timeout(5_000) });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('stopped by the test')), 300);
  const started = Date.now();
  await assert.rejects(async () => {
    for await (const _ of source.watch({ resourceVersion, timeoutSeconds: 60, signal: controller.signal })) {
      // Bookmarks may come; the abort ends the loop.
    }
  }, /stopped by the test/);
  assert.ok(Date.now() - started < 2_000);
});
