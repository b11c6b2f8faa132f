import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { Informer } from './informer.ts';
import { KubeApiError } from './kube-api-error.ts';
import { toKubeObject, type KubeObject } from './kube-object.ts';
import type { ReflectorEvent } from './reflector.ts';
import type { ListOptions, ListPage, ResourceSource, WatchEvent, WatchOptions } from './resource-source.ts';

function pod(name: string, resourceVersion: string): KubeObject {
  return toKubeObject({ metadata: { namespace: 'ns', name, uid: `uid-${name}`, resourceVersion } }, 'test');
}

/** One watch the test drives: events, a normal end, or a failure; it honours the abort signal. */
class ScriptedWatch implements AsyncIterable<WatchEvent> {
  readonly options: WatchOptions;
  readonly #queue: ({ event: WatchEvent } | { end: true } | { error: Error })[] = [];
  #wake = (): void => {};

  constructor(options: WatchOptions) {
    this.options = options;
    options.signal.addEventListener('abort', () => this.#wake());
  }

  get aborted(): boolean {
    return this.options.signal.aborted;
  }

  push(...events: WatchEvent[]): void {
    for (const event of events) this.#queue.push({ event });
    this.#wake();
  }

  end(): void {
    this.#queue.push({ end: true });
    this.#wake();
  }

  fail(error: Error): void {
    this.#queue.push({ error });
    this.#wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    for (;;) {
      while (this.#queue.length === 0) {
        this.options.signal.throwIfAborted();
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
      this.options.signal.throwIfAborted();
      const next = this.#queue.shift();
      if (next === undefined || 'end' in next) return;
      if ('error' in next) throw next.error;
      yield next.event;
    }
  }
}

/** Lists answer from `lists` in order, each waiting for its answer to be pushed; watches are recorded for the test. */
class ScriptedSource implements ResourceSource {
  readonly description = 'pods on cluster test';
  readonly #answers: (ListPage | Error)[] = [];
  #wake = (): void => {};
  readonly listCalls: ListOptions[] = [];
  readonly watches: ScriptedWatch[] = [];

  /** Answers for the next lists (a page, or an error to throw). */
  readonly lists = {
    push: (...answers: (ListPage | Error)[]): void => {
      this.#answers.push(...answers);
      this.#wake();
    },
  };

