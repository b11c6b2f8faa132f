import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { RecordingLogger } from '../../test/support/recording-logger.ts';
import type { RequestOptions } from './cluster-connection.ts';
import { EventRecorder, type EventRecorderOptions, type InvolvedObject } from './event-recorder.ts';
import { KubeApiError } from './kube-api-error.ts';

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
}

/** core/v1 Events in memory: creates, merge-patches, and fails as told. */
class FakeApi {
  readonly name = 'management';
  readonly requests: SentRequest[] = [];
  readonly events = new Map<string, Record<string, unknown>>();
  readonly failures: Error[] = [];

  async requestJson(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    // Copies, so that a later patch of the stored Event does not rewrite what an earlier request sent.
    const body = structuredClone(options.body) as Record<string, unknown>;
    this.requests.push({ method, path, contentType: options.contentType, body: structuredClone(body) });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    if (method === 'POST') {
      const name = (body.metadata as { name: string }).name;
      this.events.set(name, body);
      return body;
    }
    const name = decodeURIComponent(path.split('/').at(-1) ?? '');
    const event = this.events.get(name);
    if (event === undefined) throw new KubeApiError(`${method} ${path}`, { code: 404, reason: 'NotFound', message: `events "${name}" not found` });
    Object.assign(event, body);
    return event;
  }
}

const registry: InvolvedObject = { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'EKSClusterRegistry', name: 'workload-cluster', uid: 'uid-1' };
const other: InvolvedObject = { ...registry, name: 'other-cluster', uid: 'uid-2' };

function setup(options: Partial<EventRecorderOptions> = {}): { api: FakeApi; clock: ManualClock; logger: RecordingLogger; recorder: EventRecorder } {
  const api = new FakeApi();
  const clock = new ManualClock(Date.parse('2025-09-02T08:48:28.500Z'));
  const logger = new RecordingLogger();
  const recorder = new EventRecorder({ connection: api, logger, clock, instance: 'registrar-0', ...options });
  return { api, clock, logger, recorder };
}

test('an event is created in the namespace with the involved object, type, reason, message, times, count and source', async () => {
  const { api, recorder } = setup({ namespace: 'default' });
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'dial tcp 10.0.0.1:443: i/o timeout');
  assert.equal(api.requests.length, 0, 'written in the background, not inside event()');
  await recorder.flush();
  assert.equal(api.requests.length, 1);
  const [request] = api.requests;
  assert.equal(request?.method, 'POST');
  assert.equal(request?.path, '/api/v1/namespaces/default/events');
  const name = (request?.body.metadata as { name: string }).name;
  assert.match(name, /^workload-cluster\.[0-9a-f]+$/);
  assert.deepEqual(request?.body, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'EKSClusterRegistry', name: 'workload-cluster', uid: 'uid-1' },
    type: 'Warning',
    reason: 'ClusterUnreachable',
    message: 'dial tcp 10.0.0.1:443: i/o timeout',
    count: 1,
    firstTimestamp: '2025-09-02T08:48:28Z',
    lastTimestamp: '2025-09-02T08:48:28Z',
    source: { component: 'spire-eks-workload-registrar', host: 'registrar-0' },
    reportingComponent: 'spire-eks-workload-registrar',
    reportingInstance: 'registrar-0',
  });
});

test('a repeat within 10 minutes patches count and lastTimestamp of the same Event; after that a new Event is created', async () => {
  const { api, clock, recorder } = setup();
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  await clock.advance(9 * 60_000);
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  const name = (api.requests[0]?.body.metadata as { name: string }).name;
  assert.deepEqual(api.requests[1], {
    method: 'PATCH',
    path: `/api/v1/namespaces/default/events/${name}`,
    contentType: 'application/merge-patch+json',
    body: { count: 2, lastTimestamp: '2025-09-02T08:57:28Z' },
  });
  assert.equal(api.events.get(name)?.firstTimestamp, '2025-09-02T08:48:28Z');
  await clock.advance(10 * 60_000 + 1);
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  assert.equal(api.requests[2]?.method, 'POST');
  assert.notEqual((api.requests[2]?.body.metadata as { name: string }).name, name);
  assert.equal(api.requests[2]?.body.count, 1);
});

