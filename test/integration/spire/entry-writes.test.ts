import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RegistrationEntry } from '../../../src/spire/entry.ts';
import { normalizeEntry } from '../../../src/spire/entry-message.ts';
import { describeOutcome, type WriteOutcome } from '../../../src/spire/write-outcome.ts';
import { podEntries, podEntry } from '../../support/pod-entries.ts';
import { at, idsOf, spireDatastores, startSpireFixture, type SpireFixture } from './spire-fixture.ts';

const prefix = 'own-';
const kinds = (outcomes: readonly WriteOutcome[]): string[] => outcomes.map((outcome) => outcome.kind);

for (const { kind, skip } of spireDatastores) describe(`batched writes against spire-server on ${kind}`, { skip }, () => {
  let spire: SpireFixture;
  // Entries of others: a join token's entry and a manual one, both without our prefix, as the server has them.
  let foreign: Record<string, unknown>[];

  before(async () => {
    spire = await startSpireFixture(kind);
    await spire.server.cliOk(['token', 'generate', '-spiffeID', 'spiffe://example.org/agent/joined', '-output', 'json']);
    await spire.server.cliOk([
      'entry', 'create',
      '-entryID', 'manual-web',
      '-parentID', 'spiffe://example.org/spire/agent/k8s_psat/cluster-1/node-1',
      '-spiffeID', 'spiffe://example.org/manual/web',
      '-selector', 'k8s:ns:web',
    ]);
    // An entry of another owner with exactly the SPIFFE ID, parent and selectors of our pod 7.
    const theirs = podEntry(prefix, 7);
    await spire.server.cliOk([
      'entry', 'create',
      '-entryID', 'theirs-pod-7',
      '-parentID', theirs.parentId,
      '-spiffeID', theirs.spiffeId,
      ...theirs.selectors.flatMap((selector) => ['-selector', `${selector.type}:${selector.value}`]),
    ]);
    foreign = await spire.server.cliEntries();
  });

  after(() => spire.stop());

  it('creates a batch with per-entry outcomes in input order: both ALREADY_EXISTS forms, an invalid entry, a repeat', async () => {
    const [pod0, pod1, pod2] = podEntries(prefix, 3);
    assert.ok(pod0 && pod1 && pod2);
    assert.ok((await spire.client.createEntries([pod2])).every((outcome) => outcome.kind === 'ok'));
    const batch: RegistrationEntry[] = [
      pod0,
      podEntry(prefix, 7), // similar to theirs-pod-7
      { ...pod1, id: 'manual-web' }, // the ID of another, different entry
      { ...pod1, id: `${prefix}wrong-td`, spiffeId: 'spiffe://elsewhere.org/x' }, // the server refuses
      { ...pod1, id: `${prefix}bad ttl`, x509SvidTtl: -5 }, // the client refuses to send it
      pod2, // created before: an idempotent repeat
      pod1,
    ];
    const outcomes = await spire.client.createEntries(batch);
    assert.deepEqual(kinds(outcomes), ['ok', 'already-exists-similar', 'already-exists-id-collision', 'error', 'error', 'ok', 'ok']);
    assert.deepEqual(outcomes.map((outcome) => outcome.entryId), batch.map((entry) => entry.id));

    const similar = at(outcomes, 1);
    const collision = at(outcomes, 2);
    const refused = at(outcomes, 3);
    const unsent = at(outcomes, 4);
    assert.equal(similar.kind === 'already-exists-similar' && similar.existingId, 'theirs-pod-7');
    assert.match(describeOutcome(similar), /^entry own-pod-000007 \(spiffe:\/\/example.org\/.*pod-000007\): ALREADY_EXISTS: entry theirs-pod-7 already has/);
    assert.match(describeOutcome(collision), /^entry manual-web \(spiffe:\/\/example.org\/.*pod-000001\): ALREADY_EXISTS: another entry .*\(failed to create entry/);
    assert.equal(refused.kind === 'error' && refused.code, 3);
    assert.match(describeOutcome(refused), /^entry own-wrong-td \(spiffe:\/\/elsewhere.org\/x\): INVALID_ARGUMENT: .*trust domain/);
    assert.match(describeOutcome(unsent), /^entry own-bad ttl .*: INVALID_ARGUMENT: not sent: entry ID "own-bad ttl" must be/);

    // On the server: ours as asked, nothing of the refused ones, the others' entries untouched.
    const byId = (a: RegistrationEntry, b: RegistrationEntry): number => (a.id < b.id ? -1 : 1);
    const ours = (await spire.client.listEntries()).filter((entry) => entry.id.startsWith(prefix));
    assert.deepEqual(ours.sort(byId), [pod0, pod1, pod2].map(normalizeEntry).sort(byId));
    assert.deepEqual((await spire.server.cliEntries()).filter((entry) => !String(entry.id).startsWith(prefix)), foreign);
  });

  it('reports a create of an existing ID and key with other values as similar, under our own ID, so the caller updates', async () => {
    const entry = podEntry(prefix, 300);
    assert.equal((await spire.client.createEntries([entry]))[0]?.kind, 'ok');
    const [outcome] = await spire.client.createEntries([{ ...entry, x509SvidTtl: 60, hint: 'newer' }]);
    assert.equal(outcome?.kind, 'already-exists-similar');
    assert.equal(outcome?.kind === 'already-exists-similar' && outcome.existingId, entry.id);
    assert.match(describeOutcome(outcome ?? assert.fail()), /^entry own-pod-000300 .*: ALREADY_EXISTS: it exists with other field values; update it to converge/);
    assert.deepEqual(await spire.client.getEntry(entry.id), normalizeEntry(entry), 'nothing was written');
  });

  it('updates only the masked fields, grouping updates by field set', async () => {
    const entries = podEntries(prefix, 3, 'example.org', 100);
    assert.ok((await spire.client.createEntries(entries)).every((outcome) => outcome.kind === 'ok'));
    const [a, b, c] = entries;
    assert.ok(a && b && c);
    const changedEverywhere = (entry: RegistrationEntry): RegistrationEntry => ({
      ...entry,
      x509SvidTtl: 60,
      jwtSvidTtl: 30,
      dnsNames: ['changed.svc'],
      hint: 'changed',
      admin: true,
      selectors: [{ type: 'k8s', value: 'ns:changed' }],
    });
    const outcomes = await spire.client.updateEntries([
      { entry: changedEverywhere(a), fields: ['x509SvidTtl', 'dnsNames'] },
      { entry: changedEverywhere(b), fields: ['hint'] },
      { entry: changedEverywhere(c), fields: ['dnsNames', 'x509SvidTtl'] }, // the same set as a's, other order
      { entry: { ...a, id: `${prefix}missing` }, fields: ['hint'] },
    ]);
    assert.deepEqual(kinds(outcomes), ['ok', 'ok', 'ok', 'not-found']);
    assert.match(describeOutcome(at(outcomes, 3)), /^entry own-missing \(.*\): NOT_FOUND/);
    assert.deepEqual(await spire.client.getEntry(a.id), normalizeEntry({ ...a, x509SvidTtl: 60, dnsNames: ['changed.svc'] }));
    assert.deepEqual(await spire.client.getEntry(b.id), normalizeEntry({ ...b, hint: 'changed' }));
    assert.deepEqual(await spire.client.getEntry(c.id), normalizeEntry({ ...c, x509SvidTtl: 60, dnsNames: ['changed.svc'] }));
    const [okOutcome] = outcomes;
    assert.deepEqual(okOutcome?.kind === 'ok' && okOutcome.entry, await spire.client.getEntry(a.id), 'the outcome carries the stored entry');
  });

  it('deletes by ID: NOT_FOUND for a missing one, INVALID_ARGUMENT for an empty one, the rest deleted', async () => {
    const entries = podEntries(prefix, 2, 'example.org', 200);
    await spire.client.createEntries(entries);
    const ids = [at(entries, 0).id, `${prefix}never-was`, '', at(entries, 1).id];
    const outcomes = await spire.client.deleteEntries(ids);
    assert.deepEqual(kinds(outcomes), ['ok', 'not-found', 'error', 'ok']);
    assert.equal(outcomes[2]?.kind === 'error' && outcomes[2].code, 3);
    assert.equal(describeOutcome(at(outcomes, 1)), 'entry own-never-was: NOT_FOUND: no entry has this ID (entry not found)');
    assert.equal(await spire.client.getEntry(at(entries, 0).id), undefined);
    assert.equal(await spire.client.getEntry(at(entries, 1).id), undefined);
  });

  it('leaves the entries of others as they were through creates, updates and deletes of ours', async () => {
    const ours = (await spire.client.listEntries()).filter((entry) => entry.id.startsWith(prefix));
    await spire.client.updateEntries(ours.map((entry) => ({ entry: { ...entry, hint: 'last' }, fields: ['hint'] })));
    const deleted = await spire.client.deleteEntries(idsOf(ours));
    assert.ok(deleted.every((outcome) => outcome.kind === 'ok'), deleted.map(describeOutcome).join('\n'));
    assert.deepEqual(await spire.server.cliEntries(), foreign);
    assert.equal(foreign.length, 3);
  });
});
