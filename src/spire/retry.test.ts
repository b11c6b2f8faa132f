import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetriesExhaustedError, withRetries, type RetryEnvironment, type RetryPolicy } from './retry.ts';

const policy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };

function fakeEnvironment(random = 0.5): RetryEnvironment & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => random,
  };
}

const unavailable = Object.assign(new Error('unavailable'), { retry: true });
const retryable = (error: unknown): boolean => error instanceof Error && 'retry' in error;

describe('withRetries', () => {
  it('retries retryable failures with backoff and returns the first success', async () => {
    const environment = fakeEnvironment();
    const attempts: number[] = [];
    const result = await withRetries(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw unavailable;
        return 'done';
      },
      retryable,
      policy,
      environment,
    );
    assert.equal(result, 'done');
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.deepEqual(environment.slept, [75, 150]);
  });

  it('throws a non-retryable error at once, as it is', async () => {
    const environment = fakeEnvironment();
    const fatal = new Error('invalid');
    await assert.rejects(withRetries(async () => Promise.reject(fatal), retryable, policy, environment), (error) => error === fatal);
    assert.deepEqual(environment.slept, []);
  });

  it('gives up after maxAttempts with the last error as the cause', async () => {
    const environment = fakeEnvironment(0);
    let calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw unavailable;
        },
        retryable,
        policy,
        environment,
      ),
      (error) => error instanceof RetriesExhaustedError && error.attempts === 5 && error.cause === unavailable,
    );
    assert.equal(calls, 5);
    assert.deepEqual(environment.slept, [50, 100, 200, 400]);
  });

  it('tells onRetry which attempt failed and how long it waits', async () => {
    const events: unknown[] = [];
    await withRetries(
      async (attempt) => {
        if (attempt === 1) throw unavailable;
        return 1;
      },
      retryable,
      policy,
      fakeEnvironment(1),
      { onRetry: (event) => events.push(event) },
    );
    assert.deepEqual(events, [{ attempt: 1, error: unavailable, delayMs: 100 }]);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const environment: RetryEnvironment = {
      sleep: async () => controller.abort(new Error('closed')),
      random: () => 0,
    };
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw unavailable;
        },
        retryable,
        policy,
        environment,
        { signal: controller.signal },
      ),
      /closed/,
    );
    assert.equal(calls, 1);
  });
});
