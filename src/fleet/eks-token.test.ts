import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eksTokenPrefix, makeEksToken, stsHost } from './eks-token.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session/token+=' };
const now = new Date('2026-01-02T03:04:05Z');

function decode(token: string): URL {
  assert.ok(token.startsWith(eksTokenPrefix));
  const encoded = token.slice(eksTokenPrefix.length);
  assert.doesNotMatch(encoded, /[=+/]/, 'base64url without padding');
  return new URL(Buffer.from(encoded, 'base64url').toString());
}

test('a token is a presigned STS GetCallerIdentity URL for the regional STS host', async () => {
  const url = decode(await makeEksToken('prod-eks', 'us-west-2', credentials, now));
  assert.equal(url.protocol, 'https:');
  assert.equal(url.host, 'sts.us-west-2.amazonaws.com');
  assert.equal(url.pathname, '/');
  const q = url.searchParams;
  assert.equal(q.get('Action'), 'GetCallerIdentity');
  assert.equal(q.get('Version'), '2011-06-15');
  assert.equal(q.get('X-Amz-Expires'), '60');
  assert.equal(q.get('X-Amz-Date'), '20260102T030405Z');
  assert.equal(q.get('X-Amz-Credential'), 'AKIDEXAMPLE/20260102/us-west-2/sts/aws4_request');
  assert.equal(q.get('X-Amz-Security-Token'), 'session/token+=');
  assert.deepEqual(q.get('X-Amz-SignedHeaders')?.split(';'), ['host', 'x-k8s-aws-id']);
  assert.match(q.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
});

test('the signature covers the cluster name', async () => {
  const a = decode(await makeEksToken('cluster-a', 'us-west-2', credentials, now));
  const b = decode(await makeEksToken('cluster-b', 'us-west-2', credentials, now));
  assert.notEqual(a.searchParams.get('X-Amz-Signature'), b.searchParams.get('X-Amz-Signature'));
});

test('China regions use the amazonaws.com.cn partition', () => {
  assert.equal(stsHost('cn-north-1'), 'sts.cn-north-1.amazonaws.com.cn');
  assert.equal(stsHost('eu-central-1'), 'sts.eu-central-1.amazonaws.com');
});
