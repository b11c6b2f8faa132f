import { status } from '@grpc/grpc-js';
import type { RegistrationEntry } from './entry.ts';
import { describe, entryFromMessage, isRecord, normalizeEntry, sameEntry } from './entry-message.ts';

interface OutcomeOf {
  /** The ID of the entry written (for a create: the ID asked for). */
  readonly entryId: string;
  /** Its SPIFFE ID when known (a delete names IDs only). */
  readonly spiffeId: string | undefined;
}

/**
 * The entry is written: created, updated or deleted. `entry` is what the server stored: for updates, and
 * for a create that turned out to be an earlier attempt's; a create's answer carries the ID only.
 */
export interface EntryWritten extends OutcomeOf {
  readonly kind: 'ok';
  readonly entry: RegistrationEntry | undefined;
}

/**
 * Create only: an entry with the same SPIFFE ID, parent ID and selector set exists under `existingId`,
 * or under the ID asked for but with other field values; nothing was created.
 */
export interface SimilarEntryExists extends OutcomeOf {
  readonly kind: 'already-exists-similar';
  readonly existingId: string;
  readonly message: string;
}

/** Create only: another entry (not a similar one) already has the ID asked for; nothing was created. */
export interface EntryIdTaken extends OutcomeOf {
  readonly kind: 'already-exists-id-collision';
  readonly message: string;
}

/** Update or delete: no entry has this ID. */
export interface EntryNotFound extends OutcomeOf {
  readonly kind: 'not-found';
  readonly message: string;
}

/** Any other per-entry failure: `code` is the gRPC status code, `message` the server's (or the client's) reason. */
export interface EntryWriteFailed extends OutcomeOf {
  readonly kind: 'error';
  readonly code: number;
  readonly message: string;
  /** The call failed as a whole (no answer for this entry: unknown whether written, or not sent), not the entry. */
  readonly callFailed?: boolean;
}

/** What happened to one entry of a batched write. */
export type WriteOutcome = EntryWritten | SimilarEntryExists | EntryIdTaken | EntryNotFound | EntryWriteFailed;

/** The name of a gRPC status code, e.g. `ALREADY_EXISTS`. */
export function statusName(code: number): string {
  return (status as unknown as Record<number, string | undefined>)[code] ?? `code ${code}`;
}

/** One line a user can act on: which entry, what happened, why. */
export function describeOutcome(outcome: WriteOutcome): string {
  const entry = `entry ${outcome.entryId}${outcome.spiffeId === undefined ? '' : ` (${outcome.spiffeId})`}`;
  switch (outcome.kind) {
    case 'ok':
      return `${entry}: written`;
    case 'already-exists-similar':
      return outcome.existingId === outcome.entryId
        ? `${entry}: ALREADY_EXISTS: it exists with other field values; update it to converge`
        : `${entry}: ALREADY_EXISTS: entry ${outcome.existingId} already has this SPIFFE ID, parent ID and selector set (${outcome.message})`;
    case 'already-exists-id-collision':
      return `${entry}: ALREADY_EXISTS: another entry with a different SPIFFE ID, parent ID or selectors already has this ID (${outcome.message})`;
    case 'not-found':
      return `${entry}: NOT_FOUND: no entry has this ID (${outcome.message})`;
    case 'error':
      return `${entry}: ${statusName(outcome.code)}: ${outcome.message}`;
  }
}

/** The per-entry status of a batch result, checked. */
export function resultStatus(result: unknown, where: string): { code: number; message: string } {
  if (!isRecord(result) || !isRecord(result.status)) throw new Error(`${where}: result without a status: ${describe(result)}`);
  const { code, message } = result.status;
  if (typeof code !== 'number' || !Number.isInteger(code) || typeof message !== 'string') {
    throw new Error(`${where}: status is not {code, message}: ${describe(result.status)}`);
  }
  return { code, message };
}

/**
 * The outcome of one BatchCreateEntry result, asked for with an output mask that keeps the entry's ID only.
 * ALREADY_EXISTS comes in two forms: with `entry` the server found a similar entry (same SPIFFE ID, parent
 * ID and selectors) and names its ID; without, the ID is taken by a different entry. A similar entry under
 * the requested ID may be this client's own earlier create (IDs are deterministic; typically one retried
 * after the connection dropped with the first attempt already committed): sameAsCreated tells, from the
 * stored entry.
 */
export function createOutcome(requested: RegistrationEntry, result: unknown, where: string): WriteOutcome {
  const { code, message } = resultStatus(result, where);
  const of = { entryId: requested.id, spiffeId: requested.spiffeId };
  const entry = isRecord(result) ? result.entry : undefined;
  switch (code) {
    case status.OK:
      if (!isRecord(entry) || entry.id !== requested.id) throw new Error(`${where}: created entry ${describe(isRecord(entry) ? entry.id : entry)}, expected ${JSON.stringify(requested.id)}`);
      return { ...of, kind: 'ok', entry: undefined };
    case status.ALREADY_EXISTS:
      if (entry === null || entry === undefined) return { ...of, kind: 'already-exists-id-collision', message };
      if (!isRecord(entry) || typeof entry.id !== 'string' || entry.id === '') throw new Error(`${where}: similar entry without an ID: ${describe(entry)}`);
      return { ...of, kind: 'already-exists-similar', existingId: entry.id, message };
    default:
      return { ...of, kind: 'error', code, message };
  }
}

/**
 * A similar entry under the ID asked for, as the server stores it (`stored`, undefined if gone since): with
 * the requested values it is this client's earlier create, a success; otherwise the outcome stands.
 */
export function sameAsCreated(requested: RegistrationEntry, outcome: SimilarEntryExists, stored: RegistrationEntry | undefined): WriteOutcome {
  return stored !== undefined && sameEntry(stored, normalizeEntry(requested)) ? { entryId: outcome.entryId, spiffeId: outcome.spiffeId, kind: 'ok', entry: stored } : outcome;
}

/** The outcome of one BatchUpdateEntry result. */
export function updateOutcome(requested: RegistrationEntry, result: unknown, where: string): WriteOutcome {
  const { code, message } = resultStatus(result, where);
  const of = { entryId: requested.id, spiffeId: requested.spiffeId };
  switch (code) {
    case status.OK:
      return { ...of, kind: 'ok', entry: entryFromMessage(isRecord(result) ? result.entry : undefined) };
    case status.NOT_FOUND:
      return { ...of, kind: 'not-found', message };
    default:
      return { ...of, kind: 'error', code, message };
  }
}

/** The outcome of one BatchDeleteEntry result, whose ID must be the one asked for. */
export function deleteOutcome(requestedId: string, result: unknown, where: string): WriteOutcome {
  const { code, message } = resultStatus(result, where);
  const id = isRecord(result) ? result.id : undefined;
  if (id !== requestedId) {
    throw new Error(`${where}: result is for entry ${describe(id)}, expected ${JSON.stringify(requestedId)}`);
  }
  const of = { entryId: requestedId, spiffeId: undefined };
  switch (code) {
    case status.OK:
      return { ...of, kind: 'ok', entry: undefined };
    case status.NOT_FOUND:
      return { ...of, kind: 'not-found', message };
    default:
      return { ...of, kind: 'error', code, message };
  }
}
