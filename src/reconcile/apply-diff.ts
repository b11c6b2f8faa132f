import type { EntryClient } from '../spire/entry-client.ts';
import { describeOutcome, type WriteOutcome } from '../spire/write-outcome.ts';
import type { EntryDiff } from './diff-entries.ts';

/** One write that did not happen, in words a user can act on. */
export interface WriteFailure {
  readonly operation: 'create' | 'update' | 'delete';
  readonly entryId: string;
  readonly message: string;
  /** The server did not answer for this entry (the call failed as a whole); else it refused the entry. */
  readonly callFailed?: boolean;
}

export interface ApplyReport {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly failures: readonly WriteFailure[];
}

/** Reports a write while it is applied: what the controller logs at debug, one line per entry. */
export type WriteObserver = (operation: WriteFailure['operation'], outcome: WriteOutcome) => void;

/**
 * Makes the writes of `diff`: creates, then updates, then deletes, so that an entry whose key changed
 * (a new ID) exists before the old one goes and a workload never lacks an identity. Per-entry failures
 * are collected, never thrown: one bad entry does not stop the others. A delete that finds no entry has
 * nothing left to do. A similar entry under another ID (not ours to change) is a failure that names it.
 */
export async function applyDiff(client: EntryClient, diff: EntryDiff, observe?: WriteObserver): Promise<ApplyReport> {
  const failures: WriteFailure[] = [];
  const count = (operation: WriteFailure['operation'], outcomes: readonly WriteOutcome[], done: (o: WriteOutcome) => boolean): number => {
    let succeeded = 0;
    for (const outcome of outcomes) {
      observe?.(operation, outcome);
      if (done(outcome)) succeeded++;
      else failures.push({ operation, entryId: outcome.entryId, message: describeOutcome(outcome), ...(outcome.kind === 'error' && outcome.callFailed === true ? { callFailed: true } : {}) });
    }
    return succeeded;
  };
  const created = diff.creates.length === 0 ? 0 : count('create', await client.createEntries(diff.creates), (o) => o.kind === 'ok');
  const updated = diff.updates.length === 0 ? 0 : count('update', await client.updateEntries(diff.updates), (o) => o.kind === 'ok');
  const deleted =
    diff.deletes.length === 0 ? 0 : count('delete', await client.deleteEntries(diff.deletes), (o) => o.kind === 'ok' || o.kind === 'not-found');
  return { created, updated, deleted, failures };
}
