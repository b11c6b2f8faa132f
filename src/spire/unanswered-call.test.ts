import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { isUnansweredCall } from './unanswered-call.ts';

// Shaped as grpc-js's ServiceError: code and details.
const failure = (code: number, details: string): Error => Object.assign(new Error(`${code} ${details}`), { code, details });

describe('unanswered calls', () => {
  it('are UNAVAILABLE ones', () => {
    assert.ok(isUnansweredCall(failure(status.UNAVAILABLE, 'No connection established. Last error: Error: connect ENOENT /run/spire/api.sock')));
    assert.ok(isUnansweredCall(failure(status.UNAVAILABLE, 'Connection dropped')));
  });

  it('are streams closed before a gRPC status, as when the server is killed mid-call', () => {
    assert.ok(isUnansweredCall(failure(status.INTERNAL, 'Received RST_STREAM with code 0 (Call ended without gRPC status)')));
  });

  it('are not statuses the server sent, INTERNAL included', () => {
    assert.ok(!isUnansweredCall(failure(status.INTERNAL, 'failed to list entries: datastore-sql: database is locked')));
    assert.ok(!isUnansweredCall(failure(status.INTERNAL, 'Received RST_STREAM with code 2 (Internal server error)')));
    assert.ok(!isUnansweredCall(failure(status.DEADLINE_EXCEEDED, 'Deadline exceeded')));
    assert.ok(!isUnansweredCall(failure(status.INVALID_ARGUMENT, 'malformed SPIFFE ID filter')));
    assert.ok(!isUnansweredCall(new Error('plain')));
    assert.ok(!isUnansweredCall(undefined));
  });
});
