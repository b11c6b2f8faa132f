import { logMessages } from '../../src/observability/log-messages.ts';
import { differingFields } from '../../src/reconcile/diff-entries.ts';
import { formatSelector, type RegistrationEntry } from '../../src/spire/entry.ts';

/** What the SPIRE server holds compared with the plan over the clusters' current state. */
export interface EntryCheck {
  readonly expected: number;
  readonly owned: number;
  /** Expected, absent. */
  readonly lost: string[];
  /** Owned (our prefix), not expected. */
  readonly stray: string[];
  /** Present with other fields than planned. */
  readonly differ: string[];
  /** Entries sharing SPIFFE ID, parent ID and selectors with another one (any owner). */
  readonly duplicates: string[];
  /** Foreign entries changed, created by us or gone. */
  readonly foreignChanged: string[];
}

export const checkPasses = (check: EntryCheck): boolean =>
  check.lost.length + check.stray.length + check.differ.length + check.duplicates.length + check.foreignChanged.length === 0;

const entryKey = (entry: RegistrationEntry): string => JSON.stringify([entry.spiffeId, entry.parentId, entry.selectors.map(formatSelector).sort()]);

/**
 * Compares every entry of the server (`all`) with the plan (`expected`, by ID): the owned ones (ID starting
 * with `prefix`) must be exactly the planned ones with their fields; no two entries may share a key; the
 * foreign ones' fingerprints (by ID) must be as they were.
 */
export function compareWithPlan(
  prefix: string,
  expected: ReadonlyMap<string, RegistrationEntry>,
  all: readonly RegistrationEntry[],
  foreignBefore: ReadonlyMap<string, string>,
  foreignNow: ReadonlyMap<string, string>,
): EntryCheck {
  const owned = all.filter((entry) => entry.id.startsWith(prefix));
  const ownedById = new Map(owned.map((entry) => [entry.id, entry]));
  const byKey = new Map<string, string[]>();
  for (const entry of all) byKey.set(entryKey(entry), [...(byKey.get(entryKey(entry)) ?? []), entry.id]);
  return {
    expected: expected.size,
    owned: owned.length,
    lost: [...expected.keys()].filter((id) => !ownedById.has(id)),
    stray: owned.filter((entry) => !expected.has(entry.id)).map((entry) => entry.id),
    differ: owned.flatMap((entry) => {
      const want = expected.get(entry.id);
      const fields = want === undefined ? [] : differingFields(want, entry);
      return fields.length === 0 ? [] : [`${entry.id} (${fields.join(', ')})`];
    }),
    duplicates: [...byKey.values()].filter((ids) => ids.length > 1).map((ids) => ids.join(' = ')),
    foreignChanged: [...new Set([...foreignBefore.keys(), ...foreignNow.keys()])].filter((id) => foreignBefore.get(id) !== foreignNow.get(id)),
  };
}

/** Entry IDs with two successful creates and no successful delete between, over every replica's log lines. */
export function doubleCreates(lines: readonly Record<string, unknown>[]): number {
  const sorted = [...lines].sort((a, b) => String(a.time).localeCompare(String(b.time)));
  const live = new Set<string>();
  const twice = new Set<string>();
  for (const line of sorted) {
    const id = String(line.entryID ?? '');
    if (line.msg === logMessages.entryCreated) {
      if (live.has(id)) twice.add(id);
      live.add(id);
    } else if (line.msg === logMessages.entryDeleted) live.delete(id);
  }
  return twice.size;
}
