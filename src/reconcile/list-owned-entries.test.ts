import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegistrationEntry } from '../spire/entry.ts';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { listOwnedEntries } from './list-owned-entries.ts';

const entry = (id: string): RegistrationEntry => registrationEntry({ id });

test('the owned entries are picked out of every page, by ID', async () => {
  const pages = [[entry('eks-workload-a'), entry('manual-1')], [], [entry('other-eks-workload-b'), entry('eks-workload-c')]];
  const client = {
    async *listEntryPages(): AsyncGenerator<RegistrationEntry[], void, undefined> {
      yield* pages;
    },
  };
  const owned = await listOwnedEntries(client, 'eks-workload-');
  assert.deepEqual([...owned.keys()], ['eks-workload-a', 'eks-workload-c']);
  assert.equal(owned.get('eks-workload-c'), pages[2]?.[1]);
});

test('keep decides, entry by entry, what the map holds; others sees the rest', async () => {
  const pages = [[entry('eks-workload-a'), entry('manual-1')], [entry('eks-workload-b'), entry('eks-workload-c')]];
  const client = {
    async *listEntryPages(): AsyncGenerator<RegistrationEntry[], void, undefined> {
      yield* pages;
    },
  };
  const replacement = entry('eks-workload-b');
  const others: string[] = [];
  const owned = await listOwnedEntries(client, 'eks-workload-', {
    keep: (listed) => (listed.id === 'eks-workload-a' ? undefined : listed.id === 'eks-workload-b' ? replacement : listed),
    others: (listed) => others.push(listed.id),
  });
  assert.deepEqual([...owned.keys()], ['eks-workload-b', 'eks-workload-c']);
  assert.equal(owned.get('eks-workload-b'), replacement);
  assert.equal(owned.get('eks-workload-c'), pages[1]?.[1]);
  assert.deepEqual(others, ['manual-1']);
});
