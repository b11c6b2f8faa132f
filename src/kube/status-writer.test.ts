import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { RecordingLogger } from '../../test/support/recording-logger.ts';
import type { RequestOptions } from './cluster-connection.ts';
import { KubeApiError } from './kube-api-error.ts';
import { mergePatch, removalPatch, StatusWriter, type JsonObject, type StatusWriterOptions } from './status-writer.ts';

const base = '/apis/eksclusterregistry.spire.spiffe.io/v1alpha1/eksclusterregistries';

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly patch: JsonObject;
}

/** RFC 7386, as the apiserver applies a merge patch. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result = new Map(typeof target === 'object' && target !== null && !Array.isArray(target) ? Object.entries(target) : []);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) result.delete(key);
    else result.set(key, applyMergePatch(result.get(key), value));
  }
  return Object.fromEntries(result);
}

/** The /status subresource of cluster-scoped objects, in memory: applies merge patches, or fails as told. */
class FakeApi {
  readonly name = 'management';
  readonly requests: SentRequest[] = [];
  readonly statuses = new Map<string, JsonObject>();
  /** Each request takes the next of these, if any, instead of succeeding. */
  readonly failures: Error[] = [];
  /** While set, answers wait for it. */
  gate: Promise<void> | undefined;
  /** Top-level status fields the schema does not know, which the apiserver drops. */
  pruned: readonly string[] = [];

  async requestJson(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const patch = (options.body as { status: JsonObject }).status;
    this.requests.push({ method, path, contentType: options.contentType, patch });
    if (this.gate !== undefined) await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const name = decodeURIComponent(path.slice(base.length + 1, -'/status'.length));
    const current = this.statuses.get(name);
    if (current === undefined) throw new KubeApiError(`${method} ${path}`, { code: 404, reason: 'NotFound', message: 'not found' });
    const status = Object.fromEntries(Object.entries(applyMergePatch(current, patch) as JsonObject).filter(([field]) => !this.pruned.includes(field)));
    this.statuses.set(name, status);
    return { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'EKSClusterRegistry', metadata: { name }, status };
  }

