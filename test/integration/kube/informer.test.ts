import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { httpResourceSource } from '../../../src/kube/http-resource-source.ts';
import { Informer, type InformerOptions } from '../../../src/kube/informer.ts';
import { byLabel, byNodeName } from '../../../src/kube/object-store.ts';
import { ExponentialRateLimiter } from '../../../src/kube/rate-limiter.ts';
import type { ReflectorEvent } from '../../../src/kube/reflector.ts';
import { WorkQueue } from '../../../src/kube/work-queue.ts';
import { runWorkers } from '../../../src/kube/worker-loop.ts';
import { startKubeFixture, toTestPod, waitFor, type KubeFixture, type TestPod } from './kube-fixture.ts';

let kube: KubeFixture;

before(async () => {
  kube = await startKubeFixture('it-kube-informer-');
});
after(() => kube?.stop());

interface Running {
  informer: Informer<TestPod>;
  log: string[];
  events: ReflectorEvent[];
  /** Stops the informer's run; `start` runs it again (it resumes from the last version it saw). */
  stop(): Promise<void>;
  start(): void;
}

async function createNamespace(name: string): Promise<void> {
  const { status } = await kube.api.request('POST', '/api/v1/namespaces', { metadata: { name } });
  assert.equal(status, 201);
}

/** Runs an informer on the pods of `namespace` until the test ends, logging what its handlers are told. */
function podInformer(t: TestContext, namespace: string, options: Partial<InformerOptions<TestPod>> = {}): Running {
  const log: string[] = [];
  const events: ReflectorEvent[] = [];
  const informer = new Informer<TestPod>({
    source: httpResourceSource(kube.connection, { group: '', version: 'v1', resource: 'pods', namespace }),
    transform: toTestPod,
    indexers: { node: byNodeName, app: byLabel('app') },
    onReflectorEvent: (event) => events.push(event),
    ...options,
  });
  informer.addEventHandler({
    onAdd: (pod, key, initial) => log.push(`add ${key} ${pod.nodeName}${initial ? ' (initial)' : ''}`),
    onUpdate: (old, pod, key) => log.push(`update ${key} ${old.labels.app ?? '-'}->${pod.labels.app ?? '-'}`),
    onDelete: (_pod, key, unknown) => log.push(`delete ${key}${unknown ? ' (final state unknown)' : ''}`),
  });
  let controller = new AbortController();
  let running = Promise.resolve();
  const start = (): void => {
    controller = new AbortController();
    running = informer.run(controller.signal);
  };
  start();
  t.after(async () => {
    controller.abort();
    await running;
  });
  return {
    informer,
    log,
    events,
    start,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}

async function relabel(namespace: string, name: string, app: string): Promise<void> {
  const { body } = await kube.api.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
  const pod = body as { metadata: { labels?: Record<string, string> } };
  pod.metadata.labels = { ...pod.metadata.labels, app };
  const { status } = await kube.api.request('PUT', `/api/v1/namespaces/${namespace}/pods/${name}`, pod);
  assert.equal(status, 200);
}

const count = (events: ReflectorEvent[], type: ReflectorEvent['type']): number => events.filter((e) => e.type === type).length;

test('lists in pages, then the watch sees creates, updates and deletes; the indexes follow', async (t) => {
  const ns = 'basic';
  await createNamespace(ns);
  for (const [name, node] of [['a', 'node-1'], ['b', 'node-1'], ['c', 'node-2']] as const) await kube.createPod(ns, name, { nodeName: node, labels: { app: 'web' } });
  const { informer, log, events } = podInformer(t, ns, { pageSize: 2 });
  await informer.waitForSync(AbortSignal.timeout(10_000));
  const listed = events.find((e) => e.type === 'listed');
  assert.deepEqual(listed?.type === 'listed' && [listed.objects, listed.pages], [3, 2], 'three pods in pages of two');
  assert.deepEqual(informer.store.keysByIndex('node', 'node-1').sort(), ['basic/a', 'basic/b']);

  await kube.createPod(ns, 'd', { nodeName: 'node-2', labels: { app: 'web' } });
  await relabel(ns, 'a', 'api');
  await kube.deletePod(ns, 'b');
  await waitFor('the delete of b', () => log.includes('delete basic/b'));
  assert.deepEqual(log, [
    'add basic/a node-1 (initial)',
    'add basic/b node-1 (initial)',
    'add basic/c node-2 (initial)',
    'add basic/d node-2',
    'update basic/a web->api',
    // A scheduled pod is marked deleted (deletionTimestamp) before it is removed, even with grace 0.
    'update basic/b web->web',
    'delete basic/b',
  ]);
  assert.deepEqual(informer.store.keysByIndex('node', 'node-2').sort(), ['basic/c', 'basic/d']);
  assert.deepEqual(informer.store.keysByIndex('app', 'api'), ['basic/a']);
  assert.deepEqual(informer.store.byIndex('app', 'web').map((p) => p.name).sort(), ['c', 'd']);
  assert.match(informer.store.get('basic/a')?.uid ?? '', /^[0-9a-f-]{36}$/, 'the transform kept the uid');
  assert.equal(count(events, 'error') + count(events, 'relist'), 0);
});

test('bookmarks move a quiet informer forward; watches the server ends are resumed from there without a relist', async (t) => {
  await createNamespace('quiet');
  const events: ReflectorEvent[] = [];
  const seen: string[] = [];
  const informer = new Informer<string>({
    // Configmaps go through the watch cache, which sends bookmarks (pods here do not: see the fixture).
    source: httpResourceSource(kube.connection, { group: '', version: 'v1', resource: 'configmaps', namespace: 'quiet' }),
    transform: (raw) => (raw as { metadata: { name: string } }).metadata.name,
    watchTimeoutSeconds: () => 4,
    onReflectorEvent: (event) => events.push(event),
  });
  informer.addEventHandler({ onAdd: (name: string) => void seen.push(name) });
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  t.after(async () => {
    controller.abort();
    await running;
  });
  await informer.waitForSync(AbortSignal.timeout(10_000));
  const listedAt = Number(informer.lastSyncResourceVersion);
  // Writes elsewhere during the watch: nothing for this informer, but the cache moves on, and the cache
  // sends bookmarks only with a version newer than where it stood when the watch began.
  let noise = 0;
  const writer = setInterval(() => void kube.api.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `noise-${noise++}` } }), 700);
  try {
    await waitFor('a watch ended by the server', () => count(events, 'watch-ended') >= 1, 10_000);
  } finally {
    clearInterval(writer);
  }
  const ended = events.find((e) => e.type === 'watch-ended');
  assert.ok(ended?.type === 'watch-ended' && ended.events >= 1, 'the watch brought bookmarks');
  assert.ok(Number(ended.resourceVersion) > listedAt, `moved from ${listedAt} to ${ended.resourceVersion} by bookmarks alone`);
  assert.equal(seen.length, 0, 'nothing in this namespace');
  await kube.api.request('POST', '/api/v1/namespaces/quiet/configmaps', { metadata: { name: 'here' } });
  await waitFor('the configmap in the resumed watch', () => seen.includes('here'));
  assert.equal(count(events, 'listed'), 1);
  assert.equal(count(events, 'error') + count(events, 'relist'), 0);
});

