// The TrustDomain client's failure paths, over a real gRPC channel to a socket nobody listens on (so every
// call is UNAVAILABLE), with the backoff injected. The server paths are proven against a real
// spire-server in test/integration/spire/trust-domain.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { RetryEnvironment } from './retry.ts';
import { SpireCallError } from './spire-call-error.ts';
import { createTrustDomainClient, describeRelationshipOutcome, type TrustDomainClientOptions } from './trust-domain-client.ts';
import type { FederationRelationship } from './trust-domain-relationship.ts';

const dir = mkdtempSync(join(tmpdir(), 'trust-domain-client-'));
const socketPath = join(dir, 'nobody.sock');
after(() => rmSync(dir, { recursive: true, force: true }));

function relationship(trustDomain: string): FederationRelationship {
  return { trustDomain, bundleEndpointUrl: `https://${trustDomain}:8443`, bundleEndpointProfile: { type: 'https_web' } };
}

function clientFor(options: Partial<TrustDomainClientOptions> = {}) {
  const slept: number[] = [];
  const calls: string[] = [];
  const environment: RetryEnvironment = {
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0,
  };
  const client = createTrustDomainClient({ socketPath, retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 }, environment, onCall: (rpc) => calls.push(rpc), ...options });
  return { client, slept, calls };
}

describe('trust domain client without a server', () => {
  it('retries a listing the server does not answer with the Entry client’s backoff, then fails naming the RPC, the attempts and the socket', async () => {
    const { client, slept, calls } = clientFor();
    try {
      await assert.rejects(client.listFederationRelationships(), (error) => {
        assert.ok(error instanceof SpireCallError);
        assert.equal(error.code, status.UNAVAILABLE);
        assert.match(error.message, /^spire-server ListFederationRelationships failed after 3 attempts: UNAVAILABLE: .*is .*nobody\.sock its admin socket_path/);
        return true;
      });
      assert.deepEqual(slept, [50, 100]);
      assert.deepEqual(calls, ['ListFederationRelationships', 'ListFederationRelationships', 'ListFederationRelationships']);
    } finally {
      client.close();
    }
  });

  it('a batch whose call fails gives each relationship an outcome, in order: unknown whether written, not sent, or refused before sending', async () => {
    const { client, calls } = clientFor({ batchSize: 2, retry: { maxAttempts: 1 } });
    try {
      const bad: FederationRelationship = { ...relationship('c.org'), bundleEndpointUrl: 'http://c.org' };
      const outcomes = await client.createFederationRelationships([relationship('a.org'), bad, relationship('b.org'), relationship('d.org')]);
      assert.deepEqual(
        outcomes.map((outcome) => [outcome.trustDomain, outcome.kind, outcome.kind === 'error' ? outcome.callFailed ?? false : undefined]),
        [
          ['a.org', 'error', true],
          ['c.org', 'error', false],
          ['b.org', 'error', true],
          ['d.org', 'error', true],
        ],
      );
      assert.match(describeRelationshipOutcome(outcomes[0] ?? assert.fail()), /^federation relationship with a\.org: UNAVAILABLE: unknown whether written: spire-server BatchCreateFederationRelationship failed/);
      assert.match(describeRelationshipOutcome(outcomes[1] ?? assert.fail()), /^federation relationship with c\.org: INVALID_ARGUMENT: not sent: .*the scheme must be https/);
      assert.match(describeRelationshipOutcome(outcomes[3] ?? assert.fail()), /not sent: an earlier BatchCreateFederationRelationship failed/);
      // One call: the second batch is not sent after the first failed.
      assert.deepEqual(calls, ['BatchCreateFederationRelationship']);
      const deleted = await client.deleteFederationRelationships(['Bad Name']);
      assert.match(describeRelationshipOutcome(deleted[0] ?? assert.fail()), /INVALID_ARGUMENT: not sent: trust domain "Bad Name" is not a trust domain name/);
    } finally {
      client.close();
    }
  });

  it('updates with and without a bundle go in separate requests (one input mask each), outcomes in input order', async () => {
    const { client, calls } = clientFor({ retry: { maxAttempts: 1 } });
    try {
      const bundle = { trustDomain: 'b.org', x509Authorities: [], jwtAuthorities: [], refreshHintSeconds: 0, sequenceNumber: 0 };
      const outcomes = await client.updateFederationRelationships([relationship('a.org'), { ...relationship('b.org'), trustDomainBundle: bundle }, relationship('c.org')]);
      assert.deepEqual(outcomes.map((outcome) => outcome.trustDomain), ['a.org', 'b.org', 'c.org']);
      assert.deepEqual(calls, ['BatchUpdateFederationRelationship', 'BatchUpdateFederationRelationship']);
    } finally {
      client.close();
    }
  });

  it('a closed client ends its retries and fails as CANCELLED', async () => {
    const { client } = clientFor({ retry: { maxAttempts: 100 }, environment: { sleep: (ms, signal) => new Promise((resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error))), random: () => 0 } });
    const listing = client.listFederationRelationships();
    setTimeout(() => client.close(), 50);
    await assert.rejects(listing, (error) => error instanceof SpireCallError && error.code === status.CANCELLED);
  });
});
