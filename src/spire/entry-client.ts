import { status } from '@grpc/grpc-js';
import type { EntryField, EntryUpdate, RegistrationEntry, Selector } from './entry.ts';
import { entryFields } from './entry.ts';
import { groupBy, splitIntoBatches } from './batches.ts';
import { describe, entryFromMessage, entryMask, entryToMessage, isRecord } from './entry-message.ts';
import { openEntryService, type EntryRpc, type EntryService } from './entry-service.ts';
import { defaultRetryPolicy, type RetryEnvironment, type RetryPolicy } from './retry.ts';
import { callSpire, realRetryEnvironment, type SpireCallPolicy, type SpireRetryEvent } from './spire-call.ts';
import { parseSpiffeId, validateTrustDomain } from './spiffe-id.ts';
import { SpireCallError } from './spire-call-error.ts';
import { createOutcome, deleteOutcome, sameAsCreated, updateOutcome, type EntryWriteFailed, type WriteOutcome } from './write-outcome.ts';

/** How a filter's set is matched against an entry's: the Entry API's MatchBehavior. */
export type MatchBehavior = 'exact' | 'subset' | 'superset' | 'any';

/** Narrows a listing or count; every given criterion must hold. */
export interface EntryFilter {
  readonly bySpiffeId?: string;
  readonly byParentId?: string;
  readonly bySelectors?: { readonly selectors: readonly Selector[]; readonly match: MatchBehavior };
  /** Trust domain names, e.g. `example.org`. */
  readonly byFederatesWith?: { readonly trustDomains: readonly string[]; readonly match: MatchBehavior };
  readonly byHint?: string;
  /** true: downstream entries only. false filters nothing: spire-server (1.13) applies this filter only when true. */
  readonly byDownstream?: boolean;
}

/**
 * The calls the registrar makes to spire-server's Entry API: one paged listing (the reconcile layer picks
 * its owned entries out of it) and the three batched writes. What the reconcile layer takes, and all a
 * fake needs. The listing throws SpireCallError when the server cannot be reached or refuses; the batched
 * writes never throw for the server's sake: they return one outcome per input, in input order, and an RPC
 * that fails as a whole turns into `error` outcomes for the entries it carried and the ones not sent after it.
 */
export interface EntryClient {
  /** Every entry, a page at a time as it arrives. Each page is fetched with the same retries as any call. */
  listEntryPages(): AsyncGenerator<RegistrationEntry[], void, undefined>;
  createEntries(entries: readonly RegistrationEntry[]): Promise<WriteOutcome[]>;
  updateEntries(updates: readonly EntryUpdate[]): Promise<WriteOutcome[]>;
  deleteEntries(ids: readonly string[]): Promise<WriteOutcome[]>;
}

/**
 * The client of a real spire-server that createEntryClient makes: the registrar's calls, the filtered
 * reads that tools and tests make (listings, counts, one entry), and close for its owner. Listing,
 * counting and reading throw SpireCallError as EntryClient's listing does.
 */
export interface SpireEntryClient extends EntryClient {
  /** The entries that match `filter` (all entries without one), a page at a time. */
  listEntryPages(filter?: EntryFilter): AsyncGenerator<RegistrationEntry[], void, undefined>;
  /** Every entry that matches `filter` (all entries without one), read page by page. */
  listEntries(filter?: EntryFilter): Promise<RegistrationEntry[]>;
  countEntries(filter?: EntryFilter): Promise<number>;
  /** The entry with this ID, or undefined when there is none. */
  getEntry(id: string): Promise<RegistrationEntry | undefined>;
  /** Ends retries in progress and closes the channel; calls after this fail. */
  close(): void;
}

export type { SpireRetryEvent } from './spire-call.ts';

export interface EntryClientOptions {
  /** The path of spire-server's admin Unix socket (its `socket_path`). */
  readonly socketPath: string;
  /** The deadline of each attempt of each call. Default 30 000 ms. */
  readonly callTimeoutMs?: number;
  /** Retries of calls the server did not answer (see isUnansweredCall). Default {@link defaultRetryPolicy}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Entries per ListEntries page. Default {@link defaultListPageSize}. Must be at least 1. */
  readonly pageSize?: number;
  /** Entries per BatchCreateEntry. Default {@link defaultCreateBatchSize}. */
  readonly createBatchSize?: number;
  /** Entries per BatchUpdateEntry. Default {@link defaultUpdateBatchSize}. */
  readonly updateBatchSize?: number;
  /** IDs per BatchDeleteEntry. Default {@link defaultDeleteBatchSize}. */
  readonly deleteBatchSize?: number;
  /**
   * The most bytes of entries (counted as JSON, which is larger than their protobuf form) in one batch
   * request. Default 1 MiB, a quarter of the server's 4 MiB receive limit.
   */
  readonly maxBatchBytes?: number;
  /** The largest response accepted; a page that is larger is asked for again at half the size. Default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Told before each request sent to the server, retries included (the calls that cost the server work). */
  readonly onCall?: (rpc: EntryRpc) => void;
  /** Told before each retry. */
  readonly onRetry?: (event: SpireRetryEvent) => void;
  /** Sleep and randomness for the backoff; tests inject their own. Default: timers and Math.random. */
  readonly environment?: RetryEnvironment;
}

