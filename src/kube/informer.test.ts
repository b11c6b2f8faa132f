import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { Informer } from './informer.ts';
import { toKubeObject, type KubeObject } from './kube-object.ts';
import { byLabel, byNamespace, byNodeName } from './object-store.ts';
import type { ResourceSource } from './resource-source.ts';

interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Keeps what the engine would: no spec beyond the node, no status. */
function toPod(raw: unknown): Pod {
  const json = raw as { metadata: { namespace: string; name: string; labels?: Record<string, string> }; spec?: { nodeName?: string } };
  if (json.metadata.labels?.broken !== undefined) throw new Error('unreadable label');
  return { namespace: json.metadata.namespace, name: json.metadata.name, nodeName: json.spec?.nodeName ?? '', labels: json.metadata.labels ?? {} };
}

function pod(name: string, resourceVersion: string, options: { uid?: string; node?: string; labels?: Record<string, string>; namespace?: string } = {}): KubeObject {
  return toKubeObject(
    {
      metadata: { namespace: options.namespace ?? 'default', name, uid: options.uid ?? `uid-${name}`, resourceVersion, labels: options.labels ?? {} },
      spec: { nodeName: options.node ?? '', containers: [{ name: 'big', image: 'x'.repeat(1000) }] },
      status: { phase: 'Running' },
    },
    'test',
  );
}

/** The informer is driven through its sink here; the reflector that feeds it has its own tests. */
const idleSource: ResourceSource = {
  description: 'pods on cluster test',
  list: () => Promise.reject(new Error('not used')),
  watch: () => {
    throw new Error('not used');
  },
};

function informer(errors: unknown[] = []): { informer: Informer<Pod>; log: string[] } {
  const log: string[] = [];
  const inf = new Informer<Pod>({
    source: idleSource,
    transform: toPod,
    indexers: { namespace: byNamespace, node: byNodeName, app: byLabel('app') },
    onError: (error) => errors.push(error),
  });
  inf.addEventHandler({
    onAdd: (p, key, initial) => log.push(`add ${key}${initial ? ' (initial)' : ''} node=${p.nodeName}`),
    onUpdate: (o, n, key) => log.push(`update ${key} ${o.nodeName}->${n.nodeName}`),
    onDelete: (p, key, unknown) => log.push(`delete ${key}${unknown ? ' (final state unknown)' : ''} node=${p.nodeName}`),
  });
  return { informer: inf, log };
}

function relist(inf: Informer<Pod>, objects: KubeObject[]): void {
  const batch = inf.startReplace();
  for (const object of objects) batch.add(object);
  batch.commit();
}

test('the first list fills the cache, keeps only the transformed view, and marks it synced', async () => {
  const { informer: inf, log } = informer();
  assert.equal(inf.hasSynced(), false);
  const synced = inf.waitForSync();
  relist(inf, [pod('a', '1', { node: 'n1' }), pod('b', '2')]);
  await synced;
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(log, ['add default/a (initial) node=n1', 'add default/b (initial) node=']);
  assert.deepEqual(inf.store.get('default/a'), { namespace: 'default', name: 'a', nodeName: 'n1', labels: {} });
});

test('an abandoned list (never committed) leaves the cache unsynced and unchanged', () => {
  const { informer: inf, log } = informer();
  const batch = inf.startReplace();
  batch.add(pod('a', '1'));
  assert.equal(inf.hasSynced(), false);
  assert.equal(inf.store.size, 0);
  assert.deepEqual(log, []);
});

