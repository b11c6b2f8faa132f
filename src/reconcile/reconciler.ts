import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { Logger } from '../observability/logger.ts';
import { logMessages } from '../observability/log-messages.ts';
import type { RegistrarMetrics } from '../observability/metrics.ts';
import type { EntryClient } from '../spire/entry-client.ts';
import type { RegistrationEntry } from '../spire/entry.ts';
import type { WriteOutcome } from '../spire/write-outcome.ts';
import { applyDiff, type ApplyReport, type WriteFailure, type WriteObserver } from './apply-diff.ts';
import { diffEntries, differingFields, type EntryDiff } from './diff-entries.ts';
import { listOwnedEntries } from './list-owned-entries.ts';
import { clusterTagLength } from '../identity/entry-id.ts';
import { cleanupDeletes, isCleanupEntry } from './prefix-cleanup.ts';

/**
 * What the cache keeps of an entry the server holds exactly as desired: the desired entry's own values
 * (shared with the desired state, which never mutates them) rather than the server's decoded copy, which
 * would hold a second copy of every string and selector, about 450 bytes per entry.
 */
function sharedView(desired: RegistrationEntry): RegistrationEntry {
  const { id, spiffeId, parentId, selectors, x509SvidTtl, jwtSvidTtl, dnsNames, federatesWith, admin, downstream, hint } = desired;
  return { id, spiffeId, parentId, selectors, x509SvidTtl, jwtSvidTtl, dnsNames, federatesWith, admin, downstream, hint };
}

/** The entry to cache after the server answered `stored` for a write of `desired`. */
function cachedAfterWrite(desired: RegistrationEntry | undefined, stored: RegistrationEntry | undefined): RegistrationEntry | undefined {
  if (desired === undefined) return stored;
  return stored === undefined || differingFields(desired, stored).length === 0 ? sharedView(desired) : stored;
}

/** Writes applied at once; see applyInChunks. */
const writesPerChunk = 1000;

/**
 * applyDiff a chunk at a time (creates, then updates, then deletes, in order), so that a reconciliation
 * of tens of thousands of entries (a cluster that syncs) holds the encoded messages and the server's
 * answers of one chunk at a time, not of all of them: it was the controller's memory peak. A chunk whose
 * every call failed ends it (the server is down, and each further chunk would wait out its retries);
 * entries the server refused do not, even a whole chunk of them (a few refused creates must not stop the
 * deletes and updates after them). The caller retries.
 */
async function applyInChunks(client: EntryClient, diff: EntryDiff, observe: WriteObserver): Promise<ApplyReport> {
  const chunks: EntryDiff[] = [];
  const none = { creates: [], updates: [], deletes: [] };
  for (let i = 0; i < diff.creates.length; i += writesPerChunk) chunks.push({ ...none, creates: diff.creates.slice(i, i + writesPerChunk) });
  for (let i = 0; i < diff.updates.length; i += writesPerChunk) chunks.push({ ...none, updates: diff.updates.slice(i, i + writesPerChunk) });
  for (let i = 0; i < diff.deletes.length; i += writesPerChunk) chunks.push({ ...none, deletes: diff.deletes.slice(i, i + writesPerChunk) });
  let total: ApplyReport = { created: 0, updated: 0, deleted: 0, failures: [] };
  for (const chunk of chunks) {
    const report = await applyDiff(client, chunk, observe);
    total = { created: total.created + report.created, updated: total.updated + report.updated, deleted: total.deleted + report.deleted, failures: [...total.failures, ...report.failures] };
    const writes = chunk.creates.length + chunk.updates.length + chunk.deletes.length;
    if (report.failures.length === writes && report.failures.every((failure) => failure.callFailed === true)) break;
  }
  return total;
}

/** What the Reconciler reads of the desired state (FleetState): its entries and what the diff must keep. */
export interface DesiredState {
  readonly config: Pick<ControllerManagerConfig, 'entryIDPrefix' | 'entryIDPrefixCleanup'>;
  /** The desired entry with this ID, or undefined if none is wanted. */
  entry(id: string): RegistrationEntry | undefined;
  /** Every desired entry, in no particular order. */
  entries(): Iterable<RegistrationEntry>;
  /** Owned entries under these ID prefixes are never deleted (diffEntries' keepIdPrefixes). */
  keepIdPrefixes(): readonly string[];
  /** Owned entries under these ID prefixes that select a pod are never deleted (diffEntries' keepPodEntryIdPrefixes). */
  keepPodEntryIdPrefixes(): readonly string[];
  /** Owned entries that select these pod UIDs are never deleted (diffEntries' keepPodUids). */
  keepPodUids(): Iterable<string>;
}

