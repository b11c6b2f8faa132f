import { status } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpireService } from './entry-service.ts';
import { RetriesExhaustedError, withRetries, type RetryEnvironment, type RetryPolicy } from './retry.ts';
import { SpireCallError } from './spire-call-error.ts';
import { isUnansweredCall } from './unanswered-call.ts';

/** A retry a SPIRE client is about to make, for the caller's logs and metrics. */
export interface SpireRetryEvent {
  readonly rpc: string;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  readonly code: number;
  readonly details: string;
  readonly delayMs: number;
}

/** How the clients of spire-server's services make a call: ADR 4's deadline and retries, the same for every service. */
export interface SpireCallPolicy<Rpc extends string> {
  readonly service: SpireService<Rpc>;
  readonly socketPath: string;
  readonly callTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly environment: RetryEnvironment;
  /** Aborted when the client closes: ends retries in progress. */
  readonly closing: AbortSignal;
  readonly onCall?: ((rpc: Rpc) => void) | undefined;
  readonly onRetry?: ((event: SpireRetryEvent) => void) | undefined;
}

/** Sleep and randomness for the backoff, from timers and Math.random. */
export const realRetryEnvironment: RetryEnvironment = {
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, { signal });
  },
  random: Math.random,
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function codeOf(error: unknown): number | undefined {
  return isRecord(error) && typeof error.code === 'number' ? error.code : undefined;
}

function detailsOf(error: unknown): string {
  return isRecord(error) && typeof error.details === 'string' && error.details !== '' ? error.details : error instanceof Error ? error.message : String(error);
}

/**
 * One RPC with a deadline per attempt, retried with jittered backoff while the server does not answer
 * (isUnansweredCall); a failure is a SpireCallError naming the RPC, the code, the attempts and the socket.
 */
export async function callSpire<Rpc extends string>(policy: SpireCallPolicy<Rpc>, rpc: Rpc, request: object): Promise<unknown> {
  let attempts = 0;
  try {
    return await withRetries(
      (attempt) => {
        attempts = attempt;
        policy.onCall?.(rpc);
        return policy.service.call(rpc, request, new Date(Date.now() + policy.callTimeoutMs));
      },
      (error) => isUnansweredCall(error) && !policy.closing.aborted,
      policy.retry,
      policy.environment,
      {
        signal: policy.closing,
        onRetry: ({ attempt, error, delayMs }) => policy.onRetry?.({ rpc, attempt, code: codeOf(error) ?? status.UNKNOWN, details: detailsOf(error), delayMs }),
      },
    );
  } catch (error) {
    const last = error instanceof RetriesExhaustedError ? error.cause : error;
    if (policy.closing.aborted) throw new SpireCallError(rpc, status.CANCELLED, 'the client was closed', attempts, policy.socketPath, last);
    const code = codeOf(last);
    if (code === undefined) throw error;
    throw new SpireCallError(rpc, code, detailsOf(last), attempts, policy.socketPath, last);
  }
}
