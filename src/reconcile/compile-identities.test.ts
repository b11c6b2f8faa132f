import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleConfig, sampleIdentity } from '../../test/fixtures/fleet-objects.ts';
import { compareIdentityAge, compileIdentities } from './compile-identities.ts';

test('age order: creation time, then never-stored objects, then name', () => {
  const stored = sampleIdentity('b', {}, '2025-01-01T00:00:00Z');
  const later = sampleIdentity('a', {}, '2025-02-01T00:00:00Z');
  const unstoredA = sampleIdentity('a2');
  const unstoredB = sampleIdentity('b2');
  assert.deepEqual(
    [unstoredB, later, unstoredA, stored].sort(compareIdentityAge).map((identity) => identity.metadata.name),
    ['b', 'a', 'a2', 'b2'],
  );
});

test('identities are compiled in age order, ranked by their place in it; one whose templates do not compile is broken, with its error', () => {
  const broken = sampleIdentity('broken', { spiffeIDTemplate: 'spiffe://example.org/{{ .PodMeta.Name' }, '2025-01-01T00:00:00Z');
  const result = compileIdentities([sampleIdentity('young', {}, '2025-03-01T00:00:00Z'), broken, sampleIdentity('old', {}, '2025-02-01T00:00:00Z')], sampleConfig());
  assert.deepEqual(
    result.compiled.map(({ name, rank }) => [name, rank]),
    [
      ['old', 1],
      ['young', 2],
    ],
  );
  assert.deepEqual(result.broken, [broken]);
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]?.identity, 'broken');
  assert.match(result.errors[0]?.message ?? '', /^WorkloadIdentity broken: template: /);
});