test('the shared worker loop: keys from informer events, reconciled from the synced cache, a failure retried until it succeeds', async (t) => {
  await createNamespace('loop');
  await kube.createPod('loop', 'p1');
  await kube.createPod('loop', 'p2');
  const run = podInformer(t, 'loop');
  const queue = new WorkQueue<string>({ rateLimiter: new ExponentialRateLimiter(50, 1_000) });
  const enqueue = (_: unknown, key: string): void => queue.add(key);
  run.informer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, pod, key) => enqueue(pod, key), onDelete: enqueue });
  const seen: string[] = [];
  let p2Failures = 0;
  const stop = new AbortController();
  const loop = runWorkers(
    {
      queue,
      workers: 2,
      waitForSync: (signal) => run.informer.waitForSync(signal),
      reconcile: async (key) => {
        // Level-based: what counts is the cache now, not the event that queued the key.
        seen.push(`${key} ${run.informer.store.get(key) ? 'present' : 'absent'}`);
        if (key === 'loop/p2' && p2Failures++ < 2) throw new Error('SPIRE unavailable');
      },
    },
    stop.signal,
  );
  t.after(async () => {
    stop.abort();
    await loop;
  });
  await waitFor('the listed pods, p2 after two retries', () => seen.filter((s) => s === 'loop/p2 present').length === 3, 10_000);
  assert.ok(seen.includes('loop/p1 present'));
  await kube.createPod('loop', 'p3');
  await kube.deletePod('loop', 'p1');
  await waitFor('p3 and the delete of p1', () => seen.includes('loop/p3 present') && seen.includes('loop/p1 absent'));
  assert.equal(queue.numRequeues('loop/p2'), 0, 'forgotten once it succeeded');
  stop.abort();
  await loop;
  assert.equal(queue.processing, 0);
});