export interface ReconcilerOptions {
  readonly client: EntryClient;
  readonly state: DesiredState;
  readonly logger: Logger;
  readonly metrics?: RegistrarMetrics;
  /**
   * With sharding: the ID prefixes of the clusters this replica holds (clusterEntryIdPrefix). Entries under
   * other prefixes are never cached, compared or written, in full reconciliations too. Default: all.
   */
  readonly heldPrefixes?: () => ReadonlySet<string> | undefined;
  /**
   * Asked at each full reconciliation: a reason to delete no entry that no source wants (and no
   * entryIDPrefixCleanup entry) this time, or undefined. The controller holds them while objects of a kind
   * that `reconcile` turned off exist: which entries those want is unknown, so none is taken for stale.
   */
  readonly sweepHold?: () => Promise<string | undefined>;
}

// The cleanup's deletes count in the totals but not in `written`: they repair no drift of the registrar's.
function withCleanup(own: ReconcileReport, cleanup: ReconcileReport | undefined): ReconcileReport {
  if (cleanup === undefined) return own;
  return { ...own, deleted: own.deleted + cleanup.deleted, failures: [...own.failures, ...cleanup.failures] };
}

/** What one reconciliation wrote. */
export interface ReconcileReport {
  readonly kind: 'targeted' | 'full';
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly failures: readonly WriteFailure[];
  /** Full reconciliations only: the IDs of the entries written, by operation (what drift was repaired). */
  readonly written?: Readonly<Record<WriteFailure['operation'], readonly string[]>>;
}

/**
 * Keeps the SPIRE server's owned entries equal to the desired state. It holds a cache of the owned
 * entries (filled by one paged listing at the first and at each full reconciliation, kept current by its
 * own writes' outcomes), so a targeted reconciliation compares only the entries a change touched and
 * lists nothing. Deletes follow diffEntries' keep rules (unsynced clusters, broken identities, pods that
 * failed to render): a failure never deletes. Calls must not overlap (the controller's one worker for
 * SPIRE writes serialises them).
 */
export class Reconciler {
  readonly #client: EntryClient;
  readonly #state: DesiredState;
  readonly #logger: Logger;
  readonly #metrics: RegistrarMetrics | undefined;
  readonly #heldPrefixes: () => ReadonlySet<string> | undefined;
  #cache: Map<string, RegistrationEntry> | undefined;
  /** With sharding: the held prefixes whose entries the cache has (as of the last listing, less those let go since). */
  #listedPrefixes: Set<string> | undefined;
  readonly #sweepHold: (() => Promise<string | undefined>) | undefined;
  /** The last full reconciliation's sweepHold answer; targetedPrefix follows it too. */
  #sweepHeld: string | undefined;
  /**
   * The IDs of a targeted diff whose writes failed or were not made: the next targeted reconciliation compares them
   * too. A retry renders again, and only the new IDs would be compared: an entry whose ID changed would keep
   * its old one until the next full reconciliation.
   */
  readonly #unsettled = new Set<string>();

  constructor(options: ReconcilerOptions) {
    this.#client = options.client;
    this.#state = options.state;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#heldPrefixes = options.heldPrefixes ?? (() => undefined);
    this.#sweepHold = options.sweepHold;
  }

  /** The cluster ID prefix of an owned entry ID (`<entryIDPrefix><tag>-`). */
  #prefixOf(id: string): string {
    return id.slice(0, this.#state.config.entryIDPrefix.length + clusterTagLength + 1);
  }

