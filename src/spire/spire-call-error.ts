import { status } from '@grpc/grpc-js';
import { statusName } from './write-outcome.ts';

/** A call to spire-server's Entry API that failed as a whole (not one entry of a batch), after any retries. */
export class SpireCallError extends Error {
  /** The RPC, e.g. `BatchCreateEntry`. */
  readonly rpc: string;
  /** The gRPC status code of the last attempt. */
  readonly code: number;
  /** The server's (or gRPC's) own words. */
  readonly details: string;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(rpc: string, code: number, details: string, attempts: number, socketPath: string, cause?: unknown) {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    super(`spire-server ${rpc} failed${tries}: ${statusName(code)}: ${details}${hint(code, socketPath)}`, { cause });
    this.name = 'SpireCallError';
    this.rpc = rpc;
    this.code = code;
    this.details = details;
    this.attempts = attempts;
  }
}

function hint(code: number, socketPath: string): string {
  switch (code) {
    case status.UNAVAILABLE:
      return ` (is spire-server running, and is ${socketPath} its admin socket_path?)`;
    case status.DEADLINE_EXCEEDED:
      return ' (the server did not answer within the call timeout; it may be overloaded, or the timeout too short for the batch size)';
    case status.PERMISSION_DENIED:
    case status.UNAUTHENTICATED:
      return ` (the Entry API's admin methods need the server's admin socket; is ${socketPath} the socket_path of spire-server's config?)`;
    case status.UNIMPLEMENTED:
      return ` (the server at ${socketPath} does not serve spire.api.server.entry.v1.Entry: is it a spire-server of version 1.x?)`;
    case status.RESOURCE_EXHAUSTED:
      return ' (a message exceeded the gRPC size limit: use smaller pages or batches)';
    default:
      return '';
  }
}