  /** Holds answers until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }
}

function setup(options: Partial<StatusWriterOptions> = {}): { api: FakeApi; clock: ManualClock; logger: RecordingLogger; writer: StatusWriter } {
  const api = new FakeApi();
  api.statuses.set('workload-cluster', {});
  api.statuses.set('other', {});
  const clock = new ManualClock();
  const logger = new RecordingLogger();
  const writer = new StatusWriter({
    connection: api,
    group: 'eksclusterregistry.spire.spiffe.io',
    version: 'v1alpha1',
    plural: 'eksclusterregistries',
    logger,
    clock,
    minIntervalMs: 1000,
    ...options,
  });
  return { api, clock, logger, writer };
}

const synced = { conditions: [{ type: 'Ready', status: 'True', reason: 'ClusterSynced', message: '', lastTransitionTime: '2025-09-02T08:48:28Z' }], namespacesCount: 3, entriesRegistered: 10 };

test('the first update is written as a merge patch of status through the /status subresource', async () => {
  const { api, clock, writer } = setup();
  writer.update('workload-cluster', { ...synced, lastSync: '2025-09-02T08:48:28Z' });
  assert.equal(api.requests.length, 0, 'written from a timer, not inside update()');
  await clock.advance(0);
  assert.deepEqual(api.requests, [{ method: 'PATCH', path: `${base}/workload-cluster/status`, contentType: 'application/merge-patch+json', patch: { ...synced, lastSync: '2025-09-02T08:48:28Z' } }]);
  assert.deepEqual(api.statuses.get('workload-cluster'), { ...synced, lastSync: '2025-09-02T08:48:28Z' });
});

test('an identical status, or one whose timestamps alone changed, sends nothing; includeTimestamps writes the timestamp', async () => {
  const { api, clock, writer } = setup();
  writer.update('workload-cluster', { ...synced, lastSync: '2025-09-02T08:48:28Z' });
  await clock.advance(5000);
  writer.update('workload-cluster', { ...synced, lastSync: '2025-09-02T08:48:28Z' });
  writer.update('workload-cluster', { namespacesCount: 3, entriesRegistered: 10, conditions: synced.conditions, lastSync: '2025-09-02T08:48:58Z' });
  await clock.advance(5000);
  assert.equal(api.requests.length, 1);
  writer.update('workload-cluster', { ...synced, lastSync: '2025-09-02T08:49:28Z' }, { includeTimestamps: true });
  await clock.advance(0);
  assert.deepEqual(
    api.requests.map((r) => r.patch),
    [{ ...synced, lastSync: '2025-09-02T08:48:28Z' }, { lastSync: '2025-09-02T08:49:28Z' }],
  );
});

test('a real change carries the newer timestamp along; removed fields are patched to null; arrays are replaced whole', async () => {
  const { api, clock, writer } = setup();
  writer.update('workload-cluster', { ...synced, lastSync: '2025-09-02T08:48:28Z' });
  await clock.advance(5000);
  const notReady = [{ type: 'Ready', status: 'False', reason: 'ClusterUnreachable', message: 'timeout', lastTransitionTime: '2025-09-02T09:00:00Z' }];
  writer.update('workload-cluster', { conditions: notReady, namespacesCount: 3, lastSync: '2025-09-02T09:00:00Z', entriesRegistered: undefined });
  await clock.advance(0);
  assert.deepEqual(api.requests[1]?.patch, { conditions: notReady, lastSync: '2025-09-02T09:00:00Z', entriesRegistered: null });
  assert.deepEqual(api.statuses.get('workload-cluster'), { conditions: notReady, namespacesCount: 3, lastSync: '2025-09-02T09:00:00Z' });
});

test('updates within the interval are coalesced into one write of the latest, at the end of the interval', async () => {
  const { api, clock, writer } = setup({ minIntervalMs: 1000 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  await clock.advance(100);
  for (let n = 2; n <= 5; n++) writer.update('workload-cluster', { entriesRegistered: n });
  await clock.advance(899);
  assert.equal(api.requests.length, 1, 'not before the interval is over');
  await clock.advance(1);
  assert.deepEqual(
    api.requests.map((r) => r.patch),
    [{ entriesRegistered: 1 }, { entriesRegistered: 5 }],
  );
  await clock.advance(10_000);
  assert.equal(api.requests.length, 2);
});

test('the interval is per object: another object is written at once', async () => {
  const { api, clock, writer } = setup({ minIntervalMs: 1000 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  writer.update('workload-cluster', { entriesRegistered: 2 });
  writer.update('other', { entriesRegistered: 7 });
  await clock.advance(0);
  assert.deepEqual(
    api.requests.map((r) => r.path.split('/').at(-2)),
    ['workload-cluster', 'other'],
  );
});

test('going back to the written status before the interval ends cancels the pending write', async () => {
  const { api, clock, writer } = setup();
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  writer.update('workload-cluster', { entriesRegistered: 2 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(5000);
  assert.equal(api.requests.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('an update during a write in flight is written after it, even when it equals what was written before', async () => {
  const { api, clock, writer } = setup({ minIntervalMs: 0 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  const release = api.hold();
  writer.update('workload-cluster', { entriesRegistered: 2 });
  await clock.advance(0);
  writer.update('workload-cluster', { entriesRegistered: 1 });
  release();
  await clock.advance(0);
  assert.deepEqual(
    api.requests.map((r) => r.patch),
    [{ entriesRegistered: 1 }, { entriesRegistered: 2 }, { entriesRegistered: 1 }],
  );
  assert.deepEqual(api.statuses.get('workload-cluster'), { entriesRegistered: 1 });
});

test('conflicts, server errors and network failures are retried with doubling delays; the latest status wins', async () => {
  const { api, clock, logger, writer } = setup({ minIntervalMs: 0, retryBaseDelayMs: 500, retryMaxDelayMs: 60_000 });
  api.failures.push(
    new KubeApiError('PATCH', { code: 409, reason: 'Conflict', message: 'the object has been modified' }),
    new KubeApiError('PATCH', { code: 500, reason: 'InternalError', message: 'etcdserver: leader changed' }),
    new Error('PATCH on cluster management: socket hang up'),
  );
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  assert.equal(api.requests.length, 1);
  await clock.advance(499);
  assert.equal(api.requests.length, 1);
  await clock.advance(1);
  assert.equal(api.requests.length, 2, 'first retry after 500 ms');
  writer.update('workload-cluster', { entriesRegistered: 2 });
  await clock.advance(999);
  assert.equal(api.requests.length, 2, 'a new status does not cut the backoff short');
  await clock.advance(1);
  assert.equal(api.requests.length, 3, 'second retry after 1000 ms more');
  await clock.advance(2000);
  assert.deepEqual(
    api.requests.map((r) => r.patch),
    [{ entriesRegistered: 1 }, { entriesRegistered: 1 }, { entriesRegistered: 2 }, { entriesRegistered: 2 }],
  );
  assert.deepEqual(api.statuses.get('workload-cluster'), { entriesRegistered: 2 });
  assert.equal(logger.at('warn').length, 3);
  assert.match(String((logger.at('warn')[0]?.fields.err as Error).message), /409 Conflict/);
  assert.equal(logger.at('warn')[0]?.fields.name, 'workload-cluster');

  // Success resets the backoff.
  api.failures.push(new Error('reset'));
  writer.update('workload-cluster', { entriesRegistered: 3 });
  await clock.advance(0);
  await clock.advance(500);
  assert.equal(api.requests.length, 6);
});

test('a refused status (422) is logged as an error and not retried; update never throws', async () => {
  const { api, clock, logger, writer } = setup({ minIntervalMs: 0 });
  api.failures.push(new KubeApiError('PATCH', { code: 422, reason: 'Invalid', message: 'status.conditions[0].reason: Invalid value' }));
  writer.update('workload-cluster', { conditions: [{ type: 'Ready', status: 'True', reason: '' }] });
  await clock.advance(60_000);
  assert.equal(api.requests.length, 1);
  assert.equal(logger.at('error').length, 1);
  assert.equal(logger.at('error')[0]?.msg, 'Status not written: the apiserver refused it');
  assert.equal(logger.at('error')[0]?.fields.resource, 'eksclusterregistries.eksclusterregistry.spire.spiffe.io');

  assert.doesNotThrow(() => writer.update('workload-cluster', { big: 1n }));
  assert.equal(logger.at('error')[1]?.msg, 'Status not written: it is not JSON');
  await clock.advance(60_000);
  assert.equal(api.requests.length, 1);
});

test('an object that is gone (404) is not retried, and if it comes back its status is written whole', async () => {
  const { api, clock, logger, writer } = setup({ minIntervalMs: 0 });
  writer.update('workload-cluster', { entriesRegistered: 1, namespacesCount: 2 });
  await clock.advance(0);
  api.statuses.delete('workload-cluster');
  writer.update('workload-cluster', { entriesRegistered: 2, namespacesCount: 2 });
  await clock.advance(60_000);
  assert.equal(api.requests.length, 2);
  assert.equal(logger.at('error').length + logger.at('warn').length, 0);
  api.statuses.set('workload-cluster', {});
  writer.update('workload-cluster', { entriesRegistered: 1, namespacesCount: 2 });
  await clock.advance(0);
  assert.deepEqual(api.requests[2]?.patch, { entriesRegistered: 1, namespacesCount: 2 }, 'what was written before the object went is not assumed to be there');
});

test('fields the server holds that the status lacks are removed after the first write', async () => {
  const { api, clock, writer } = setup();
  api.statuses.set('workload-cluster', { entriesRegistered: 9, stale: 'x', stats: { a: 1, gone: 2 } });
  writer.update('workload-cluster', { entriesRegistered: 1, stats: { a: 1 } });
  await clock.advance(0);
  assert.deepEqual(
    api.requests.map((r) => r.patch),
    [{ entriesRegistered: 1, stats: { a: 1 } }, { stale: null, stats: { gone: null } }],
  );
  assert.deepEqual(api.statuses.get('workload-cluster'), { entriesRegistered: 1, stats: { a: 1 } });
});

test('observe: an update equal to the observed status sends nothing; a different one sends only the difference', async () => {
  const { api, clock, writer } = setup();
  writer.observe('workload-cluster', { ...synced, lastSync: '2025-09-02T08:48:28Z' });
  writer.update('workload-cluster', { ...synced, lastSync: '2025-09-02T08:50:00Z' });
  await clock.advance(5000);
  assert.equal(api.requests.length, 0);
  writer.update('workload-cluster', { ...synced, entriesRegistered: 11, lastSync: '2025-09-02T08:50:00Z' });
  await clock.advance(0);
  assert.deepEqual(api.requests[0]?.patch, { entriesRegistered: 11, lastSync: '2025-09-02T08:50:00Z' });
});

test('observe: an edit by someone else makes the next update write again', async () => {
  const { api, clock, writer } = setup();
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  writer.observe('workload-cluster', { entriesRegistered: 1 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(5000);
  assert.equal(api.requests.length, 1, 'our own write coming back changes nothing');
  writer.observe('workload-cluster', { entriesRegistered: 99 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  assert.deepEqual(api.requests[1]?.patch, { entriesRegistered: 1 });
});

test('a field the server prunes does not make every later update write, even once the informer reports our write', async () => {
  const { api, clock, writer } = setup({ minIntervalMs: 0 });
  api.pruned = ['unknownField'];
  writer.update('workload-cluster', { entriesRegistered: 1, unknownField: 'x' });
  await clock.advance(0);
  assert.deepEqual(api.statuses.get('workload-cluster'), { entriesRegistered: 1 });
  writer.observe('workload-cluster', { entriesRegistered: 1 });
  writer.update('workload-cluster', { entriesRegistered: 1, unknownField: 'x' });
  await clock.advance(0);
  assert.equal(api.requests.length, 1);
});

test('forget cancels a pending write; flush writes pending ones now and waits for them', async () => {
  const { api, clock, writer } = setup({ minIntervalMs: 10_000 });
  writer.update('workload-cluster', { entriesRegistered: 1 });
  writer.update('other', { entriesRegistered: 1 });
  await clock.advance(0);
  writer.update('workload-cluster', { entriesRegistered: 2 });
  writer.update('other', { entriesRegistered: 2 });
  writer.forget('other');
  assert.equal(clock.pendingTimers, 1);
  await writer.flush();
  assert.deepEqual(
    api.requests.map((r) => [r.path.split('/').at(-2), r.patch]),
    [
      ['workload-cluster', { entriesRegistered: 1 }],
      ['other', { entriesRegistered: 1 }],
      ['workload-cluster', { entriesRegistered: 2 }],
    ],
  );
  assert.equal(clock.pendingTimers, 0);
  await writer.flush();
  assert.equal(api.requests.length, 3);
});

test('flush waits for a write in flight', async () => {
  const { api, clock, writer } = setup();
  const release = api.hold();
  writer.update('workload-cluster', { entriesRegistered: 1 });
  await clock.advance(0);
  let flushed = false;
  const flushing = writer.flush().then(() => (flushed = true));
  await settle();
  assert.equal(flushed, false);
  release();
  await flushing;
  assert.deepEqual(api.statuses.get('workload-cluster'), { entriesRegistered: 1 });
});

test('at most maxConcurrentWrites requests are in flight at once', async () => {
  const { api, clock, writer } = setup({ maxConcurrentWrites: 2 });
  for (let n = 0; n < 5; n++) api.statuses.set(`c${n}`, {});
  const release = api.hold();
  for (let n = 0; n < 5; n++) writer.update(`c${n}`, { entriesRegistered: n });
  await clock.advance(0);
  assert.equal(api.requests.length, 2);
  release();
  await writer.flush();
  assert.equal(api.requests.length, 5);
  for (let n = 0; n < 5; n++) assert.deepEqual(api.statuses.get(`c${n}`), { entriesRegistered: n });
});

test('mergePatch and removalPatch', () => {
  assert.deepEqual(mergePatch(undefined, { a: 1 }), { a: 1 });
  assert.deepEqual(mergePatch({ a: 1, b: { c: 1, d: 2 }, e: [1, 2], f: 1 }, { a: 1, b: { c: 2, d: 2 }, e: [1], g: 'new' }), { b: { c: 2 }, e: [1], f: null, g: 'new' });
  assert.deepEqual(mergePatch({ a: 'x' }, { a: { b: 1 } }), { a: { b: 1 } });
  assert.deepEqual(mergePatch({ a: { b: 1 } }, { a: { b: 1 } }), {});
  assert.deepEqual(removalPatch({ a: 1, b: { c: 1, d: 2 }, e: [1] }, { b: { c: 1 }, e: [], f: 1 }), { a: null, b: { d: null } });
});

test('a namespaced resource: objects named by namespace/name keys, written at their namespaced path', async () => {
  const requests: string[] = [];
  const api = {
    name: 'management',
    requestJson: async (method: string, path: string, options: RequestOptions = {}): Promise<unknown> => {
      requests.push(`${method} ${path}`);
      return { status: (options.body as { status: JsonObject }).status };
    },
  };
  const clock = new ManualClock();
  const writer = new StatusWriter({ connection: api, group: 'spiffeid.spiffe.io', version: 'v1beta1', plural: 'spiffeids', namespaced: true, logger: new RecordingLogger(), clock });
  writer.update('shop/web', { entriesRegistered: 1 });
  await clock.advance(0);
  assert.deepEqual(requests, ['PATCH /apis/spiffeid.spiffe.io/v1beta1/namespaces/shop/spiffeids/web/status']);
});
