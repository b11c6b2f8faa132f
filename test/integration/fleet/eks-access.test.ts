import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterCredentials } from '../../../src/fleet/aws-credentials.ts';
import { describeEksCluster } from '../../../src/fleet/eks-cluster.ts';
import { eksTokenSource } from '../../../src/fleet/eks-token-source.ts';
import { startFleet, type Fleet } from '../../rig/fleet.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ workloadClusters: 2, spire: false });
  // The product reads the default AWS chain, as it would in a pod: here, the environment.
  Object.assign(process.env, fleet.awsEnv);
});
after(() => fleet.stop());

test('each cluster is found through EKS and accepts the tokens made for it, cross-account through the role', async () => {
  for (const cluster of fleet.workloads) {
    const credentials = clusterCredentials({ assumeRoleArn: cluster.assumeRoleArn, region: cluster.region });
    const endpoint = await describeEksCluster(cluster.clusterName, cluster.region, credentials);
    assert.deepEqual(endpoint, { server: cluster.apiServer.url, caPem: cluster.apiServer.caPem });
    const token = eksTokenSource(cluster.clusterName, cluster.region, credentials);
    const { status } = await cluster.apiServer.request('GET', '/api/v1/pods', undefined, { token: await token() });
    assert.equal(status, 200, `${cluster.clusterName} accepts the token`);
  }
  // The second cluster's token came from an assumed-role session of its own account.
  const review = fleet.webhook.reviews.findLast((r) => r.clusterName === 'workload-2');
  assert.match(review?.arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/spire-eks-workload-registrar\//);
});

test('a cluster EKS does not know is an error that names it', async () => {
  const credentials = clusterCredentials({ region: 'us-west-2' });
  await assert.rejects(describeEksCluster('no-such-cluster', 'us-west-2', credentials), /no-such-cluster/);
});
