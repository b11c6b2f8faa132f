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
