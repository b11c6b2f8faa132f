import type { EntryClient } from '../spire/entry-client.ts';

/** What the fence asks of sharding: throws unless this replica may write each of these entries now. */
export interface WriteFence {
  checkWrite(entryIds: Iterable<string>): void;
}

/**
 * The entry client of a sharded replica: every write is checked against the fence first (its cluster
 * tags held, its Lease renewed within the write window) and throws, sending nothing, when it fails: the
 * work item is retried, by when the controller has let the cluster go. The last line, whatever the
 * controller's state says (ADR 24).
 */
export function fencedEntryClient(client: EntryClient, fence: WriteFence): EntryClient {
  return {
    listEntryPages: () => client.listEntryPages(),
    createEntries: async (entries) => {
      fence.checkWrite(entries.map((entry) => entry.id));
      return client.createEntries(entries);
    },
    updateEntries: async (updates) => {
      fence.checkWrite(updates.map((update) => update.entry.id));
      return client.updateEntries(updates);
    },
    deleteEntries: async (ids) => {
      fence.checkWrite(ids);
      return client.deleteEntries(ids);
    },
  };
}
