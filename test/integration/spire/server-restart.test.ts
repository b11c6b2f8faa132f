// The client's behaviour while spire-server restarts under it: calls retry while the server is
// unavailable, creates are idempotent (client-chosen IDs), so afterwards exactly the intended entries
// exist, none lost and none twice.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import type { SpireRetryEvent } from '../../../src/spire/entry-client.ts';
import type { RegistrationEntry } from '../../../src/spire/entry.ts';
import { normalizeEntry, sameEntry } from '../../../src/spire/entry-message.ts';
import { SpireCallError } from '../../../src/spire/spire-call-error.ts';
import { isUnansweredCall } from '../../../src/spire/unanswered-call.ts';
import { describeOutcome, type WriteOutcome } from '../../../src/spire/write-outcome.ts';
import { podEntries } from '../../support/pod-entries.ts';
import { at, idsOf, spireDatastores, startSpireFixture, type SpireFixture } from './spire-fixture.ts';

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

function assertAllWritten(outcomes: readonly WriteOutcome[]): void {
  assert.deepEqual(outcomes.filter((outcome) => outcome.kind !== 'ok').map(describeOutcome).slice(0, 5), []);
}

for (const { kind, skip } of spireDatastores) describe(`spire-server restarts under the client on ${kind}`, { skip, timeout: 300_000 }, () => {
  let spire: SpireFixture;

  before(async () => {
    spire = await startSpireFixture(kind);
  });

  after(() => spire.stop());

  beforeEach(async () => {
    const all = await spire.client.listEntries();
    assertAllWritten(await spire.client.deleteEntries(idsOf(all)));
  });

  /** The server holds exactly `wanted`, each as asked, and no two entries share a SPIFFE ID, parent and selectors. */
  async function assertExactly(wanted: readonly RegistrationEntry[]): Promise<void> {
    const listed = await spire.client.listEntries();
    assert.deepEqual(idsOf(listed), idsOf(wanted));
    const byId = new Map(listed.map((entry) => [entry.id, entry]));
    assert.deepEqual(wanted.filter((entry) => !sameEntry(byId.get(entry.id) ?? entry, normalizeEntry(entry))).map((entry) => entry.id), []);
    const keys = new Set(listed.map((entry) => JSON.stringify([entry.spiffeId, entry.parentId, entry.selectors])));
    assert.equal(keys.size, listed.length);
    assert.equal(await spire.client.countEntries(), wanted.length);
  }

  for (const [how, graceMs] of [
    ['killed', 0],
    ['stopped gracefully', 5000],
  ] as const) {
    it(`finishes a large create when the server is ${how} in the middle of it`, async (t) => {
      const retries: SpireRetryEvent[] = [];
      const client = spire.clientWith({ onRetry: (event) => retries.push(event) });
      const wanted = podEntries('own-', 2000);
      const creating = client.createEntries(wanted);
      await until(async () => (await spire.client.countEntries()) >= 300, '300 entries are created');
      const createdBeforeRestart = await spire.client.countEntries();
      await spire.server.restart({ graceMs, downtimeMs: 1000 });

      assertAllWritten(await creating);
      assert.ok(createdBeforeRestart < wanted.length, `the restart came in the middle (${createdBeforeRestart} created before it)`);
      t.diagnostic(`${createdBeforeRestart} created before the restart; ${retries.length} retries: ${[...new Set(retries.map((event) => event.details.slice(0, 70)))].join(' | ')}`);
      assert.ok(retries.length > 0, 'the client retried');
      assert.ok(retries.every((event) => event.rpc === 'BatchCreateEntry' && isUnansweredCall(event)));
      await assertExactly(wanted);
    });
  }

  it('finishes a paged listing when the server restarts between pages', async () => {
    const wanted = podEntries('own-', 500);
    assertAllWritten(await spire.client.createEntries(wanted));
    const retries: SpireRetryEvent[] = [];
    const client = spire.clientWith({ pageSize: 100, onRetry: (event) => retries.push(event) });
    const listed: RegistrationEntry[] = [];
    let restarting: Promise<void> | undefined;
    for await (const page of client.listEntryPages()) {
      listed.push(...page);
      if (restarting === undefined) {
        const old = spire.server.process;
        restarting = spire.server.restart({ graceMs: 0, downtimeMs: 1000 });
        // The next page is asked for while the server is down.
        await old.exited;
      }
    }
    await restarting;
    assert.ok(retries.length > 0, 'the client retried');
    assert.ok(retries.every((event) => event.rpc === 'ListEntries' && isUnansweredCall(event)));
    assert.equal(listed.length, wanted.length);
    assert.deepEqual(idsOf(listed), idsOf(wanted));
  });

  it('reports UNAVAILABLE per entry when the server stays down past the retries, and a repeat converges', async () => {
    const impatient = spire.clientWith({ retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 100 }, createBatchSize: 10 });
    const wanted = podEntries('own-', 30);
    const old = spire.server.process;
    const restarting = spire.server.restart({ graceMs: 0, downtimeMs: 4000 });
    await old.exited;

    const outcomes = await impatient.createEntries(wanted);
    assert.ok(outcomes.every((outcome) => outcome.kind === 'error' && outcome.code === status.UNAVAILABLE));
    assert.match(describeOutcome(at(outcomes, 0)), /^entry own-pod-000000 \(spiffe:.*\): UNAVAILABLE: unknown whether written: spire-server BatchCreateEntry failed after 3 attempts: UNAVAILABLE: .*is spire-server running/);
    assert.match(describeOutcome(at(outcomes, 29)), /^entry own-pod-000029 .*: UNAVAILABLE: not sent: an earlier BatchCreateEntry failed/);
    await assert.rejects(
      impatient.listEntries(),
      (error) => error instanceof SpireCallError && error.code === status.UNAVAILABLE && error.attempts === 3 && error.message.includes(spire.server.socketPath),
    );

    await restarting;
    assertAllWritten(await impatient.createEntries(wanted));
    await assertExactly(wanted);
  });
});
