import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeEntry, sameEntry } from '../../../src/spire/entry-message.ts';
import { describeOutcome } from '../../../src/spire/write-outcome.ts';
import { podEntries } from '../../support/pod-entries.ts';
import { idsOf, spireDatastores, startSpireFixture, type SpireFixture } from './spire-fixture.ts';

for (const { kind, skip } of spireDatastores) describe(`10 000 entries against spire-server on ${kind}`, { skip, timeout: 600_000 }, () => {
  let spire: SpireFixture;
  const entries = podEntries('own-', 10_000);

  before(async () => {
    spire = await startSpireFixture(kind);
  });

  after(() => spire.stop());

  it('creates them in one call with the default batch sizes', async () => {
    const outcomes = await spire.client.createEntries(entries);
    const failed = outcomes.filter((outcome) => outcome.kind !== 'ok');
    assert.deepEqual(failed.map(describeOutcome).slice(0, 5), []);
    assert.equal(outcomes.length, entries.length);
  });

  it('lists them all, each as created, once', async () => {
    const listed = await spire.client.listEntries();
    assert.equal(listed.length, entries.length);
    assert.deepEqual(idsOf(listed), idsOf(entries));
    const byId = new Map(listed.map((entry) => [entry.id, entry]));
    const differing = entries.filter((entry) => !sameEntry(byId.get(entry.id) ?? entry, normalizeEntry(entry)));
    assert.deepEqual(differing.map((entry) => entry.id), []);
    assert.equal(await spire.client.countEntries(), entries.length);
  });

  it('deletes them all', async () => {
    const outcomes = await spire.client.deleteEntries(idsOf(entries));
    assert.ok(outcomes.every((outcome) => outcome.kind === 'ok'));
    assert.equal(await spire.client.countEntries(), 0);
  });
});
