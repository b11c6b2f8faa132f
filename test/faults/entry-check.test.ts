import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logMessages } from '../../src/observability/log-messages.ts';
import type { RegistrationEntry } from '../../src/spire/entry.ts';
import { checkPasses, compareWithPlan, doubleCreates } from './entry-check.ts';

const entry = (id: string, pod: string, fields: Partial<RegistrationEntry> = {}): RegistrationEntry => ({
  id,
  spiffeId: `spiffe://example.org/pod/${pod}`,
  parentId: 'spiffe://example.org/node',
  selectors: [{ type: 'k8s', value: `pod-name:${pod}` }],
  x509SvidTtl: 3600,
  jwtSvidTtl: 0,
  dnsNames: [],
  federatesWith: [],
  admin: false,
  downstream: false,
  hint: '',
  ...fields,
});

test('the fault check: equal entries pass; each kind of difference is counted', () => {
  const expected = new Map([entry('p-1', 'a'), entry('p-2', 'b'), entry('p-3', 'c')].map((e) => [e.id, e]));
  const foreign = new Map([['manual', 'r1']]);
  const same = compareWithPlan('p-', expected, [...expected.values(), entry('manual', 'x')], foreign, foreign);
  assert.ok(checkPasses(same));
  const check = compareWithPlan(
    'p-',
    expected,
    // p-1 lost, p-2 with another TTL, p-9 stray, and a foreign entry with p-3's key.
    [entry('p-2', 'b', { x509SvidTtl: 60 }), entry('p-3', 'c'), entry('p-9', 'z'), entry('other', 'c')],
    foreign,
    new Map([['manual', 'r2']]),
  );
  assert.deepEqual(
    [check.lost, check.stray, check.differ, check.duplicates, check.foreignChanged],
    [['p-1'], ['p-9'], ['p-2 (x509SvidTtl)'], ['p-3 = other'], ['manual']],
  );
  assert.equal(checkPasses(check), false);
});

test('double creates: a second create of an ID with no delete between, across replicas', () => {
  const line = (time: string, msg: string, entryID: string): Record<string, unknown> => ({ time, msg, entryID });
  const { entryCreated: created, entryDeleted: deleted } = logMessages;
  assert.equal(doubleCreates([line('1', created, 'a'), line('2', deleted, 'a'), line('3', created, 'a')]), 0);
  assert.equal(doubleCreates([line('3', created, 'a'), line('1', created, 'a'), line('2', created, 'b')]), 1);
});