test('watch events add, update and delete, and the indexes follow', () => {
  const { informer: inf, log } = informer();
  relist(inf, []);
  inf.apply({ type: 'ADDED', object: pod('a', '5', { node: 'n1', labels: { app: 'web' } }) });
  inf.apply({ type: 'ADDED', object: pod('b', '6', { node: 'n1', namespace: 'other' }) });
  assert.deepEqual(inf.store.keysByIndex('node', 'n1').sort(), ['default/a', 'other/b']);
  assert.deepEqual(inf.store.byIndex('app', 'web').map((p) => p.name), ['a']);
  inf.apply({ type: 'MODIFIED', object: pod('a', '7', { node: 'n2', labels: { app: 'api' } }) });
  assert.deepEqual(inf.store.keysByIndex('node', 'n1'), ['other/b']);
  assert.deepEqual(inf.store.keysByIndex('node', 'n2'), ['default/a']);
  assert.deepEqual(inf.store.byIndex('app', 'web'), []);
  assert.deepEqual(inf.store.indexValues('app'), ['api'], 'emptied index values are removed');
  inf.apply({ type: 'DELETED', object: pod('b', '8', { node: 'n1', namespace: 'other' }) });
  assert.deepEqual(inf.store.byIndex('namespace', 'other'), []);
  assert.deepEqual(inf.store.indexValues('node'), ['n2']);
  assert.deepEqual(log, ['add default/a node=n1', 'add other/b node=n1', 'update default/a n1->n2', 'delete other/b node=n1']);
  assert.throws(() => inf.store.byIndex('nope', 'x'), /no index named "nope"/);
});

test('a delete of an object the cache never had is not reported', () => {
  const { informer: inf, log } = informer();
  relist(inf, []);
  inf.apply({ type: 'DELETED', object: pod('ghost', '3') });
  assert.deepEqual(log, []);
});

test('a relist reports what vanished as deleted (final state unknown), what changed as updated, and nothing else', () => {
  const { informer: inf, log } = informer();
  relist(inf, [pod('kept', '1'), pod('changed', '2', { node: 'n1' }), pod('gone', '3', { node: 'n9' })]);
  log.length = 0;
  relist(inf, [pod('kept', '1'), pod('changed', '4', { node: 'n2' }), pod('new', '5')]);
  assert.deepEqual(log, ['delete default/gone (final state unknown) node=n9', 'update default/changed n1->n2', 'add default/new node=']);
  assert.deepEqual([...inf.store.keys()].sort(), ['default/changed', 'default/kept', 'default/new']);
  assert.deepEqual(inf.store.indexValues('node').sort(), ['n2']);
});

test('a name reused by a new object (new uid) while the watch was down is a delete and an add', () => {
  const { informer: inf, log } = informer();
  relist(inf, [pod('web-0', '1', { uid: 'old', node: 'n1' })]);
  log.length = 0;
  relist(inf, [pod('web-0', '9', { uid: 'new', node: 'n2' })]);
  assert.deepEqual(log, ['delete default/web-0 (final state unknown) node=n1', 'add default/web-0 node=n2']);
});

test('an object the transform refuses keeps its last good state, and is reported', () => {
  const errors: unknown[] = [];
  const { informer: inf, log } = informer(errors);
  relist(inf, [pod('a', '1', { node: 'n1' }), pod('never-read', '2', { labels: { broken: 'x' } })]);
  assert.deepEqual([...inf.store.keys()], ['default/a']);
  inf.apply({ type: 'MODIFIED', object: pod('a', '3', { node: 'n2', labels: { broken: 'x' } }) });
  relist(inf, [pod('a', '4', { node: 'n3', labels: { broken: 'x' } })]);
  assert.equal(inf.store.get('default/a')?.nodeName, 'n1', 'not deleted, not changed');
  assert.deepEqual(log, ['add default/a (initial) node=n1']);
  assert.equal(errors.length, 3);
  assert.match(String(errors[0]), /pods on cluster test: default\/never-read: cannot read the object: unreadable label/);
});

test('a throwing handler is reported and does not stop the other handlers or the cache', () => {
  const errors: unknown[] = [];
  const { informer: inf, log } = informer(errors);
  inf.addEventHandler({
    onAdd: () => {
      throw new Error('boom');
    },
  });
  relist(inf, [pod('a', '1')]);
  assert.deepEqual(log, ['add default/a (initial) node=']);
  assert.equal(inf.store.size, 1);
  assert.match(String(errors[0]), /an event handler threw: boom/);
});

