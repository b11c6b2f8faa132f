import type { EntryClient } from '../spire/entry-client.ts';
import type { RegistrationEntry } from '../spire/entry.ts';

export interface OwnedListing {
  /**
   * What the map keeps of an owned entry, or undefined to leave it out; by default the entry as listed.
   * It sees each entry as its page arrives, so a decoded entry it does not keep is garbage while young.
   */
  readonly keep?: (entry: RegistrationEntry) => RegistrationEntry | undefined;
  /** Sees every other entry of the same listing (entryIDPrefixCleanup picks its own from them). */
  readonly others?: (entry: RegistrationEntry) => void;
}

/**
 * The server's entries that the registrar owns (their ID starts with `entryIdPrefix`), by ID, from one
 * paged listing: the Entry API has no ID filter, so they are picked out page by page.
 */
export async function listOwnedEntries(client: Pick<EntryClient, 'listEntryPages'>, entryIdPrefix: string, listing: OwnedListing = {}): Promise<Map<string, RegistrationEntry>> {
  const { keep, others } = listing;
  const owned = new Map<string, RegistrationEntry>();
  for await (const page of client.listEntryPages()) {
    for (const entry of page) {
      if (!entry.id.startsWith(entryIdPrefix)) others?.(entry);
      else if (keep === undefined) owned.set(entry.id, entry);
      else {
        const kept = keep(entry);
        if (kept !== undefined) owned.set(entry.id, kept);
      }
    }
  }
  return owned;
}