test('the window counts from the previous occurrence: a repeat just past it is a new Event', async () => {
  const { api, clock, recorder } = setup({ aggregationWindowMs: 20_000 });
  recorder.event(registry, 'Normal', 'ClusterSynced', 'synced');
  await clock.advance(15_000);
  recorder.event(registry, 'Normal', 'ClusterSynced', 'synced');
  await clock.advance(20_000);
  recorder.event(registry, 'Normal', 'ClusterSynced', 'synced');
  await clock.advance(20_001);
  recorder.event(registry, 'Normal', 'ClusterSynced', 'synced');
  await recorder.flush();
  assert.deepEqual(
    api.requests.map((r) => [r.method, r.body.count]),
    [
      ['POST', 1],
      ['PATCH', 2],
      ['PATCH', 3],
      ['POST', 1],
    ],
  );
});

test('at most maxQueued distinct events wait to be written; repeats of a waiting one do not take a place', async () => {
  const { api, logger, recorder } = setup({ maxQueued: 2 });
  for (let n = 0; n < 5; n++) recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  recorder.event(registry, 'Normal', 'ClusterSynced', 'synced');
  recorder.event(registry, 'Normal', 'EntriesWritten', 'dropped');
  await recorder.flush();
  assert.deepEqual(
    api.requests.map((r) => [r.body.reason, r.body.count]),
    [
      ['ClusterUnreachable', 5],
      ['ClusterSynced', 1],
    ],
  );
  assert.deepEqual(
    logger.at('warn').map((l) => [l.msg, l.fields.reason]),
    [['Event not recorded: too many waiting to be written', 'EntriesWritten']],
  );
});

test('events past their window are forgotten, so memory follows recent activity', async () => {
  const { clock, recorder } = setup();
  for (let n = 0; n < 100; n++) recorder.event({ ...registry, uid: `uid-${n}` }, 'Warning', 'ClusterUnreachable', `attempt ${n}`);
  await recorder.flush();
  assert.equal(recorder.trackedEvents, 100);
  await clock.advance(10 * 60_000 + 60_000);
  recorder.event(registry, 'Normal', 'ClusterSynced', 'synced');
  assert.equal(recorder.trackedEvents, 1);
  await recorder.flush();
});

test('a different message, reason, type or object is a different Event', async () => {
  const { api, recorder } = setup();
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'connection refused');
  recorder.event(registry, 'Warning', 'CredentialsRefused', 'timeout');
  recorder.event(registry, 'Normal', 'ClusterUnreachable', 'timeout');
  recorder.event(other, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  assert.deepEqual(
    api.requests.map((r) => r.method),
    ['POST', 'POST', 'POST', 'POST', 'POST'],
  );
  assert.equal(new Set(api.requests.map((r) => (r.body.metadata as { name: string }).name)).size, 5);
});

test('repeats recorded before the first write are folded into it', async () => {
  const { api, recorder } = setup();
  for (let n = 0; n < 5; n++) recorder.event(registry, 'Normal', 'ClusterSynced', 'pods synced');
  await recorder.flush();
  assert.equal(api.requests.length, 1);
  assert.equal(api.requests[0]?.body.count, 5);
});

test('after a burst of 25 an object gets one event per 5 minutes; other objects are not held back', async () => {
  const { api, clock, logger, recorder } = setup();
  for (let n = 0; n < 40; n++) {
    recorder.event(registry, n % 2 === 0 ? 'Warning' : 'Normal', n % 2 === 0 ? 'ClusterNotReady' : 'ClusterReady', `flap ${n}`);
    await recorder.flush();
  }
  assert.equal(api.requests.length, 25);
  assert.equal(logger.at('debug').filter((l) => l.msg === 'Event not recorded: too many about this object lately').length, 15);
  recorder.event(other, 'Warning', 'ClusterNotReady', 'flap');
  await recorder.flush();
  assert.equal(api.requests.length, 26);
  await clock.advance(5 * 60_000);
  recorder.event(registry, 'Warning', 'ClusterNotReady', 'after a while');
  recorder.event(registry, 'Warning', 'ClusterNotReady', 'too soon');
  await recorder.flush();
  assert.deepEqual(
    api.requests.slice(26).map((r) => r.body.message),
    ['after a while'],
  );
});