test('a handler added late is told of every cached object; a removed one of nothing more', () => {
  const { informer: inf } = informer();
  relist(inf, [pod('a', '1'), pod('b', '2')]);
  const late: string[] = [];
  const remove = inf.addEventHandler({ onAdd: (_p, key, initial) => late.push(`${key} ${initial}`) });
  assert.deepEqual(late, ['default/a true', 'default/b true']);
  remove();
  inf.apply({ type: 'ADDED', object: pod('c', '3') });
  assert.equal(late.length, 2);
});

test('waitForSync rejects when aborted first', async () => {
  const { informer: inf } = informer();
  const stop = new AbortController();
  const waiting = inf.waitForSync(stop.signal);
  stop.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
});

/** A source whose list waits until the run stops: the resync tests feed the informer through its sink. */
const waitingSource: ResourceSource = {
  description: 'pods on cluster test',
  list: ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
  watch: () => {
    throw new Error('not used');
  },
};

function resyncingInformer(clock: ManualClock, resyncPeriodMs: number | undefined, random = 0.5): { informer: Informer<Pod>; log: string[] } {
  const log: string[] = [];
  const inf = new Informer<Pod>({
    source: waitingSource,
    transform: toPod,
    clock,
    random: () => random,
    ...(resyncPeriodMs === undefined ? {} : { resyncPeriodMs }),
  });
  inf.addEventHandler({
    onAdd: (_p, key) => log.push(`add ${key}`),
    onUpdate: (o, n, key) => log.push(`update ${key}${o === n ? ' (same object)' : ''}`),
    onDelete: (_p, key) => log.push(`delete ${key}`),
  });
  return { informer: inf, log };
}

test('a resync re-delivers every cached object as an update from itself to itself, each period, only once synced', async () => {
  const clock = new ManualClock();
  const { informer: inf, log } = resyncingInformer(clock, 60_000);
  const stop = new AbortController();
  const running = inf.run(stop.signal);
  await clock.advance(60_000);
  assert.deepEqual(log, [], 'nothing to re-deliver before the first list');
  relist(inf, [pod('a', '1'), pod('b', '2', { namespace: 'kube-system' })]);
  log.length = 0;
  await clock.advance(59_999);
  assert.deepEqual(log, []);
  await clock.advance(1);
  assert.deepEqual(log, ['update default/a (same object)', 'update kube-system/b (same object)']);
  inf.apply({ type: 'DELETED', object: pod('b', '3', { namespace: 'kube-system' }) });
  log.length = 0;
  await clock.advance(60_000);
  assert.deepEqual(log, ['update default/a (same object)'], 'the cache as it is now, nothing more');
  assert.equal(inf.store.size, 1, 'the cache is unchanged by a resync');
  stop.abort();
  await running;
  assert.equal(clock.pendingTimers, 0, 'no resync timer left after the run');
  log.length = 0;
  await clock.advance(600_000);
  assert.deepEqual(log, []);
});

test("each informer's resync period is drawn once between 0.9 and 1.1 times the one asked for; none without one", async () => {
  for (const [random, periodMs] of [
    [0, 54_000],
    [0.5, 60_000],
    [0.999, 65_988],
  ] as const) {
    const clock = new ManualClock();
    const { informer: inf, log } = resyncingInformer(clock, 60_000, random);
    relist(inf, [pod('a', '1')]);
    log.length = 0;
    const stop = new AbortController();
    const running = inf.run(stop.signal);
    assert.deepEqual(clock.pendingDelays(), [periodMs]);
    await clock.advance(periodMs);
    await clock.advance(periodMs);
    assert.deepEqual(log, ['update default/a (same object)', 'update default/a (same object)'], `random ${random}`);
    stop.abort();
    await running;
  }
  const clock = new ManualClock();
  const { informer: inf } = resyncingInformer(clock, undefined);
  const stop = new AbortController();
  const running = inf.run(stop.signal);
  assert.equal(clock.pendingTimers, 0, 'no resync unless asked for');
  stop.abort();
  await running;
});
