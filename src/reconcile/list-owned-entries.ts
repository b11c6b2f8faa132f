import type { EntryClient } from '../spire/entry-client.ts';
import type { RegistrationEntry } from '../spire/entry.ts';

/**
 * The server's entries that the registrar owns (their ID starts with `entryIdPrefix`), by ID, from one
 * paged listing: the Entry API has no ID filter, so they are picked out page by page.
 */
export async function listOwnedEntries(
  client: Pick<EntryClient, 'listEntryPages'>,
  entryIdPrefix: string,
  /** Sees every other entry of the same listing (entryIDPrefixCleanup picks its own from them). */
  others?: (entry: RegistrationEntry) => void,
): Promise<Map<string, RegistrationEntry>> {
  const owned = new Map<string, RegistrationEntry>();
  for await (const page of client.listEntryPages()) {
    for (const entry of page) {
      if (entry.id.startsWith(entryIdPrefix)) owned.set(entry.id, entry);
      else others?.(entry);
    }
  }
  return owned;
}
