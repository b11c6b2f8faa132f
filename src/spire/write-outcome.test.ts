import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { entryToMessage, normalizeEntry } from './entry-message.ts';
import { createOutcome, deleteOutcome, describeOutcome, sameAsCreated, updateOutcome } from './write-outcome.ts';

const requested = registrationEntry({ id: 'eks-c1-aaaa', spiffeId: 'spiffe://example.org/w', parentId: 'spiffe://example.org/node', selectors: [{ type: 'k8s', value: 'ns:a' }] });
const where = 'BatchCreateEntry result 0 (entry eks-c1-aaaa)';
const ok = { code: 0, message: 'OK' };
const similar = { code: 6, message: 'similar entry already exists' };

describe('create outcomes', () => {
  it('OK is the entry asked for: the answer carries its ID only', () => {
    const outcome = createOutcome(requested, { status: ok, entry: { id: requested.id, spiffe_id: null } }, where);
    assert.deepEqual(outcome, { kind: 'ok', entryId: requested.id, spiffeId: requested.spiffeId, entry: undefined });
    assert.throws(() => createOutcome(requested, { status: ok, entry: { id: 'other' } }, where), /BatchCreateEntry result 0 \(entry eks-c1-aaaa\): created entry "other", expected "eks-c1-aaaa"/);
  });

  it('ALREADY_EXISTS with an entry is the similar entry, under its own ID', () => {
    const outcome = createOutcome(requested, { status: similar, entry: { id: 'someone-elses' } }, where);
    assert.equal(outcome.kind, 'already-exists-similar');
    assert.equal(outcome.kind === 'already-exists-similar' && outcome.existingId, 'someone-elses');
    assert.match(describeOutcome(outcome), /entry eks-c1-aaaa \(spiffe:\/\/example.org\/w\): ALREADY_EXISTS: entry someone-elses already has/);
  });

  it('a similar entry under our ID, stored as asked, is success: a retried create; with other values or gone, it stands', () => {
    const outcome = createOutcome(requested, { status: similar, entry: { id: requested.id } }, where);
    assert.ok(outcome.kind === 'already-exists-similar');
    assert.deepEqual(sameAsCreated(requested, outcome, normalizeEntry(requested)), { kind: 'ok', entryId: requested.id, spiffeId: requested.spiffeId, entry: normalizeEntry(requested) });
    const other = sameAsCreated(requested, outcome, { ...normalizeEntry(requested), x509SvidTtl: 60 });
    assert.equal(other, outcome);
    assert.match(describeOutcome(other), /exists with other field values/);
    assert.equal(sameAsCreated(requested, outcome, undefined), outcome);
  });

  it('ALREADY_EXISTS without an entry is an ID collision', () => {
    const outcome = createOutcome(requested, { status: { code: 6, message: 'failed to create entry: UNIQUE constraint failed' }, entry: null }, where);
    assert.equal(outcome.kind, 'already-exists-id-collision');
    assert.match(describeOutcome(outcome), /entry eks-c1-aaaa \(spiffe:\/\/example.org\/w\): ALREADY_EXISTS: another entry .* UNIQUE constraint failed/);
  });

  it('any other code is an error that names the entry, the code and the reason', () => {
    const outcome = createOutcome(requested, { status: { code: 3, message: 'failed to convert entry: bad' }, entry: null }, where);
    assert.deepEqual(outcome, { kind: 'error', entryId: 'eks-c1-aaaa', spiffeId: 'spiffe://example.org/w', code: 3, message: 'failed to convert entry: bad' });
    assert.equal(describeOutcome(outcome), 'entry eks-c1-aaaa (spiffe://example.org/w): INVALID_ARGUMENT: failed to convert entry: bad');
  });

  it('rejects a result without a status', () => {
    assert.throws(() => createOutcome(requested, { entry: null }, where), /BatchCreateEntry result 0 \(entry eks-c1-aaaa\): result without a status/);
  });
});

describe('update and delete outcomes', () => {
  it('update: OK, NOT_FOUND, other', () => {
    assert.equal(updateOutcome(requested, { status: ok, entry: entryToMessage(requested) }, where).kind, 'ok');
    assert.equal(updateOutcome(requested, { status: { code: 5, message: 'entry not found' }, entry: null }, where).kind, 'not-found');
    assert.equal(updateOutcome(requested, { status: { code: 13, message: 'boom' }, entry: null }, where).kind, 'error');
  });

  it('delete: OK and NOT_FOUND, for the ID asked for only', () => {
    assert.equal(deleteOutcome('a', { status: ok, id: 'a' }, where).kind, 'ok');
    const missing = deleteOutcome('a', { status: { code: 5, message: 'entry not found' }, id: 'a' }, where);
    assert.equal(missing.kind, 'not-found');
    assert.equal(describeOutcome(missing), 'entry a: NOT_FOUND: no entry has this ID (entry not found)');
    assert.throws(() => deleteOutcome('a', { status: ok, id: 'b' }, where), /result is for entry "b", expected "a"/);
  });
});
