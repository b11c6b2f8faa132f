import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, settle } from '../../test/support/manual-clock.ts';
import { ExponentialRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './work-queue.ts';

function queue(clock = new ManualClock()): WorkQueue<string> {
  return new WorkQueue<string>({ clock, rateLimiter: new ExponentialRateLimiter(5, 1000) });
}

test('a key added while it waits is queued once, and keys come out in order', async () => {
  const q = queue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
  assert.equal(q.processing, 2);
});

test('a key added while it is processed is handed out again only after done', async () => {
  const q = queue();
  q.add('a');
  const key = await q.get();
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'not handed to a second worker while the first holds it');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await settle();
  assert.equal(second, undefined);
  q.done(key as string);
  await settle();
  assert.equal(second, 'a', 'queued again once, for the change that came in while processing');
  q.done('a');
  assert.equal(q.length + q.processing, 0);
});

test('a key done without being added again is gone', async () => {
  const q = queue();
  q.add('a');
  q.done((await q.get()) as string);
  assert.equal(q.length, 0);
  assert.equal(q.processing, 0);
});

test('a waiting worker gets the next key as soon as it is added', async () => {
  const q = queue();
  const got = q.get();
  q.add('x');
  assert.equal(await got, 'x');
});

test('addAfter delays a key; the earliest of several delays wins', async () => {
  const clock = new ManualClock();
  const q = queue(clock);
  q.addAfter('a', 100);
  q.addAfter('a', 50);
  q.addAfter('a', 200);
  assert.equal(q.delayed, 1);
  await clock.advance(49);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(q.length, 1);
  assert.equal(q.delayed, 0);
  await clock.advance(500);
  assert.equal(q.length, 1, 'the later delays were replaced, not added');
});

test('addRateLimited backs a key off exponentially until forget', async () => {
  const clock = new ManualClock();
  const q = queue(clock);
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    q.addRateLimited('a');
    delays.push(clock.pendingDelays()[0] ?? -1);
    await clock.advance(delays.at(-1) ?? 0);
    q.done((await q.get()) as string);
  }
  assert.deepEqual(delays, [5, 10, 20, 40]);
  assert.equal(q.numRequeues('a'), 4);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  q.addRateLimited('a');
  assert.deepEqual(clock.pendingDelays(), [5]);
});

test('shutDown wakes idle workers, hands out nothing more, drops delays and waits for keys in hand', async () => {
  const clock = new ManualClock();
  const q = queue(clock);
  q.add('held');
  const held = (await q.get()) as string;
  q.add('queued');
  q.addAfter('delayed', 100);
  const idle = q.get();
  // 'queued' went to the idle worker: start another that waits.
  assert.equal(await idle, 'queued');
  const waiting = q.get();
  let drained = false;
  const shutdown = q.shutDown().then(() => (drained = true));
  assert.equal(await waiting, undefined);
  assert.equal(await q.get(), undefined);
  q.add('late');
  assert.equal(q.length, 0, 'adds after shutdown are ignored');
  assert.equal(clock.pendingTimers, 0, 'delayed keys dropped');
  q.done(held);
  await settle();
  assert.equal(drained, false, 'one key still in hand');
  q.done('queued');
  await shutdown;
  assert.equal(drained, true);
});

test('queued keys are not handed out after shutDown, and shutDown with nothing in hand resolves at once', async () => {
  const q = queue();
  q.add('a');
  q.add('b');
  await q.shutDown();
  assert.equal(await q.get(), undefined);
});

test('order is kept across many keys (the array is compacted as it drains)', async () => {
  const q = queue();
  for (let i = 0; i < 5000; i++) q.add(`k${i}`);
  for (let i = 0; i < 3000; i++) q.done((await q.get()) as string);
  for (let i = 5000; i < 5100; i++) q.add(`k${i}`);
  const rest: string[] = [];
  while (q.length > 0) rest.push((await q.get()) as string);
  assert.equal(rest.length, 2100);
  assert.equal(rest[0], 'k3000');
  assert.equal(rest.at(-1), 'k5099');
});