test('a patch answered 404 (the Event expired) creates it again with the running count', async () => {
  const { api, recorder } = setup();
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  api.events.clear();
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  assert.deepEqual(
    api.requests.map((r) => r.method),
    ['POST', 'PATCH', 'POST'],
  );
  assert.equal(api.requests[2]?.body.count, 2);
});

test('a failed write is logged and never thrown; a later repeat carries the full count', async () => {
  const { api, logger, recorder } = setup();
  api.failures.push(new KubeApiError('POST /api/v1/namespaces/default/events', { code: 403, reason: 'Forbidden', message: 'cannot create events' }));
  assert.doesNotThrow(() => recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout'));
  await recorder.flush();
  assert.equal(logger.at('warn').length, 1);
  assert.equal(logger.at('warn')[0]?.msg, 'Event not recorded');
  assert.equal(logger.at('warn')[0]?.fields.name, 'workload-cluster');
  assert.match((logger.at('warn')[0]?.fields.err as Error).message, /403 Forbidden/);
  recorder.event(registry, 'Warning', 'ClusterUnreachable', 'timeout');
  await recorder.flush();
  assert.deepEqual(
    api.requests.map((r) => [r.method, r.body.count]),
    [
      ['POST', 1],
      ['POST', 2],
    ],
  );
});

test('a reason that is not CamelCase or an unknown type is logged as an error and not sent', async () => {
  const { api, logger, recorder } = setup();
  recorder.event(registry, 'Warning', 'cluster unreachable', 'x');
  recorder.event(registry, 'Error' as 'Warning', 'ClusterUnreachable', 'x');
  await recorder.flush();
  assert.equal(api.requests.length, 0);
  assert.equal(logger.at('error').length, 2);
});

test('long messages are cut to 1024 characters; long object names still give a valid Event name', async () => {
  const { api, recorder } = setup();
  recorder.event({ ...registry, name: 'a'.repeat(253) }, 'Normal', 'ClusterSynced', 'm'.repeat(5000));
  await recorder.flush();
  const body = api.requests[0]?.body as { message: string; metadata: { name: string } };
  assert.equal(body.message.length, 1024);
  assert.ok(body.message.endsWith('...'));
  assert.ok(body.metadata.name.length <= 253);
  assert.match(body.metadata.name, /^a+\.[0-9a-f]+$/);
});

test('events recorded while a write is in flight are written by the same drain; flush waits for all', async () => {
  const { api, recorder } = setup();
  recorder.event(registry, 'Normal', 'ClusterSynced', 'one');
  const flushing = recorder.flush();
  recorder.event(other, 'Normal', 'ClusterSynced', 'two');
  await flushing;
  recorder.event(registry, 'Normal', 'ClusterSynced', 'three');
  await recorder.flush();
  assert.deepEqual(
    api.requests.map((r) => r.body.message),
    ['one', 'two', 'three'],
  );
});

test("a namespaced object's events are created in its own namespace, which the involved object names", async () => {
  const { api, recorder } = setup({ namespace: 'default' });
  recorder.event({ apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'SpiffeID', namespace: 'shop', name: 'web', uid: 'uid-3' }, 'Warning', 'InvalidSpec', 'spec.selector: bad');
  await recorder.flush();
  const [request] = api.requests;
  assert.equal(request?.path, '/api/v1/namespaces/shop/events');
  assert.equal((request?.body.metadata as { namespace: string }).namespace, 'shop');
  assert.deepEqual(request?.body.involvedObject, { apiVersion: 'spiffeid.spiffe.io/v1beta1', kind: 'SpiffeID', name: 'web', uid: 'uid-3', namespace: 'shop' });
});
