import type { EntryClient } from '../../src/spire/entry-client.ts';
import type { EntryUpdate, RegistrationEntry } from '../../src/spire/entry.ts';
import type { WriteOutcome } from '../../src/spire/write-outcome.ts';

/**
 * The Entry API's semantics the reconciler relies on, in memory, counting writes and listings: for unit
 * tests of what sits above the SPIRE client. Integration tests use the real spire-server.
 */
export class MemoryEntries implements EntryClient {
  readonly entries = new Map<string, RegistrationEntry>();
  writes = 0;
  lists = 0;
  async *listEntryPages(): AsyncGenerator<RegistrationEntry[], void, undefined> {
    this.lists++;
    yield [...this.entries.values()];
  }
  async createEntries(entries: readonly RegistrationEntry[]): Promise<WriteOutcome[]> {
    return entries.map((entry) => {
      this.writes++;
      this.entries.set(entry.id, entry);
      return { kind: 'ok', entryId: entry.id, spiffeId: entry.spiffeId, entry };
    });
  }
  async updateEntries(updates: readonly EntryUpdate[]): Promise<WriteOutcome[]> {
    return updates.map(({ entry }) => {
      this.writes++;
      if (!this.entries.has(entry.id)) return { kind: 'not-found', entryId: entry.id, spiffeId: entry.spiffeId, message: 'no such entry' };
      this.entries.set(entry.id, entry);
      return { kind: 'ok', entryId: entry.id, spiffeId: entry.spiffeId, entry };
    });
  }
  async deleteEntries(ids: readonly string[]): Promise<WriteOutcome[]> {
    return ids.map((id) => {
      this.writes++;
      return this.entries.delete(id) ? { kind: 'ok', entryId: id, spiffeId: undefined, entry: undefined } : { kind: 'not-found', entryId: id, spiffeId: undefined, message: 'gone' };
    });
  }
}
