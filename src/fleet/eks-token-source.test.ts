import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedCredentials } from './aws-credentials.ts';
import type { AwsCredentials } from './eks-token.ts';
import { eksTokenSource } from './eks-token-source.ts';

function clock(start: number): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('a token is reused until a minute before its 15 minutes run out', async () => {
  const c = clock(Date.UTC(2026, 0, 1));
  const credentials = async (): Promise<AwsCredentials> => ({ accessKeyId: 'AKID', secretAccessKey: 's' });
  const token = eksTokenSource('prod', 'us-west-2', credentials, c.now);
  const first = await token();
  c.advance(13 * 60_000);
  assert.equal(await token(), first);
  c.advance(60_000 + 1);
  const second = await token();
  assert.notEqual(second, first);
  c.advance(60_000);
  assert.equal(await token(), second);
});

test('a token is replaced before the credentials that signed it expire', async () => {
  const c = clock(Date.UTC(2026, 0, 1));
  let issued = 0;
  const credentials = async (): Promise<AwsCredentials> => ({
    accessKeyId: `ASIA${++issued}`,
    secretAccessKey: 's',
    sessionToken: 't',
    expiration: new Date(c.now() + 5 * 60_000),
  });
  const token = eksTokenSource('prod', 'us-west-2', credentials, c.now);
  const first = await token();
  c.advance(4 * 60_000 + 1);
  assert.notEqual(await token(), first);
  assert.equal(issued, 2);
});

test('credentials are cached until five minutes before they expire, and failures are not cached', async () => {
  const c = clock(Date.UTC(2026, 0, 1));
  let calls = 0;
  let fail = false;
  const source = cachedCredentials(async () => {
    calls++;
    if (fail) throw new Error('sts down');
    return { accessKeyId: `ASIA${calls}`, secretAccessKey: 's', expiration: new Date(c.now() + 60 * 60_000) };
  }, c.now);
  const [a, b] = await Promise.all([source(), source()]);
  assert.equal(calls, 1, 'concurrent callers share one fetch');
  assert.equal(a, b);
  c.advance(54 * 60_000);
  assert.equal(await source(), a);
  c.advance(60_000 + 1);
  fail = true;
  await assert.rejects(source(), /sts down/);
  fail = false;
  assert.equal((await source()).accessKeyId, 'ASIA3');
});
