import { isPodUidSelector, selectedPodUid } from '../identity/workload-selector.ts';
import type { EntryField, EntryUpdate, RegistrationEntry, Selector } from '../spire/entry.ts';
import { sameList, sameSelector } from '../spire/entry-message.ts';

/** The writes that bring a SPIRE server's owned entries to the desired state. */
export interface EntryDiff {
  readonly creates: readonly RegistrationEntry[];
  readonly updates: readonly EntryUpdate[];
  /** IDs, sorted. */
  readonly deletes: readonly string[];
}

export interface DiffOptions {
  /** The controller owns exactly the entries whose ID starts with this; it never touches any other. */
  readonly entryIdPrefix: string;
  /**
   * Owned entries whose ID starts with one of these are never deleted: the ID prefixes of clusters whose
   * wishes are unknown right now (an invalid registry, a node alias that did not render), so that a
   * failure never deletes entries.
   */
  readonly keepIdPrefixes?: readonly string[];
  /**
   * Owned entries whose ID starts with one of these and that select a pod (`k8s:pod-uid:`, which every
   * entry rendered for a pod carries) are never deleted: the ID prefixes of clusters whose pods are unknown
   * right now (not synced) or whose entries an identity that does not compile may want. Entries there
   * without such a selector (ClusterSpiffeIDs', SpiffeIDs', ClusterStaticEntries', node aliases) depend on
   * no pod: the desired state knows them whatever the cluster's state, and they follow it (ADR 8).
   */
  readonly keepPodEntryIdPrefixes?: readonly string[];
  /**
   * Owned entries with a `k8s:pod-uid:` selector of one of these pods are never deleted: pods whose
   * entries failed to render, so that a broken template never takes a running workload's identity away.
   */
  readonly keepPodUids?: Iterable<string>;
}

// Both sides are usually in the same order (decoded entries are normalized, and the cache shares the
// desired lists): compared in order first, they are sorted only when that fails.
function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  if (sameList(a, b, Object.is)) return true;
  const sortedA = [...a].sort();
  const sortedB = [...b].sort();
  return sortedA.every((item, index) => item === sortedB[index]);
}

function sameSelectors(a: readonly Selector[], b: readonly Selector[]): boolean {
  if (a.length !== b.length) return false;
  if (sameList(a, b, sameSelector)) return true;
  const format = (selectors: readonly Selector[]): string[] => selectors.map((selector) => `${selector.type}\0${selector.value}`);
  return sameStrings(format(a), format(b));
}

/**
 * The fields in which `actual` differs from `desired`. Selectors, federated trust domains and DNS names
 * compare as sets: the order the server returns them in carries no meaning for the registrar (as in
 * spire-controller-manager), so a reordering alone never causes a write.
 */
export function differingFields(desired: RegistrationEntry, actual: RegistrationEntry): EntryField[] {
  const fields: EntryField[] = [];
  if (desired.spiffeId !== actual.spiffeId) fields.push('spiffeId');
  if (desired.parentId !== actual.parentId) fields.push('parentId');
  if (!sameSelectors(desired.selectors, actual.selectors)) fields.push('selectors');
  if (desired.x509SvidTtl !== actual.x509SvidTtl) fields.push('x509SvidTtl');
  if (desired.jwtSvidTtl !== actual.jwtSvidTtl) fields.push('jwtSvidTtl');
  if (!sameStrings(desired.dnsNames, actual.dnsNames)) fields.push('dnsNames');
  if (!sameStrings(desired.federatesWith, actual.federatesWith)) fields.push('federatesWith');
  if (desired.admin !== actual.admin) fields.push('admin');
  if (desired.downstream !== actual.downstream) fields.push('downstream');
  if (desired.hint !== actual.hint) fields.push('hint');
  return fields;
}

/**
 * Diffs the desired entries against a server's entries (by ID, as a listing or cache holds them). Entries
 * of the server without the prefix are ignored: never updated, never deleted. Every desired entry must
 * carry the prefix.
 */
export function diffEntries(desired: Iterable<RegistrationEntry>, actual: ReadonlyMap<string, RegistrationEntry>, options: DiffOptions): EntryDiff {
  const { entryIdPrefix } = options;
  const keepIdPrefixes = options.keepIdPrefixes ?? [];
  const keepPodEntryIdPrefixes = options.keepPodEntryIdPrefixes ?? [];
  const keepPodUids = new Set(options.keepPodUids ?? []);
  const keptPod = (selector: Selector): boolean => {
    const uid = selectedPodUid(selector);
    return uid !== undefined && keepPodUids.has(uid);
  };
  const kept = (entry: RegistrationEntry): boolean =>
    keepIdPrefixes.some((prefix) => entry.id.startsWith(prefix)) ||
    (keepPodEntryIdPrefixes.some((prefix) => entry.id.startsWith(prefix)) && entry.selectors.some(isPodUidSelector)) ||
    (keepPodUids.size > 0 && entry.selectors.some(keptPod));
  if (entryIdPrefix === '') throw new Error('diffEntries: an empty entryIdPrefix would claim every entry of the server');
  const creates: RegistrationEntry[] = [];
  const updates: EntryUpdate[] = [];
  const wanted = new Set<string>();
  let matched = 0;
  for (const entry of desired) {
    if (!entry.id.startsWith(entryIdPrefix)) {
      throw new Error(`diffEntries: desired entry ${JSON.stringify(entry.id)} lacks the prefix ${JSON.stringify(entryIdPrefix)}`);
    }
    const size = wanted.size;
    wanted.add(entry.id);
    if (wanted.size === size) throw new Error(`diffEntries: desired entry ID ${JSON.stringify(entry.id)} appears twice`);
    const current = actual.get(entry.id);
    if (current === undefined) {
      creates.push(entry);
      continue;
    }
    matched++;
    const fields = differingFields(entry, current);
    if (fields.length > 0) updates.push({ entry, fields });
  }
  const deletes: string[] = [];
  // When every entry of the server is a desired one (a full reconciliation with no drift), none is looked at again.
  if (matched < actual.size) {
    for (const [id, entry] of actual) {
      if (id.startsWith(entryIdPrefix) && !wanted.has(id) && !kept(entry)) deletes.push(id);
    }
  }
  deletes.sort();
  return { creates, updates, deletes };
}
