import { status } from '@grpc/grpc-js';
import { groupBy, splitIntoBatches } from './batches.ts';
import { openSpireService, type SpireService, type SpireServiceDefinition } from './entry-service.ts';
import { defaultRetryPolicy, type RetryEnvironment, type RetryPolicy } from './retry.ts';
import { callSpire, isRecord, realRetryEnvironment, type SpireCallPolicy, type SpireRetryEvent } from './spire-call.ts';
import { SpireCallError } from './spire-call-error.ts';
import { validateTrustDomain } from './spiffe-id.ts';
import { relationshipFromMessage, relationshipToMessage } from './trust-domain-message.ts';
import type { FederationRelationship } from './trust-domain-relationship.ts';
import { statusName } from './write-outcome.ts';

/** The TrustDomain API RPCs the client calls. */
export type TrustDomainRpc = 'ListFederationRelationships' | 'BatchCreateFederationRelationship' | 'BatchUpdateFederationRelationship' | 'BatchDeleteFederationRelationship';

const trustDomainService: SpireServiceDefinition<TrustDomainRpc> = {
  file: 'trust-domain-service.proto',
  service: 'spire.api.server.trustdomain.v1.TrustDomain',
  rpcs: ['ListFederationRelationships', 'BatchCreateFederationRelationship', 'BatchUpdateFederationRelationship', 'BatchDeleteFederationRelationship'],
};

/** What happened to one relationship of a batched write, keyed by its trust domain. */
export type RelationshipWriteOutcome =
  | { readonly kind: 'ok'; readonly trustDomain: string }
  /** Update or delete: the server has no relationship with this trust domain. */
  | { readonly kind: 'not-found'; readonly trustDomain: string; readonly message: string }
  | {
      readonly kind: 'error';
      readonly trustDomain: string;
      /** The gRPC status code. */
      readonly code: number;
      readonly message: string;
      /** The call failed as a whole (unknown whether written, or not sent), not the relationship. */
      readonly callFailed?: boolean;
    };

/** One line a user can act on: which trust domain, what happened. */
export function describeRelationshipOutcome(outcome: RelationshipWriteOutcome): string {
  const which = `federation relationship with ${outcome.trustDomain}`;
  if (outcome.kind === 'ok') return `${which}: written`;
  if (outcome.kind === 'not-found') return `${which}: NOT_FOUND: ${outcome.message}`;
  return `${which}: ${statusName(outcome.code)}: ${outcome.message}`;
}

/**
 * The calls the registrar makes to spire-server's TrustDomain API; what the federation reconciler takes,
 * and all a fake needs. The listing throws SpireCallError; the writes return one outcome per input, in
 * input order, as the Entry client's do.
 */
export interface TrustDomainClient {
  /** Every federation relationship of the server (without bundles), read page by page. */
  listFederationRelationships(): Promise<FederationRelationship[]>;
  createFederationRelationships(relationships: readonly FederationRelationship[]): Promise<RelationshipWriteOutcome[]>;
  /** Writes the URL and profile, and the bundle of those that carry one. */
  updateFederationRelationships(relationships: readonly FederationRelationship[]): Promise<RelationshipWriteOutcome[]>;
  deleteFederationRelationships(trustDomains: readonly string[]): Promise<RelationshipWriteOutcome[]>;
}

/** The client createTrustDomainClient makes: TrustDomainClient, and close for its owner. */
export interface SpireTrustDomainClient extends TrustDomainClient {
  /** Ends retries in progress and closes the channel; calls after this fail. */
  close(): void;
}