// Chosen with bench/spire-batch-size.ts against the rig's spire-server: for each, the smallest size
// within 10% of the best throughput in every run (figures in docs/adr/0004-spire-client-sizes-and-retries.md).
// Creates plateau at ~100 (each create is its own SQLite transaction on the server), updates at ~50,
// deletes keep gaining up to 200; listings of 10 000 entries take the same time at pages of 200 to 1000,
// and 500 of the registrar's ~320-byte entries make a ~160 KB message, far below gRPC's 4 MiB.
export const defaultListPageSize = 500;
export const defaultCreateBatchSize = 100;
export const defaultUpdateBatchSize = 50;
export const defaultDeleteBatchSize = 200;

const readMask = entryMask(entryFields);
// A create's answer is needed for its status and ID: the desired entry is what was stored.
const idOnlyMask = entryMask([]);
const matchNames: Readonly<Record<MatchBehavior, string>> = {
  exact: 'MATCH_EXACT',
  subset: 'MATCH_SUBSET',
  superset: 'MATCH_SUPERSET',
  any: 'MATCH_ANY',
};

/** A client for the Entry API on spire-server's admin socket. It connects on first use. */
export function createEntryClient(options: EntryClientOptions): SpireEntryClient {
  return new GrpcEntryClient(options);
}

interface PendingWrite<T> {
  readonly index: number;
  readonly input: T;
  readonly entryId: string;
  readonly spiffeId: string | undefined;
}

class GrpcEntryClient implements SpireEntryClient {
  readonly #socketPath: string;
  readonly #service: EntryService;
  readonly #callTimeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #pageSize: number;
  readonly #createBatchSize: number;
  readonly #updateBatchSize: number;
  readonly #deleteBatchSize: number;
  readonly #maxBatchBytes: number;
  readonly #onRetry: ((event: SpireRetryEvent) => void) | undefined;
  readonly #onCall: ((rpc: EntryRpc) => void) | undefined;
  readonly #environment: RetryEnvironment;
  readonly #closing = new AbortController();