  /**
   * Lists the owned entries (one paged listing), diffs every desired entry against them and writes the
   * difference. With entryIDPrefixCleanup, the same listing finds the entries to clean up: those that
   * would block a create are deleted first, the others after the registrar's own writes.
   */
  async full(): Promise<ReconcileReport> {
    const held = this.#heldPrefixes();
    const { entryIDPrefix, entryIDPrefixCleanup } = this.#state.config;
    const rule = { entryIdPrefix: entryIDPrefix, cleanupPrefixes: entryIDPrefixCleanup };
    const candidates: RegistrationEntry[] = [];
    const previous = this.#cache;
    const cache = await listOwnedEntries(this.#client, entryIDPrefix, {
      keep: (listed) => (held !== undefined && !held.has(this.#prefixOf(listed.id)) ? undefined : this.#asCached(listed, previous)),
      ...(rule.cleanupPrefixes.length === 0 ? {} : { others: (entry: RegistrationEntry) => void (isCleanupEntry(entry, rule) && candidates.push(entry)) }),
    });
    this.#cache = cache;
    this.#listedPrefixes = held === undefined ? undefined : new Set(held);
    this.#sweepHeld = await this.#sweepHold?.();
    const diff = this.#withoutSweep(this.#diff(this.#heldEntries(held), cache));
    const cleanup = this.#sweepHeld !== undefined ? { before: [], after: [], held: this.#sweepHeld } : cleanupDeletes(candidates, diff.creates, { keepIdPrefixes: this.#state.keepIdPrefixes(), keepPodEntryIdPrefixes: this.#state.keepPodEntryIdPrefixes(), keepPodUids: this.#state.keepPodUids() });
    if (cleanup.held !== undefined && candidates.length > 0) this.#logger.warn({ entries: candidates.length }, `entryIDPrefixCleanup: no entry deleted this time: ${cleanup.held}`);
    else if (candidates.length > 0) this.#logger.info({ entries: cleanup.before.length + cleanup.after.length, prefixes: entryIDPrefixCleanup }, 'entryIDPrefixCleanup: deleting the entries under the cleanup prefixes');
    const none = { creates: [], updates: [] };
    const first = cleanup.before.length === 0 ? undefined : await this.#apply('targeted', { ...none, deletes: cleanup.before });
    const own = await this.#apply('full', diff);
    const last = cleanup.after.length === 0 ? undefined : await this.#apply('targeted', { ...none, deletes: cleanup.after });
    return withCleanup(withCleanup(own, first), last);
  }

  /**
   * What the cache keeps of a listed entry: the desired values when the server holds them as desired, as
   * the previous cache held them if it did (a new view of every entry would make the old cache garbage at once).
   */
  #asCached(listed: RegistrationEntry, previous: ReadonlyMap<string, RegistrationEntry> | undefined): RegistrationEntry {
    const wanted = this.#state.entry(listed.id);
    if (wanted === undefined || differingFields(wanted, listed).length > 0) return listed;
    const held = previous?.get(listed.id);
    return held !== undefined && held.selectors === wanted.selectors && differingFields(wanted, held).length === 0 ? held : sharedView(wanted);
  }