export interface TrustDomainClientOptions {
  /** The path of spire-server's admin Unix socket (its `socket_path`). */
  readonly socketPath: string;
  /** The deadline of each attempt of each call. Default 30 000 ms. */
  readonly callTimeoutMs?: number;
  /** Retries of calls the server did not answer. Default {@link defaultRetryPolicy}, as the Entry client. */
  readonly retry?: Partial<RetryPolicy>;
  /** Relationships per ListFederationRelationships page. Default 200. */
  readonly pageSize?: number;
  /** Relationships per batched write (create, update, delete). Default 50. */
  readonly batchSize?: number;
  /** The most bytes of relationships (as JSON, larger than protobuf) in one batch. Default 1 MiB, a quarter of the server's limit. */
  readonly maxBatchBytes?: number;
  /** The largest response accepted. Default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Told before each request sent to the server, retries included. */
  readonly onCall?: (rpc: TrustDomainRpc) => void;
  /** Told before each retry. */
  readonly onRetry?: (event: SpireRetryEvent) => void;
  /** Sleep and randomness for the backoff; tests inject their own. */
  readonly environment?: RetryEnvironment;
}

// Output masks: listings leave the bundle out (the server keeps it current itself; it is not compared).
const withoutBundle = { bundle_endpoint_url: true, bundle_endpoint_profile: true, trust_domain_bundle: false };
const withBundle = { ...withoutBundle, trust_domain_bundle: true };

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} ${value} must be a whole number of at least 1`);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A client for the TrustDomain API on spire-server's admin socket, with the Entry client's deadline, retries and size rules (ADR 4). */
export function createTrustDomainClient(options: TrustDomainClientOptions): SpireTrustDomainClient {
  const closing = new AbortController();
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const service: SpireService<TrustDomainRpc> = openSpireService(trustDomainService, {
    socketPath: options.socketPath,
    maxReceiveMessageBytes: positive('maxReceiveMessageBytes', options.maxReceiveMessageBytes ?? 4 * 1024 * 1024),
    maxReconnectBackoffMs: retry.maxDelayMs,
  });
  const policy: SpireCallPolicy<TrustDomainRpc> = {
    service,
    socketPath: options.socketPath,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    retry,
    environment: options.environment ?? realRetryEnvironment,
    closing: closing.signal,
    onCall: options.onCall,
    onRetry: options.onRetry,
  };
  const pageSize = positive('pageSize', options.pageSize ?? 200);
  const batchSize = positive('batchSize', options.batchSize ?? 50);
  const maxBatchBytes = positive('maxBatchBytes', options.maxBatchBytes ?? 1024 * 1024);
  const invalid = (rpc: TrustDomainRpc, reason: string): SpireCallError => new SpireCallError(rpc, status.INTERNAL, `invalid response: ${reason}`, 1, options.socketPath);

  /** Encodes each input (one that cannot be encoded fails alone), sends in batches, reads one result per input. */
  async function write<T>(rpc: TrustDomainRpc, inputs: readonly T[], trustDomainOf: (input: T) => string, encode: (input: T) => unknown, request: (messages: unknown[]) => object): Promise<RelationshipWriteOutcome[]> {
    const outcomes: RelationshipWriteOutcome[] = [];
    const encoded: { index: number; trustDomain: string; message: unknown; bytes: number }[] = [];
    inputs.forEach((input, index) => {
      const trustDomain = trustDomainOf(input);
      try {
        const message = encode(input);
        encoded.push({ index, trustDomain, message, bytes: JSON.stringify(message).length });
      } catch (error) {
        outcomes[index] = { kind: 'error', trustDomain, code: status.INVALID_ARGUMENT, message: `not sent: ${messageOf(error)}` };
      }
    });
    const batches = splitIntoBatches(encoded, batchSize, maxBatchBytes, (item) => item.bytes);
    for (const [number, batch] of batches.entries()) {
      let results: unknown[];
      try {
        const response = await callSpire(policy, rpc, request(batch.map((item) => item.message)));
        if (!isRecord(response) || !Array.isArray(response.results)) throw invalid(rpc, 'expected {results}');
        if (response.results.length !== batch.length) throw invalid(rpc, `${response.results.length} results for ${batch.length} relationships`);
        results = response.results as unknown[];
      } catch (error) {
        const code = error instanceof SpireCallError ? error.code : status.INTERNAL;
        for (const item of batch) outcomes[item.index] = { kind: 'error', trustDomain: item.trustDomain, code, message: `unknown whether written: ${messageOf(error)}`, callFailed: true };
        for (const later of batches.slice(number + 1)) {
          for (const item of later) outcomes[item.index] = { kind: 'error', trustDomain: item.trustDomain, code, message: `not sent: an earlier ${rpc} failed: ${messageOf(error)}`, callFailed: true };
        }
        break;
      }
      batch.forEach((item, index) => {
        const result = results[index];
        const resultStatus = isRecord(result) && isRecord(result.status) ? result.status : undefined;
        const code = typeof resultStatus?.code === 'number' ? resultStatus.code : undefined;
        const message = typeof resultStatus?.message === 'string' ? resultStatus.message : '';
        if (code === undefined) outcomes[item.index] = { kind: 'error', trustDomain: item.trustDomain, code: status.INTERNAL, message: `spire-server sent an invalid result: ${JSON.stringify(result)}` };
        else if (code === status.OK) outcomes[item.index] = { kind: 'ok', trustDomain: item.trustDomain };
        else if (code === status.NOT_FOUND) outcomes[item.index] = { kind: 'not-found', trustDomain: item.trustDomain, message };
        else outcomes[item.index] = { kind: 'error', trustDomain: item.trustDomain, code, message };
      });
    }
    return outcomes;
  }

  return {
    async listFederationRelationships() {
      const relationships: FederationRelationship[] = [];
      const tokens = new Set<string>();
      let pageToken = '';
      for (;;) {
        const response = await callSpire(policy, 'ListFederationRelationships', { output_mask: withoutBundle, page_size: pageSize, page_token: pageToken });
        if (!isRecord(response) || !Array.isArray(response.federation_relationships) || typeof response.next_page_token !== 'string') {
          throw invalid('ListFederationRelationships', 'expected {federation_relationships, next_page_token}');
        }
        for (const message of response.federation_relationships as unknown[]) {
          try {
            relationships.push(relationshipFromMessage(message));
          } catch (error) {
            throw invalid('ListFederationRelationships', messageOf(error));
          }
        }
        const next = response.next_page_token;
        if (next === '') return relationships;
        if (tokens.has(next)) throw invalid('ListFederationRelationships', `page token ${JSON.stringify(next)} came back twice`);
        tokens.add(next);
        pageToken = next;
      }
    },
    createFederationRelationships(relationships) {
      return write('BatchCreateFederationRelationship', relationships, (r) => r.trustDomain, relationshipToMessage, (messages) => ({ federation_relationships: messages, output_mask: withoutBundle }));
    },
    async updateFederationRelationships(relationships) {
      // One input mask per request: those with a bundle to set travel apart from those without.
      const outcomes: RelationshipWriteOutcome[] = [];
      const indexed = relationships.map((relationship, index) => ({ relationship, index }));
      for (const group of groupBy(indexed, (item) => String(item.relationship.trustDomainBundle !== undefined))) {
        const mask = group[0]?.relationship.trustDomainBundle === undefined ? withoutBundle : withBundle;
        const written = await write(
          'BatchUpdateFederationRelationship',
          group.map((item) => item.relationship),
          (r) => r.trustDomain,
          relationshipToMessage,
          (messages) => ({ federation_relationships: messages, input_mask: mask, output_mask: withoutBundle }),
        );
        group.forEach((item, index) => (outcomes[item.index] = written[index] as RelationshipWriteOutcome));
      }
      return outcomes;
    },
    deleteFederationRelationships(trustDomains) {
      return write('BatchDeleteFederationRelationship', trustDomains, (td) => td, validateTrustDomain, (messages) => ({ trust_domains: messages }));
    },
    close() {
      closing.abort(new Error('the SPIRE trust domain client was closed'));
      service.close();
    },
  };
}