  async list(options: ListOptions): Promise<ListPage> {
    this.listCalls.push(options);
    while (this.#answers.length === 0) {
      options.signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        options.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    const next = this.#answers.shift() as ListPage | Error;
    if (next instanceof Error) throw next;
    return next;
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent> {
    const watch = new ScriptedWatch(options);
    this.watches.push(watch);
    return watch;
  }

  get lastWatch(): ScriptedWatch {
    const watch = this.watches.at(-1);
    assert.ok(watch, 'a watch was opened');
    return watch;
  }
}

interface Harness {
  source: ScriptedSource;
  clock: ManualClock;
  informer: Informer<string>;
  log: string[];
  events: ReflectorEvent[];
  stop: () => Promise<void>;
}

function start(options: { random?: () => number; timeoutSeconds?: number } = {}): Harness {
  const source = new ScriptedSource();
  const clock = new ManualClock();
  const log: string[] = [];
  const events: ReflectorEvent[] = [];
  const informer = new Informer<string>({
    source,
    clock,
    random: options.random ?? (() => 0.5),
    transform: (raw) => (raw as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
    watchTimeoutSeconds: () => options.timeoutSeconds ?? 300,
    onReflectorEvent: (event) => events.push(event),
  });
  informer.addEventHandler({
    onAdd: (_, key) => log.push(`add ${key}`),
    onUpdate: (_, __, key) => log.push(`update ${key}`),
    onDelete: (_, key, unknown) => log.push(`delete ${key}${unknown ? ' (final state unknown)' : ''}`),
  });
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  return {
    source,
    clock,
    informer,
    log,
    events,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}

test('lists every page, then watches from the list version with the server timeout; events reach the cache', async () => {
  const h = start({ random: () => 0.25 });
  h.source.lists.push({ items: [pod('a', '3')], resourceVersion: '10', continue: 'page-2' }, { items: [pod('b', '4')], resourceVersion: '10' });
  await settle();
  assert.deepEqual(
    h.source.listCalls.map((c) => [c.limit, c.continue]),
    [
      [500, undefined],
      [500, 'page-2'],
    ],
  );
  assert.equal(h.informer.hasSynced(), true);
  assert.equal(h.source.watches.length, 1);
  assert.equal(h.source.lastWatch.options.resourceVersion, '10');
  h.source.lastWatch.push({ type: 'ADDED', object: pod('c', '11') }, { type: 'DELETED', object: pod('a', '12') });
  await settle();
  assert.deepEqual(h.log, ['add ns/a', 'add ns/b', 'add ns/c', 'delete ns/a']);
  assert.equal(h.informer.lastSyncResourceVersion, '12');
  await h.stop();
});

test('the default watch timeout is drawn per watch between 5 and 10 minutes, as client-go does', async () => {
  const source = new ScriptedSource();
  const randoms = [0, 0.999];
  const clock = new ManualClock();
  const informer = new Informer<string>({ source, clock, random: () => randoms.shift() ?? 0.5, transform: String });
  source.lists.push({ items: [], resourceVersion: '1' });
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  await settle();
  await clock.advance(300_000);
  source.lastWatch.end();
  await settle();
  assert.deepEqual(
    source.watches.map((w) => w.options.timeoutSeconds),
    [300, 599],
  );
  controller.abort();
  await running;
});

test('a watch the server ends normally is resumed from the last version seen (bookmarks included), without a relist', async () => {
  const h = start();
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.push({ type: 'ADDED', object: pod('a', '11') }, { type: 'BOOKMARK', resourceVersion: '20' });
  await h.clock.advance(300_000);
  h.source.lastWatch.end();
  await settle();
  assert.equal(h.source.watches.length, 2);
  assert.equal(h.source.lastWatch.options.resourceVersion, '20');
  // A quiet resource: the server ends the next watch too, without any event; it is resumed again at once.
  await h.clock.advance(300_000);
  h.source.lastWatch.end();
  await settle();
  assert.equal(h.source.watches.length, 3);
  assert.equal(h.source.lastWatch.options.resourceVersion, '20');
  assert.equal(h.source.listCalls.length, 1);
  assert.deepEqual(h.clock.pendingDelays(), [600_000], 'only the silence timer of the open watch: no backoff');
  await h.stop();
});

test('an ERROR event with 410 relists at once, and the relist reports the delete the watch missed', async () => {
  const h = start();
  h.source.lists.push({ items: [pod('a', '1'), pod('b', '2')], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.push({ type: 'MODIFIED', object: pod('a', '11') });
  await settle();
  // b was deleted while this client was away, and the server's history no longer reaches back.
  h.source.lists.push({ items: [pod('a', '11')], resourceVersion: '30' });
  h.source.lastWatch.push({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version: 11 (25)' } });
  await settle();
  assert.equal(h.source.listCalls.length, 2);
  assert.deepEqual(h.log, ['add ns/a', 'add ns/b', 'update ns/a', 'delete ns/b (final state unknown)']);
  assert.equal(h.source.lastWatch.options.resourceVersion, '30');
  assert.deepEqual(
    h.events.filter((e) => e.type === 'relist').map((e) => e.type === 'relist' && e.retryInMs),
    [0],
  );
  await h.stop();
});

test('a 410 answer to the watch request relists too', async () => {
  const h = start();
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.push({ type: 'BOOKMARK', resourceVersion: '12' });
  h.source.lists.push({ items: [], resourceVersion: '40' });
  h.source.lastWatch.fail(new KubeApiError('watch', { code: 410, reason: 'Gone', message: 'gone' }));
  await settle();
  assert.equal(h.source.listCalls.length, 2);
  assert.equal(h.source.lastWatch.options.resourceVersion, '40');
  await h.stop();
});

test('410 over and over without progress backs off instead of relisting in a hot loop', async () => {
  const h = start();
  const gone = { type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'expired' } } as const;
  for (let i = 0; i < 3; i++) h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.push(gone);
  await settle();
  assert.equal(h.source.listCalls.length, 2, 'the first relist is immediate');
  h.source.lastWatch.push(gone);
  await settle();
  assert.equal(h.source.listCalls.length, 2, 'the second waits');
  await h.clock.advance(600); // 800 ms with equal jitter at random 0.5
  assert.equal(h.source.listCalls.length, 3);
  assert.deepEqual(
    h.events.filter((e) => e.type === 'relist').map((e) => e.type === 'relist' && e.retryInMs),
    [0, 600],
  );
  await h.stop();
});

test('a watch silent for twice its timeout is abandoned and resumed from its last version, without a relist', async () => {
  const h = start({ timeoutSeconds: 10 });
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  await h.clock.advance(5_000);
  h.source.lastWatch.push({ type: 'ADDED', object: pod('a', '11') });
  await settle();
  await h.clock.advance(19_999);
  assert.equal(h.source.watches.length, 1, 'silence is measured from the last event');
  const silent = h.source.lastWatch;
  await h.clock.advance(1);
  assert.equal(silent.aborted, true, 'the silent watch is abandoned');
  assert.equal(h.source.watches.length, 2);
  assert.equal(h.source.lastWatch.options.resourceVersion, '11');
  assert.equal(h.source.listCalls.length, 1);
  assert.deepEqual(
    h.events.filter((e) => e.type === 'silent-watch'),
    [{ type: 'silent-watch', silentMs: 20_000, resourceVersion: '11', retryInMs: 0 }],
  );
  assert.deepEqual(h.log, ['add ns/a']);
  await h.stop();
});

test('a watch that never answers at all is abandoned after the silence bound too', async () => {
  const h = start({ timeoutSeconds: 10 });
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  await h.clock.advance(20_000);
  assert.equal(h.source.watches[0]?.aborted, true);
  assert.equal(h.source.watches.length, 2);
  await h.stop();
});

test('list failures back off exponentially with jitter, capped, until a list succeeds', async () => {
  const randoms = [0, 0.5, 0.999, 0, 0.5, 0.999, 0, 0.5, 0.999];
  const h = start({ random: () => randoms.shift() ?? 0.5 });
  const failures = 9;
  for (let i = 0; i < failures; i++) h.source.lists.push(new Error(`connect ECONNREFUSED (${i})`));
  h.source.lists.push({ items: [pod('a', '1')], resourceVersion: '5' });
  await settle();
  const delays: number[] = [];
  for (let i = 0; i < failures; i++) {
    const delay = h.clock.pendingDelays()[0] ?? -1;
    delays.push(delay);
    await h.clock.advance(delay - 1);
    assert.equal(h.source.listCalls.length, i + 1, 'no retry before the delay');
    await h.clock.advance(1);
    assert.equal(h.source.listCalls.length, i + 2);
  }
  // Exponential 800 ms .. 30 s, each between half and all of it (equal jitter), by the random draw.
  assert.deepEqual(delays, [400, 1200, 3198, 3200, 9600, 25587, 15000, 22500, 29985]);
  assert.equal(h.informer.hasSynced(), true);
  const errors = h.events.filter((e) => e.type === 'error');
  assert.equal(errors.length, failures);
  assert.ok(errors.every((e) => e.type === 'error' && e.phase === 'list'));
  await h.stop();
});

test('a broken watch backs off and resumes from its last version without a relist; progress resets the backoff', async () => {
  const h = start();
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.push({ type: 'ADDED', object: pod('a', '11') });
  h.source.lastWatch.fail(new Error('read ECONNRESET'));
  await settle();
  assert.deepEqual(h.clock.pendingDelays(), [600]);
  await h.clock.advance(600);
  assert.equal(h.source.lastWatch.options.resourceVersion, '11');
  h.source.lastWatch.fail(new Error('connect ECONNREFUSED'));
  await settle();
  assert.deepEqual(h.clock.pendingDelays(), [1200], 'the second failure in a row waits longer');
  await h.clock.advance(1200);
  h.source.lastWatch.push({ type: 'BOOKMARK', resourceVersion: '15' });
  h.source.lastWatch.fail(new Error('read ECONNRESET'));
  await settle();
  assert.deepEqual(h.clock.pendingDelays(), [600], 'a bookmark was progress: the backoff starts again');
  await h.clock.advance(600);
  assert.equal(h.source.lastWatch.options.resourceVersion, '15');
  assert.equal(h.source.listCalls.length, 1);
  await h.stop();
});

test('a watch that ends within a second without any event counts as a failure (no hot loop)', async () => {
  const h = start();
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.end();
  await settle();
  assert.equal(h.source.watches.length, 1);
  assert.deepEqual(h.clock.pendingDelays(), [600]);
  const error = h.events.find((e) => e.type === 'error');
  assert.match(String(error?.type === 'error' && error.error), /ended after 0 ms without an event/);
  await h.stop();
});

test('an ERROR event other than 410 backs off and resumes the watch', async () => {
  const h = start();
  h.source.lists.push({ items: [], resourceVersion: '10' });
  await settle();
  h.source.lastWatch.push({ type: 'ERROR', status: { code: 500, reason: 'InternalError', message: 'etcd unavailable' } });
  await settle();
  assert.deepEqual(h.clock.pendingDelays(), [600]);
  await h.clock.advance(600);
  assert.equal(h.source.listCalls.length, 1);
  assert.equal(h.source.lastWatch.options.resourceVersion, '10');
  await h.stop();
});

test('stopping ends the run during a list, a watch, or a backoff', async () => {
  for (const phase of ['list', 'watch', 'backoff'] as const) {
    const h = start();
    if (phase !== 'list') h.source.lists.push({ items: [], resourceVersion: '1' });
    await settle();
    if (phase === 'backoff') {
      h.source.lastWatch.fail(new Error('reset'));
      await settle();
      assert.equal(h.clock.pendingTimers, 1);
    }
    await h.stop();
    assert.equal(h.clock.pendingTimers, 0, `${phase}: no timer left behind`);
    if (phase !== 'list') assert.equal(h.source.lastWatch.aborted, true);
  }
});
