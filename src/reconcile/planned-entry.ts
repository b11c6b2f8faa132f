import type { RegistrationEntry } from '../spire/entry.ts';

/** A desired entry, with where it comes from. */
export interface PlannedEntry extends RegistrationEntry {
  /** The EKSClusterRegistry's name. */
  readonly cluster: string;
  /** The WorkloadIdentities that want this entry; the first (the oldest) decides its fields, the rest are masked. */
  readonly identities: readonly string[];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entry order of the plan: by SPIFFE ID, parent ID, then selectors (each sorted) in order. */
export function compareEntries(a: PlannedEntry, b: PlannedEntry): number {
  const bySpiffeId = compareStrings(a.spiffeId, b.spiffeId);
  if (bySpiffeId !== 0) return bySpiffeId;
  const byParentId = compareStrings(a.parentId, b.parentId);
  if (byParentId !== 0) return byParentId;
  const length = Math.min(a.selectors.length, b.selectors.length);
  for (let index = 0; index < length; index++) {
    const x = a.selectors[index];
    const y = b.selectors[index];
    if (x === undefined || y === undefined) break;
    const bySelector = compareStrings(x.type, y.type) || compareStrings(x.value, y.value);
    if (bySelector !== 0) return bySelector;
  }
  return a.selectors.length - b.selectors.length;
}