  /** Diffs only the entries with these IDs (desired against cached) and writes the difference. Lists first if never primed. */
  async targeted(ids: Iterable<string>, sweeps = false): Promise<ReconcileReport> {
    if (this.#cache === undefined) return this.full();
    const cache = this.#cache;
    const held = this.#heldPrefixes();
    if (held !== undefined && this.#listedPrefixes !== undefined) {
      // A cluster taken in since the last listing: its entries are not cached yet, so list them (all: the API has no ID filter).
      for (const prefix of held) if (!this.#listedPrefixes.has(prefix)) return this.full();
      // A cluster let go: its entries are another replica's now.
      for (const prefix of [...this.#listedPrefixes]) {
        if (held.has(prefix)) continue;
        this.#listedPrefixes.delete(prefix);
        for (const id of [...cache.keys()]) if (id.startsWith(prefix)) cache.delete(id);
      }
    }
    const desired: RegistrationEntry[] = [];
    const actual = new Map<string, RegistrationEntry>();
    const compared = new Set([...ids, ...this.#unsettled]);
    this.#unsettled.clear();
    for (const id of compared) {
      if (held !== undefined && !held.has(this.#prefixOf(id))) continue;
      const wanted = this.#state.entry(id);
      const cached = cache.get(id);
      // A pod rendered again renders new values: the cache follows them while they are equal.
      if (wanted !== undefined && cached !== undefined && cached.selectors !== wanted.selectors && differingFields(wanted, cached).length === 0) cache.set(id, sharedView(wanted));
      if (wanted !== undefined) desired.push(wanted);
      if (cached !== undefined) actual.set(id, cached);
    }
    const diff = this.#diff(desired, actual);
    return this.#apply('targeted', sweeps ? this.#withoutSweep(diff) : diff);
  }

  /**
   * The desired entries of the held clusters (all without sharding), made as the diff reaches them: those
   * that compare equal die young instead of living through the whole diff.
   */
  *#heldEntries(held: ReadonlySet<string> | undefined): IterableIterator<RegistrationEntry> {
    for (const entry of this.#state.entries()) if (held === undefined || held.has(this.#prefixOf(entry.id))) yield entry;
  }

  #withoutSweep(diff: EntryDiff): EntryDiff {
    if (this.#sweepHeld === undefined || diff.deletes.length === 0) return diff;
    this.#logger.warn({ entries: diff.deletes.length }, `Entries that no source wants are kept, not deleted: ${this.#sweepHeld}`);
    return { ...diff, deletes: [] };
  }

  /** Diffs every entry under an ID prefix (a cluster's): after its cluster synced, was disabled or removed. */
  async targetedPrefix(idPrefix: string): Promise<ReconcileReport> {
    if (this.#cache === undefined) return this.full();
    const ids: string[] = [];
    for (const id of this.#cache.keys()) if (id.startsWith(idPrefix)) ids.push(id);
    for (const entry of this.#state.entries()) if (entry.id.startsWith(idPrefix)) ids.push(entry.id);
    // Like a full reconciliation, it sweeps entries that no source wants, which sweepHold may hold.
    return this.targeted(ids, true);
  }

  /** Whether the server holds this desired entry as it should be (as last listed or written). */
  isCurrent(id: string): boolean {
    const wanted = this.#state.entry(id);
    const cached = this.#cache?.get(id);
    return wanted !== undefined && cached !== undefined && differingFields(wanted, cached).length === 0;
  }

  /** How many cached entries have this ID prefix. */
  countCached(idPrefix: string): number {
    let count = 0;
    for (const id of (this.#cache ?? new Map<string, RegistrationEntry>()).keys()) if (id.startsWith(idPrefix)) count++;
    return count;
  }

  #diff(desired: Iterable<RegistrationEntry>, actual: ReadonlyMap<string, RegistrationEntry>): EntryDiff {
    return diffEntries(desired, actual, {
      entryIdPrefix: this.#state.config.entryIDPrefix,
      keepIdPrefixes: this.#state.keepIdPrefixes(),
      keepPodEntryIdPrefixes: this.#state.keepPodEntryIdPrefixes(),
      keepPodUids: this.#state.keepPodUids(),
    });
  }

  async #apply(kind: ReconcileReport['kind'], diff: EntryDiff): Promise<ReconcileReport> {
    const cache = this.#cache as Map<string, RegistrationEntry>;
    const desiredById = new Map<string, RegistrationEntry>();
    for (const entry of diff.creates) desiredById.set(entry.id, entry);
    for (const update of diff.updates) desiredById.set(update.entry.id, update.entry);
    const written = { create: [] as string[], update: [] as string[], delete: [] as string[] };
    const observe = (operation: WriteFailure['operation'], outcome: WriteOutcome): void => {
      this.#metrics?.entryWrites.inc({ operation, outcome: outcome.kind === 'ok' || (operation === 'delete' && outcome.kind === 'not-found') ? 'ok' : 'failed' });
      if (kind === 'full' && outcome.kind === 'ok') written[operation].push(outcome.entryId);
      if (operation === 'delete') {
        if (outcome.kind === 'ok' || outcome.kind === 'not-found') {
          cache.delete(outcome.entryId);
          this.#logger.debug({ entryID: outcome.entryId }, logMessages.entryDeleted);
        }
        return;
      }
      if (outcome.kind === 'ok') {
        const stored = cachedAfterWrite(desiredById.get(outcome.entryId), outcome.entry);
        if (stored !== undefined) cache.set(outcome.entryId, stored);
        this.#logger.debug({ spiffeID: outcome.spiffeId, entryID: outcome.entryId }, operation === 'create' ? logMessages.entryCreated : logMessages.entryUpdated);
      } else if (outcome.kind === 'not-found') {
        // Deleted behind our back: the next reconciliation creates it again.
        cache.delete(outcome.entryId);
      }
    };
    const report = await applyInChunks(this.#client, diff, observe);
    // A failed full reconciliation is retried whole; only a targeted one's IDs wait for the next targeted.
    if (kind === 'full') this.#unsettled.clear();
    else if (report.failures.length > 0) {
      for (const entry of diff.creates) this.#unsettled.add(entry.id);
      for (const update of diff.updates) this.#unsettled.add(update.entry.id);
      for (const id of diff.deletes) this.#unsettled.add(id);
    }
    for (const failure of report.failures) this.#logger.warn({ entryID: failure.entryId, operation: failure.operation }, `SPIRE entry write failed: ${failure.message}`);
    return kind === 'full' ? { kind, ...report, written } : { kind, ...report };
  }
}