test('a watch from a compacted version gets 410: the informer relists and reports the delete it missed', async (t) => {
  await createNamespace('gone');
  const run = podInformer(t, 'gone');
  await kube.createPod('gone', 'stays');
  await kube.createPod('gone', 'deleted-while-away');
  await waitFor('both pods', () => run.informer.store.size === 2);
  await run.stop();
  const resumeFrom = run.informer.lastSyncResourceVersion;

  // While the watch is down: one pod goes, one comes, and etcd forgets the history in between.
  await kube.deletePod('gone', 'deleted-while-away');
  await kube.createPod('gone', 'new-while-away');
  await kube.compactEtcd();
  run.log.length = 0;
  run.start();
  await waitFor('the relist', () => count(run.events, 'relist') === 1 && count(run.events, 'listed') === 2);
  const relist = run.events.find((e) => e.type === 'relist');
  assert.match(String(relist?.type === 'relist' && relist.reason), /410/);
  assert.deepEqual(run.log, ['delete gone/deleted-while-away (final state unknown)', 'add gone/new-while-away node-1']);
  assert.deepEqual([...run.informer.store.keys()].sort(), ['gone/new-while-away', 'gone/stays']);
  assert.notEqual(run.informer.lastSyncResourceVersion, resumeFrom);

  // And it watches again from the relist's version.
  await kube.deletePod('gone', 'stays');
  await waitFor('the delete after the relist', () => run.log.includes('delete gone/stays'));
});

test('a watch gone silent (apiserver frozen) is abandoned and resumed without a relist', async (t) => {
  await createNamespace('silent');
  const run = podInformer(t, 'silent', { silentWatchMs: () => 1_500, watchTimeoutSeconds: () => 60 });
  await run.informer.waitForSync(AbortSignal.timeout(10_000));
  kube.freezeApiServer(true);
  try {
    await waitFor('the watch to be found silent', () => count(run.events, 'silent-watch') >= 1, 5_000);
  } finally {
    kube.freezeApiServer(false);
  }
  await kube.createPod('silent', 'after-thaw');
  await waitFor('the pod created after the thaw', () => run.log.includes('add silent/after-thaw node-1'), 15_000);
  assert.equal(count(run.events, 'listed'), 1, 'resumed from its version, not relisted');
});

test('an apiserver that stops and starts again is reconnected with backoff; the watch resumes without a relist', async (t) => {
  await createNamespace('restart');
  const run = podInformer(t, 'restart', { backoff: { initialDelayMs: 200, maxDelayMs: 2_000, multiplier: 2 } });
  await run.informer.waitForSync(AbortSignal.timeout(10_000));
  await kube.createPod('restart', 'before');
  await waitFor('the pod before the restart', () => run.informer.store.size === 1);

  await kube.api.stop();
  const downAt = Date.now();
  await waitFor('four failed reconnects', () => count(run.events, 'error') >= 4, 15_000);
  await kube.api.start();
  const downMs = Date.now() - downAt;
  await kube.createPod('restart', 'after');
  await waitFor('the pod after the restart', () => run.informer.store.size === 2, 30_000);

  const errors = run.events.filter((e) => e.type === 'error');
  const delays = errors.map((e) => (e.type === 'error' ? e.retryInMs : 0));
  // Exponential from 200 ms, capped at 2 s, each between half and all of its step (equal jitter).
  delays.forEach((delay, i) => {
    const step = Math.min(2_000, 200 * 2 ** i);
    assert.ok(delay >= step / 2 && delay <= step, `retry ${i} waited ${delay} ms, step ${step}`);
  });
  const bound = Math.ceil(downMs / 1_000) + 6;
  assert.ok(errors.length <= bound, `${errors.length} reconnect attempts in ${downMs} ms: backoff, not a hot loop`);
  assert.ok(errors.every((e) => e.type === 'error' && e.phase === 'watch'));
  assert.equal(count(run.events, 'listed'), 1, 'etcd kept the history: the watch resumed from its version');
});
