// The client's failure paths, over a real gRPC channel to a socket nobody listens on (so every call is
// UNAVAILABLE), with the backoff's sleep and randomness injected. The server paths are proven against a
// real spire-server in test/integration/spire.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { registrationEntry } from '../../test/support/registration-entry.ts';
import { createEntryClient, type EntryClientOptions, type SpireRetryEvent } from './entry-client.ts';
import type { RegistrationEntry } from './entry.ts';
import type { RetryEnvironment } from './retry.ts';
import { SpireCallError } from './spire-call-error.ts';
import { describeOutcome } from './write-outcome.ts';

const dir = mkdtempSync(join(tmpdir(), 'entry-client-'));
const socketPath = join(dir, 'nobody.sock');
after(() => rmSync(dir, { recursive: true, force: true }));

function entry(n: number): RegistrationEntry {
  return registrationEntry({ id: `own-${n}`, spiffeId: `spiffe://example.org/w/${n}`, parentId: 'spiffe://example.org/node', selectors: [{ type: 'k8s', value: `pod-uid:${n}` }] });
}

function clientFor(options: Partial<EntryClientOptions> = {}) {
  const slept: number[] = [];
  const retries: SpireRetryEvent[] = [];
  const environment: RetryEnvironment = {
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0,
  };
  const client = createEntryClient({
    socketPath,
    retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 },
    environment,
    onRetry: (event) => retries.push(event),
    ...options,
  });
  return { client, slept, retries };
}

describe('entry client without a server', () => {
  it('tells onCall of every request sent, retries included', async () => {
    const calls: string[] = [];
    const { client } = clientFor({ onCall: (rpc) => calls.push(rpc) });
    try {
      await assert.rejects(client.countEntries());
      assert.deepEqual(calls, ['CountEntries', 'CountEntries', 'CountEntries', 'CountEntries']);
    } finally {
      client.close();
    }
  });

  it('retries UNAVAILABLE with backoff, then fails naming the RPC, the attempts and the socket', async () => {
    const { client, slept, retries } = clientFor();
    try {
      await assert.rejects(client.listEntries(), (error) => {
        assert.ok(error instanceof SpireCallError);
        assert.equal(error.code, status.UNAVAILABLE);
        assert.equal(error.attempts, 4);
        assert.match(error.message, /^spire-server ListEntries failed after 4 attempts: UNAVAILABLE: .*is spire-server running, and is .*nobody\.sock its admin socket_path\?/);
        return true;
      });
      assert.deepEqual(slept, [50, 100, 200]);
      assert.deepEqual(retries.map((event) => [event.rpc, event.attempt, event.code, event.delayMs]), [
        ['ListEntries', 1, status.UNAVAILABLE, 50],
        ['ListEntries', 2, status.UNAVAILABLE, 100],
        ['ListEntries', 3, status.UNAVAILABLE, 200],
      ]);
    } finally {
      client.close();
    }
  });

  it('turns a failed batch into per-entry errors: unknown for the batch sent, not sent for the rest', async () => {
    const { client } = clientFor({ createBatchSize: 2, retry: { maxAttempts: 1 } });
    try {
      const outcomes = await client.createEntries([entry(0), { ...entry(1), spiffeId: 'not-a-spiffe-id' }, entry(2), entry(3)]);
      assert.deepEqual(
        outcomes.map((outcome) => (outcome.kind === 'error' ? [outcome.entryId, outcome.code] : outcome.kind)),
        [
          ['own-0', status.UNAVAILABLE],
          ['own-1', status.INVALID_ARGUMENT],
          ['own-2', status.UNAVAILABLE],
          ['own-3', status.UNAVAILABLE],
        ],
      );
      assert.match(describeOutcome(outcomes[0] ?? assert.fail()), /^entry own-0 \(spiffe:\/\/example.org\/w\/0\): UNAVAILABLE: unknown whether written: spire-server BatchCreateEntry failed/);
      assert.match(describeOutcome(outcomes[1] ?? assert.fail()), /^entry own-1 \(not-a-spiffe-id\): INVALID_ARGUMENT: not sent: SPIFFE ID "not-a-spiffe-id" does not start with spiffe:\/\//);
      assert.match(describeOutcome(outcomes[3] ?? assert.fail()), /^entry own-3 .*: UNAVAILABLE: not sent: an earlier BatchCreateEntry failed/);
      // The call failed, not the entry: the reconciler stops on these only.
      assert.deepEqual(
        outcomes.map((outcome) => outcome.kind === 'error' && outcome.callFailed === true),
        [true, false, true, true],
      );
    } finally {
      client.close();
    }
  });

  it('returns outcomes for updates in input order across field groups', async () => {
    const { client } = clientFor({ retry: { maxAttempts: 1 } });
    try {
      const outcomes = await client.updateEntries([
        { entry: entry(0), fields: ['hint'] },
        { entry: entry(1), fields: ['admin'] },
        { entry: entry(2), fields: ['hint'] },
      ]);
      assert.deepEqual(outcomes.map((outcome) => outcome.entryId), ['own-0', 'own-1', 'own-2']);
    } finally {
      client.close();
    }
  });

  it('stops retrying when closed, with CANCELLED', async () => {
    let close = (): void => undefined;
    const { client } = clientFor({
      environment: { sleep: async () => close(), random: () => 0 },
    });
    close = () => client.close();
    await assert.rejects(client.countEntries(), (error) => error instanceof SpireCallError && error.code === status.CANCELLED && error.attempts === 1);
    await assert.rejects(client.countEntries(), (error) => error instanceof SpireCallError && error.code === status.CANCELLED);
  });

  it('refuses page and batch sizes below 1: page size 0 would ask for everything in one message', () => {
    assert.throws(() => createEntryClient({ socketPath, pageSize: 0 }), /pageSize 0 must be a whole number of at least 1/);
    assert.throws(() => createEntryClient({ socketPath, createBatchSize: 0 }), /createBatchSize 0/);
  });

  it('rejects a malformed SPIFFE ID in a filter before calling', async () => {
    const { client, retries } = clientFor();
    try {
      await assert.rejects(client.listEntries({ bySpiffeId: 'example.org/w' }), /does not start with spiffe:\/\//);
      assert.deepEqual(retries, []);
    } finally {
      client.close();
    }
  });
});
