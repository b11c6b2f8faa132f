import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import type { CredentialSource } from './aws-credentials.ts';

/** Where an EKS cluster's apiserver is and which CA signs its serving certificate. */
export interface ClusterEndpoint {
  readonly server: string;
  readonly caPem: string;
}

/**
 * Asks EKS where the cluster `clusterName` is. The client reads AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL
 * like every AWS SDK client, which is how tests point it at an emulator. Errors name the cluster.
 */
export async function describeEksCluster(clusterName: string, region: string, credentials: CredentialSource): Promise<ClusterEndpoint> {
  const eks = new EKSClient({ region, credentials });
  try {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName }));
    const where = `EKS cluster ${clusterName} in ${region}`;
    if (cluster?.status !== undefined && cluster.status !== 'ACTIVE') throw new Error(`${where} is ${cluster.status}, not ACTIVE`);
    const server = cluster?.endpoint ?? '';
    if (!/^https:\/\/[^/]+/.test(server)) throw new Error(`${where} has no https endpoint (got ${JSON.stringify(server)})`);
    const caPem = Buffer.from(cluster?.certificateAuthority?.data ?? '', 'base64').toString('utf8');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${where} has no certificate authority data`);
    return { server, caPem };
  } finally {
    eks.destroy();
  }
}

/** Whether a registry's account may be managed: any account when `allowed` is empty. */
export function accountAllowed(accountId: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.includes(accountId);
}
