import { status } from '@grpc/grpc-js';

/**
 * Whether a failed call ended without an answer from the server, so that the same call may be made
 * again (every call of the Entry client is idempotent: reads, and writes with client-chosen IDs):
 * - UNAVAILABLE: no connection (server down, socket missing) or the connection dropped;
 * - INTERNAL from grpc-js when the stream closed before any gRPC status came: a server killed in the
 *   middle of a call ends it with "Received RST_STREAM with code 0 (Call ended without gRPC status)".
 * Statuses the server sent (INTERNAL included) are answers, and are not retried.
 */
export function isUnansweredCall(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (code === status.UNAVAILABLE) return true;
  return code === status.INTERNAL && typeof details === 'string' && details.endsWith('(Call ended without gRPC status)');
}