  constructor(options: EntryClientOptions) {
    this.#socketPath = options.socketPath;
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.#retry = { ...defaultRetryPolicy, ...options.retry };
    this.#pageSize = positive('pageSize', options.pageSize ?? defaultListPageSize);
    this.#createBatchSize = positive('createBatchSize', options.createBatchSize ?? defaultCreateBatchSize);
    this.#updateBatchSize = positive('updateBatchSize', options.updateBatchSize ?? defaultUpdateBatchSize);
    this.#deleteBatchSize = positive('deleteBatchSize', options.deleteBatchSize ?? defaultDeleteBatchSize);
    this.#maxBatchBytes = positive('maxBatchBytes', options.maxBatchBytes ?? 1024 * 1024);
    this.#onRetry = options.onRetry;
    this.#onCall = options.onCall;
    this.#environment = options.environment ?? realRetryEnvironment;
    this.#service = openEntryService({
      socketPath: options.socketPath,
      maxReceiveMessageBytes: positive('maxReceiveMessageBytes', options.maxReceiveMessageBytes ?? 4 * 1024 * 1024),
      maxReconnectBackoffMs: this.#retry.maxDelayMs,
    });
  }

  async listEntries(filter?: EntryFilter): Promise<RegistrationEntry[]> {
    const entries: RegistrationEntry[] = [];
    for await (const page of this.listEntryPages(filter)) entries.push(...page);
    return entries;
  }

  async *listEntryPages(filter?: EntryFilter): AsyncGenerator<RegistrationEntry[], void, undefined> {
    const request = { filter: filter === undefined ? null : filterMessage(filter), output_mask: readMask };
    const tokens = new Set<string>();
    let pageSize = this.#pageSize;
    const ask = (token: string): { readonly token: string; readonly answer: Promise<unknown> } => {
      const answer = this.#call('ListEntries', { ...request, page_size: pageSize, page_token: token });
      // Awaited below, unless the consumer stops before it: then its failure is nobody's.
      answer.catch(() => undefined);
      return { token, answer };
    };
    let asked = ask('');
    for (;;) {
      let response: unknown;
      try {
        response = await asked.answer;
      } catch (error) {
        // Too big a page for the receive limit (entries of others can be large): the token is the last
        // entry seen, not a page number, so the same page can be asked for at a smaller size.
        if (error instanceof SpireCallError && error.code === status.RESOURCE_EXHAUSTED && pageSize > 1) {
          pageSize = Math.ceil(pageSize / 2);
          asked = ask(asked.token);
          continue;
        }
        throw error;
      }
      if (!isRecord(response) || !Array.isArray(response.entries) || typeof response.next_page_token !== 'string') {
        throw this.#invalidResponse('ListEntries', `expected {entries, next_page_token}, got ${describe(response)}`);
      }
      const next = response.next_page_token;
      if (next !== '') {
        // A token seen before would page forever.
        if (tokens.has(next)) throw this.#invalidResponse('ListEntries', `page token ${JSON.stringify(next)} came back twice`);
        tokens.add(next);
        // The next page is asked for before this one is handed over: the server reads it while the
        // consumer goes through this one.
        asked = ask(next);
      }
      // The server ends with an empty page whose token is empty; it is not worth yielding.
      if (response.entries.length > 0) yield (response.entries as unknown[]).map((message) => this.#decode('ListEntries', message));
      if (next === '') return;
    }
  }

  async countEntries(filter?: EntryFilter): Promise<number> {
    const response = await this.#call('CountEntries', { filter: filter === undefined ? null : filterMessage(filter) });
    if (!isRecord(response) || typeof response.count !== 'number' || !Number.isInteger(response.count) || response.count < 0) {
      throw this.#invalidResponse('CountEntries', `expected {count}, got ${describe(response)}`);
    }
    return response.count;
  }

  async getEntry(id: string): Promise<RegistrationEntry | undefined> {
    try {
      return this.#decode('GetEntry', await this.#call('GetEntry', { id, output_mask: readMask }));
    } catch (error) {
      if (error instanceof SpireCallError && error.code === status.NOT_FOUND) return undefined;
      throw error;
    }
  }

  async createEntries(entries: readonly RegistrationEntry[]): Promise<WriteOutcome[]> {
    const outcomes = await this.#writeInBatches(
      'BatchCreateEntry',
      entries.map((entry, index) => ({ index, input: entry, entryId: entry.id, spiffeId: entry.spiffeId })),
      this.#createBatchSize,
      (entry) => entryToMessage(entry),
      (messages) => ({ entries: messages, output_mask: idOnlyMask }),
      (pending, result, where) => createOutcome(pending.input, result, where),
    );
    // Rare (an earlier attempt's answer was lost): the answer names the similar entry only, its fields tell.
    // Unfetched, the outcome stands as a failure, and the entry is compared again at the next reconciliation.
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.kind !== 'already-exists-similar' || outcome.existingId !== outcome.entryId) continue;
      const stored = await this.getEntry(outcome.entryId).catch(() => undefined);
      outcomes[index] = sameAsCreated(entries[index] as RegistrationEntry, outcome, stored);
    }
    return outcomes;
  }

  async updateEntries(updates: readonly EntryUpdate[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = [];
    const pending = updates.map((update, index) => ({
      index,
      input: update,
      entryId: update.entry.id,
      spiffeId: update.entry.spiffeId,
    }));
    // One input mask per request: updates that write the same fields travel together.
    const byFields = groupBy(pending, (item) => fieldSetKey(item.input.fields));
    for (const group of byFields) {
      const first = group[0];
      if (first === undefined) continue;
      const inputMask = entryMask(first.input.fields);
      const groupOutcomes = await this.#writeInBatches(
        'BatchUpdateEntry',
        group.map((item, index) => ({ ...item, index })),
        this.#updateBatchSize,
        (update) => entryToMessage(update.entry),
        (messages) => ({ entries: messages, input_mask: inputMask, output_mask: readMask }),
        (item, result, where) => updateOutcome(item.input.entry, result, where),
      );
      group.forEach((item, index) => (outcomes[item.index] = groupOutcomes[index] as WriteOutcome));
    }
    return outcomes;
  }

  async deleteEntries(ids: readonly string[]): Promise<WriteOutcome[]> {
    return this.#writeInBatches(
      'BatchDeleteEntry',
      ids.map((id, index) => ({ index, input: id, entryId: id, spiffeId: undefined })),
      this.#deleteBatchSize,
      (id) => id,
      (batch) => ({ ids: batch }),
      (pending, result, where) => deleteOutcome(pending.input, result, where),
    );
  }

  close(): void {
    this.#closing.abort(new Error('the SPIRE entry client was closed'));
    this.#service.close();
  }

  /**
   * The shared shape of the three batched writes: encode each input (one that cannot be encoded fails
   * alone and is not sent), send in batches, read one result per input.
   */
  async #writeInBatches<T, M>(
    rpc: EntryRpc,
    pending: readonly PendingWrite<T>[],
    batchSize: number,
    encode: (input: T) => M,
    request: (messages: M[]) => object,
    outcomeOf: (pending: PendingWrite<T>, result: unknown, where: string) => WriteOutcome,
  ): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = [];
    const encoded: { pending: PendingWrite<T>; message: M; bytes: number }[] = [];
    for (const item of pending) {
      try {
        const message = encode(item.input);
        encoded.push({ pending: item, message, bytes: JSON.stringify(message).length });
      } catch (error) {
        outcomes[item.index] = failed(item, status.INVALID_ARGUMENT, `not sent: ${messageOf(error)}`);
      }
    }
    const batches = splitIntoBatches(encoded, batchSize, this.#maxBatchBytes, (item) => item.bytes);
    for (const [number, batch] of batches.entries()) {
      let results: unknown[];
      try {
        results = this.#resultsOf(rpc, await this.#call(rpc, request(batch.map((item) => item.message))), batch.length);
      } catch (error) {
        // The whole call failed: whether the server applied any of this batch is unknown (a later listing
        // tells), and the batches after it are not sent, the cause being the same.
        const code = error instanceof SpireCallError ? error.code : status.INTERNAL;
        for (const item of batch) outcomes[item.pending.index] = { ...failed(item.pending, code, `unknown whether written: ${messageOf(error)}`), callFailed: true };
        for (const later of batches.slice(number + 1)) {
          for (const item of later) outcomes[item.pending.index] = { ...failed(item.pending, code, `not sent: an earlier ${rpc} failed: ${messageOf(error)}`), callFailed: true };
        }
        break;
      }
      batch.forEach((item, index) => {
        const where = `${rpc} result ${index} (entry ${item.pending.entryId})`;
        try {
          outcomes[item.pending.index] = outcomeOf(item.pending, results[index], where);
        } catch (error) {
          outcomes[item.pending.index] = failed(item.pending, status.INTERNAL, `spire-server sent an invalid result: ${messageOf(error)}`);
        }
      });
    }
    return outcomes;
  }

  #resultsOf(rpc: EntryRpc, response: unknown, expected: number): unknown[] {
    if (!isRecord(response) || !Array.isArray(response.results)) {
      throw this.#invalidResponse(rpc, `expected {results}, got ${describe(response)}`);
    }
    if (response.results.length !== expected) {
      throw this.#invalidResponse(rpc, `${response.results.length} results for ${expected} entries`);
    }
    return response.results as unknown[];
  }

  #decode(rpc: EntryRpc, message: unknown): RegistrationEntry {
    try {
      return entryFromMessage(message);
    } catch (error) {
      throw this.#invalidResponse(rpc, messageOf(error));
    }
  }

  #invalidResponse(rpc: EntryRpc, reason: string): SpireCallError {
    return new SpireCallError(rpc, status.INTERNAL, `invalid response: ${reason}`, 1, this.#socketPath);
  }

  /** One RPC as every SPIRE client makes it (callSpire). */
  #call(rpc: EntryRpc, request: object): Promise<unknown> {
    return callSpire(this.#policy(), rpc, request);
  }

  #policy(): SpireCallPolicy<EntryRpc> {
    return {
      service: this.#service,
      socketPath: this.#socketPath,
      callTimeoutMs: this.#callTimeoutMs,
      retry: this.#retry,
      environment: this.#environment,
      closing: this.#closing.signal,
      onCall: this.#onCall,
      onRetry: this.#onRetry,
    };
  }
}

