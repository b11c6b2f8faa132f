import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { eksTokenPrefix, makeEksToken, type AwsCredentials } from '../../src/fleet/eks-token.ts';
import { startFleet, type Fleet } from './fleet.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ workloadClusters: 2, spire: false });
});
after(() => fleet.stop());

function eks(region: string, credentials: AwsCredentials): EKSClient {
  return new EKSClient({ region, endpoint: fleet.moto.endpoint, credentials });
}

async function assumeRole(roleArn: string): Promise<AwsCredentials> {
  const sts = new STSClient({ region: 'us-west-2', endpoint: fleet.moto.endpoint, credentials: fleet.credentials });
  const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'rig-test' }));
  assert.ok(Credentials?.AccessKeyId && Credentials.SecretAccessKey && Credentials.SessionToken, 'AssumeRole returns credentials');
  return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
}

test('DescribeCluster returns the local apiserver endpoint and CA of each workload cluster', async () => {
  const [first, second] = fleet.workloads;
  assert.ok(first && second);
  const { cluster } = await eks(first.region, fleet.credentials).send(new DescribeClusterCommand({ name: first.clusterName }));
  assert.equal(cluster?.endpoint, first.apiServer.url);
  assert.equal(Buffer.from(cluster?.certificateAuthority?.data ?? '', 'base64').toString(), first.apiServer.caPem);
  // The second cluster lives in another account: reached only through its role.
  const crossAccount = eks(second.region, await assumeRole(second.assumeRoleArn));
  const answer = await crossAccount.send(new DescribeClusterCommand({ name: second.clusterName }));
  assert.equal(answer.cluster?.endpoint, second.apiServer.url);
  assert.equal(answer.cluster?.arn, `arn:aws:eks:${second.region}:${second.accountId}:cluster/${second.clusterName}`);
});

async function listPods(cluster: Fleet['workloads'][number], token: string): Promise<number> {
  return (await cluster.apiServer.request('GET', '/api/v1/pods', undefined, { token })).status;
}

test('a workload apiserver accepts an EKS token of the base keys and of an assumed role', async () => {
  const [first, second] = fleet.workloads;
  assert.ok(first && second);
  assert.equal(await listPods(first, await makeEksToken(first.clusterName, first.region, fleet.credentials, new Date())), 200);
  const roleCredentials = await assumeRole(second.assumeRoleArn);
  assert.equal(await listPods(second, await makeEksToken(second.clusterName, second.region, roleCredentials, new Date())), 200);
  // The user the token maps to has only what the registrar needs.
  const token = await makeEksToken(first.clusterName, first.region, fleet.credentials, new Date());
  assert.equal((await first.apiServer.request('GET', '/api/v1/secrets', undefined, { token })).status, 403);
});

test('expired, tampered, wrong-cluster and malformed tokens are refused', async () => {
  const [first, second] = fleet.workloads;
  assert.ok(first && second);
  const expired = await makeEksToken(first.clusterName, first.region, fleet.credentials, new Date(Date.now() - 16 * 60_000));
  const good = await makeEksToken(first.clusterName, first.region, fleet.credentials, new Date());
  const url = new URL(Buffer.from(good.slice(eksTokenPrefix.length), 'base64url').toString());
  // Re-date the signed request by one second without signing it again.
  const signedAt = url.searchParams.get('X-Amz-Date') ?? '';
  url.searchParams.set('X-Amz-Date', `${signedAt.slice(0, -3)}${signedAt.slice(-3, -1) === '00' ? '01' : '00'}Z`);
  const tampered = eksTokenPrefix + Buffer.from(url.toString()).toString('base64url');
  const forOtherCluster = await makeEksToken(second.clusterName, first.region, fleet.credentials, new Date());
  const before = fleet.webhook.reviews.length;
  for (const token of [expired, tampered, forOtherCluster, 'k8s-aws-v1.not*base64', 'garbage']) {
    assert.equal(await listPods(first, token), 401, `token ${token.slice(0, 40)} must be refused`);
  }
  assert.deepEqual(
    fleet.webhook.reviews.slice(before).map((r) => r.reason),
    ['token expired', 'signature does not match', 'signature does not match', 'token is not base64url', 'token does not start with k8s-aws-v1.'],
  );
});
