import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryEntries } from '../../test/support/memory-entries.ts';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { fencedEntryClient } from './fenced-entry-client.ts';
import { fencedStatusConnection } from './fenced-status-connection.ts';
import { NotShardHolderError } from './shard-membership.ts';

const entry = (id: string) => registrationEntry({ id, spiffeId: 'spiffe://example.org/a', parentId: 'spiffe://example.org/agent', selectors: [{ type: 'k8s', value: 'pod-uid:1' }] });

test('a fenced entry client sends a write only if the fence passes every one of its IDs, and sends nothing otherwise', async () => {
  const server = new MemoryEntries();
  let allowed = new Set(['mine-1', 'mine-2']);
  const client = fencedEntryClient(server, {
    checkWrite: (ids) => {
      for (const id of ids) if (!allowed.has(id)) throw new NotShardHolderError(`not ${id}`);
    },
  });
  await client.createEntries([entry('mine-1'), entry('mine-2')]);
  assert.equal(server.writes, 2);
  await assert.rejects(client.createEntries([entry('mine-1'), entry('theirs')]), NotShardHolderError);
  await assert.rejects(client.updateEntries([{ entry: entry('theirs'), fields: ['x509SvidTtl'] }]), NotShardHolderError);
  await assert.rejects(client.deleteEntries(['theirs']), NotShardHolderError);
  assert.equal(server.writes, 2, 'nothing of a refused write was sent');
  allowed = new Set();
  await assert.rejects(client.deleteEntries(['mine-1']), NotShardHolderError);
  // Listing is never fenced: every replica lists.
  let listed = 0;
  for await (const page of client.listEntryPages()) listed += page.length;
  assert.equal(listed, 2);
});

test('a fenced status connection sends a status only while the replica may write that object’s status', async () => {
  const sent: string[] = [];
  const connection = { name: 'management', requestJson: async (_method: string, path: string) => void sent.push(path) };
  const held = new Set(['east']);
  const fenced = fencedStatusConnection(connection, (name) => held.has(name));
  await fenced.requestJson('PATCH', '/apis/eksclusterregistry.spire.spiffe.io/v1alpha1/eksclusterregistries/east/status');
  await assert.rejects(fenced.requestJson('PATCH', '/apis/eksclusterregistry.spire.spiffe.io/v1alpha1/eksclusterregistries/west/status'), /west is another replica's/);
  assert.deepEqual(sent, ['/apis/eksclusterregistry.spire.spiffe.io/v1alpha1/eksclusterregistries/east/status']);
});