function filterMessage(filter: EntryFilter): object {
  const spiffeId = (uri: string): object => {
    const { trustDomain, path } = parseSpiffeId(uri);
    return { trust_domain: trustDomain, path };
  };
  return {
    by_spiffe_id: filter.bySpiffeId === undefined ? null : spiffeId(filter.bySpiffeId),
    by_parent_id: filter.byParentId === undefined ? null : spiffeId(filter.byParentId),
    by_selectors:
      filter.bySelectors === undefined
        ? null
        : {
            selectors: filter.bySelectors.selectors.map(({ type, value }) => ({ type, value })),
            match: matchNames[filter.bySelectors.match],
          },
    by_federates_with:
      filter.byFederatesWith === undefined
        ? null
        : {
            trust_domains: filter.byFederatesWith.trustDomains.map(validateTrustDomain),
            match: matchNames[filter.byFederatesWith.match],
          },
    by_hint: filter.byHint === undefined ? null : { value: filter.byHint },
    by_downstream: filter.byDownstream === undefined ? null : { value: filter.byDownstream },
  };
}

function fieldSetKey(fields: readonly EntryField[]): string {
  return [...new Set(fields)].sort().join(',');
}

function failed<T>(pending: PendingWrite<T>, code: number, message: string): EntryWriteFailed {
  return { kind: 'error', entryId: pending.entryId, spiffeId: pending.spiffeId, code, message };
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} ${value} must be a whole number of at least 1`);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

