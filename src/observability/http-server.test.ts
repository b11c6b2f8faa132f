import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { parseBindAddress, startMetricsServer, startProbeServer, type RunningServer } from './http-server.ts';
import { createMetrics } from './metrics.ts';

async function get(server: RunningServer, path: string, method = 'GET'): Promise<{ status: number; body: string; contentType: string | null }> {
  assert.ok(server.port !== undefined && server.port > 0);
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
}

function closeAfter(t: TestContext, server: RunningServer): RunningServer {
  t.after(() => server.close());
  return server;
}

test('bind addresses: host:port, :port, [ipv6]:port; 0 and empty disable; anything else is refused', () => {
  assert.deepEqual(parseBindAddress(':8080'), { host: undefined, port: 8080 });
  assert.deepEqual(parseBindAddress('127.0.0.1:8081'), { host: '127.0.0.1', port: 8081 });
  assert.deepEqual(parseBindAddress('localhost:9'), { host: 'localhost', port: 9 });
  assert.deepEqual(parseBindAddress('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(parseBindAddress(':0'), { host: undefined, port: 0 });
  assert.equal(parseBindAddress('0'), undefined);
  assert.equal(parseBindAddress(''), undefined);
  for (const bad of ['8080', ':', ':65536', 'host:', ':80a', 'a b:80', '::1:80', ':123456']) {
    assert.throws(() => parseBindAddress(bad), /invalid bind address/, bad);
  }
});

test('liveness answers 200 regardless of readiness; readiness 200 when every check passes', async (t) => {
  let synced = false;
  const server = closeAfter(t, await startProbeServer({ bindAddress: '127.0.0.1:0', checks: [{ name: 'informers', check: () => synced || 'cluster us-west not synced' }] }));
  assert.deepEqual(await get(server, '/healthz'), { status: 200, body: 'ok\n', contentType: 'text/plain; charset=utf-8' });
  assert.equal((await get(server, '/readyz')).status, 503);
  synced = true;
  assert.deepEqual(await get(server, '/readyz'), { status: 200, body: 'ok\n', contentType: 'text/plain; charset=utf-8' });
});

test('a failing readiness answers 503 naming every failing check with its reason; a throw or false counts as failing', async (t) => {
  const server = closeAfter(
    t,
    await startProbeServer({
      bindAddress: '127.0.0.1:0',
      checks: [
        { name: 'informers', check: () => true },
        { name: 'spire-server', check: () => 'dial unix /run/spire/sockets/server.sock: connect ENOENT' },
        { name: 'leader', check: () => false },
        {
          name: 'broken',
          check: () => {
            throw new Error('check crashed');
          },
        },
      ],
    }),
  );
  const { status, body } = await get(server, '/readyz');
  assert.equal(status, 503);
  assert.equal(
    body,
    [
      '[+]informers ok',
      '[-]spire-server failed: dial unix /run/spire/sockets/server.sock: connect ENOENT',
      '[-]leader failed: not ready',
      '[-]broken failed: check crashed',
      'readyz check failed',
      '',
    ].join('\n'),
  );
  assert.equal((await get(server, '/healthz')).status, 200);
});

test('?verbose lists the passing checks too; paths can be given as the config names them; other paths 404, other methods 405', async (t) => {
  const server = closeAfter(t, await startProbeServer({ bindAddress: '127.0.0.1:0', livenessPath: 'alive', readinessPath: 'ready', checks: [{ name: 'informers', check: () => true }] }));
  assert.deepEqual((await get(server, '/ready?verbose')).body, '[+]informers ok\nreadyz check passed\n');
  assert.equal((await get(server, '/alive')).status, 200);
  assert.equal((await get(server, '/healthz')).status, 404);
  assert.equal((await get(server, '/readyz')).status, 404);
  assert.equal((await get(server, '/ready', 'POST')).status, 405);
  const head = await get(server, '/ready', 'HEAD');
  assert.deepEqual([head.status, head.body], [200, '']);
});

test('the metrics server serves the registry at /metrics in the Prometheus text format', async (t) => {
  const metrics = createMetrics();
  metrics.entries.set({ cluster: 'us-west' }, 3);
  const server = closeAfter(t, await startMetricsServer({ bindAddress: '127.0.0.1:0', metrics }));
  const { status, body, contentType } = await get(server, '/metrics');
  assert.equal(status, 200);
  assert.match(String(contentType), /^text\/plain; version=0\.0\.4/);
  assert.ok(body.split('\n').includes('spire_eks_registrar_entries{cluster="us-west"} 3'));
  assert.ok(body.includes('# TYPE process_cpu_seconds_total counter'));
  assert.equal((await get(server, '/')).status, 404);
});

test(':0 picks a free port on every interface; 0 disables: no port, and close does nothing', async (t) => {
  const any = closeAfter(t, await startMetricsServer({ bindAddress: ':0', metrics: createMetrics() }));
  assert.ok(any.port !== undefined && any.port > 0);
  assert.equal((await get(any, '/metrics')).status, 200);
  for (const bindAddress of ['0', '']) {
    const disabled = await startProbeServer({ bindAddress });
    assert.equal(disabled.port, undefined);
    await disabled.close();
  }
});

test('a port already taken fails the start with the address in the message; close frees the port', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as { port: number }).port;
  await assert.rejects(startProbeServer({ bindAddress: `127.0.0.1:${port}` }), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));

  const server = await startProbeServer({ bindAddress: '127.0.0.1:0' });
  const freed = server.port as number;
  // A kept-alive connection must not hold close() open.
  await fetch(`http://127.0.0.1:${freed}/healthz`, { keepalive: true }).then((r) => r.text());
  await server.close();
  await assert.rejects(fetch(`http://127.0.0.1:${freed}/healthz`));
});
