import { entryKey, sortSelectors } from '../identity/entry-id.ts';
import { selectedPodUid } from '../identity/workload-selector.ts';
import type { RegistrationEntry } from '../spire/entry.ts';

/** What decides which of the server's other entries `entryIDPrefixCleanup` deletes. */
export interface CleanupRule {
  /** The registrar's own prefix: its entries are never cleaned up. */
  readonly entryIdPrefix: string;
  /** As the config holds them: each with SCM's "." suffix; "" for IDs without a ".". */
  readonly cleanupPrefixes: readonly string[];
}

const joinTokenParentPath = '/spire/agent/join_token/';

// spire-controller-manager never deletes these in its own sweep: the node entries of join-token agents.
function isJoinTokenEntry(entry: RegistrationEntry): boolean {
  const path = /^spiffe:\/\/[^/]+(\/.*)?$/.exec(entry.parentId)?.[1] ?? '';
  return path.startsWith(joinTokenParentPath) && entry.selectors.some((selector) => selector.type === 'spiffe_id');
}

/**
 * Whether `entry` is one `entryIDPrefixCleanup` takes: its ID starts with a cleanup prefix ("": has no
 * "." at all, SCM's unprefixed IDs), it is not the registrar's own, not a join-token node entry.
 */
export function isCleanupEntry(entry: RegistrationEntry, rule: CleanupRule): boolean {
  if (entry.id.startsWith(rule.entryIdPrefix) || isJoinTokenEntry(entry)) return false;
  return rule.cleanupPrefixes.some((prefix) => (prefix === '' ? !entry.id.includes('.') : entry.id.startsWith(prefix)));
}

/** The cleanup's deletes, in two steps around the registrar's own writes. */
export interface CleanupDeletes {
  /** Entries with the key of an entry to create: SPIRE refuses the create while they exist, so they go first. */
  readonly before: readonly string[];
  /** The others go after the registrar's writes, so that a workload moved to a new entry keeps one throughout. */
  readonly after: readonly string[];
  /** Why nothing is deleted this time, if so. */
  readonly held?: string;
}

export interface CleanupState {
  /** diffEntries' keepIdPrefixes: when any cluster's entries must stay, which of these entries serve it is unknown. */
  readonly keepIdPrefixes: readonly string[];
  /** diffEntries' keepPodEntryIdPrefixes: when any cluster's pod entries must stay, likewise. Default none. */
  readonly keepPodEntryIdPrefixes?: readonly string[];
  /** diffEntries' keepPodUids: entries of pods whose own entry failed to render stay. */
  readonly keepPodUids: Iterable<string>;
}

/**
 * Which of `candidates` (entries isCleanupEntry took) to delete, and when. Never because something failed:
 * while any cluster is unsynced or an identity is broken (keepIdPrefixes) nothing is deleted, since these
 * entries name no cluster of ours; an entry for a pod whose entry failed to render stays.
 */
export function cleanupDeletes(candidates: readonly RegistrationEntry[], creates: readonly RegistrationEntry[], state: CleanupState): CleanupDeletes {
  if (candidates.length === 0) return { before: [], after: [] };
  const kept = new Set([...state.keepIdPrefixes, ...(state.keepPodEntryIdPrefixes ?? [])]);
  if (kept.size > 0) return { before: [], after: [], held: `the entries of ${kept.size} cluster(s) are kept (unsynced, or targeted by an identity that does not compile)` };
  const keepPods = new Set(state.keepPodUids);
  const keyOf = (entry: RegistrationEntry): string => entryKey(entry.spiffeId, entry.parentId, sortSelectors(entry.selectors));
  const created = new Set(creates.map(keyOf));
  const before: string[] = [];
  const after: string[] = [];
  for (const entry of candidates) {
    if (entry.selectors.some((selector) => {
      const uid = selectedPodUid(selector);
      return uid !== undefined && keepPods.has(uid);
    }))
      continue;
    (created.has(keyOf(entry)) ? before : after).push(entry.id);
  }
  return { before: before.sort(), after: after.sort() };
}
