import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eksTokenPrefix, makeEksToken } from '../../src/fleet/eks-token.ts';
import { canonicalPrincipal, reviewEksToken, type KnownCredentials } from './eks-token-review.ts';

const known: KnownCredentials = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'secret-key',
  sessionToken: 'session-token',
  arn: 'arn:aws:sts::111111111111:assumed-role/Registrar/session',
};
const signedAt = new Date('2026-03-04T05:06:07Z');
const context = {
  clusterName: 'prod-eks',
  now: new Date(signedAt.getTime() + 60_000),
  lookup: async (id: string) => (id === known.accessKeyId ? known : undefined),
};

function tokenUrl(token: string): URL {
  return new URL(Buffer.from(token.slice(eksTokenPrefix.length), 'base64url').toString());
}
function tokenOf(url: URL | string): string {
  return eksTokenPrefix + Buffer.from(url.toString()).toString('base64url');
}
async function validToken(): Promise<string> {
  return makeEksToken('prod-eks', 'us-west-2', known, signedAt);
}
async function refusal(token: string, overrides: Partial<typeof context> = {}): Promise<string> {
  const result = await reviewEksToken(token, { ...context, ...overrides });
  assert.equal(result.authenticated, false, 'expected the token to be refused');
  return result.authenticated ? '' : result.reason;
}

test('a token made the EKS way for this cluster is accepted with its caller', async () => {
  assert.deepEqual(await reviewEksToken(await validToken(), context), {
    authenticated: true,
    arn: known.arn,
    accessKeyId: known.accessKeyId,
  });
});

test('a token signed for another cluster is refused', async () => {
  assert.equal(await refusal(await validToken(), { clusterName: 'other-eks' }), 'signature does not match');
});

test('a token edited after signing is refused', async () => {
  const url = tokenUrl(await validToken());
  url.searchParams.set('X-Amz-Expires', '900');
  assert.equal(await refusal(tokenOf(url)), 'signature does not match');
});

test('an expired token is refused', async () => {
  const now = new Date(signedAt.getTime() + 15 * 60_000 + 1000);
  assert.equal(await refusal(await validToken(), { now }), 'token expired');
});

test('malformed tokens are refused with the reason', async () => {
  const good = tokenUrl(await validToken());
  assert.match(await refusal('Bearer something'), /does not start with k8s-aws-v1/);
  assert.equal(await refusal(`${eksTokenPrefix}a+b/c==`), 'token is not base64url');
  assert.equal(await refusal(eksTokenPrefix + 'x'.repeat(5000)), 'token is longer than 4 KB');
  assert.equal(await refusal(tokenOf(good.toString().replace('https:', 'http:'))), 'URL is not https');
  assert.match(await refusal(tokenOf(good.toString().replace('sts.us-west-2.amazonaws.com', 'evil.example.com'))), /not an STS host/);
  assert.equal(await refusal(tokenOf(`${good.toString()}&Action=GetCallerIdentity`)), 'query parameter Action appears twice');
  assert.match(await refusal(tokenOf(`${good.toString()}&Foo=1`)), /Foo is not allowed/);
  const otherAction = new URL(good);
  otherAction.searchParams.set('Action', 'AssumeRole');
  assert.equal(await refusal(tokenOf(otherAction)), 'action is not GetCallerIdentity');
  const unsignedCluster = new URL(good);
  unsignedCluster.searchParams.set('X-Amz-SignedHeaders', 'host');
  assert.equal(await refusal(tokenOf(unsignedCluster)), 'x-k8s-aws-id is not a signed header');
});

test('an unknown access key or a wrong session token is refused', async () => {
  const stranger = await makeEksToken('prod-eks', 'us-west-2', { ...known, accessKeyId: 'ASIASTRANGER' }, signedAt);
  assert.equal(await refusal(stranger), 'access key ASIASTRANGER is not known');
  const wrongSession = await makeEksToken('prod-eks', 'us-west-2', { ...known, sessionToken: 'other' }, signedAt);
  assert.equal(await refusal(wrongSession), 'security token does not match');
});

test('assumed-role sessions map to their role', () => {
  assert.equal(canonicalPrincipal(known.arn), 'arn:aws:iam::111111111111:role/Registrar');
  assert.equal(canonicalPrincipal('arn:aws:iam::111111111111:user/alice'), 'arn:aws:iam::111111111111:user/alice');
});
