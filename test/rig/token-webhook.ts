import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../src/fleet/eks-token.ts';
import { canonicalPrincipal, reviewEksToken, type KnownCredentials } from './eks-token-review.ts';

/** The Kubernetes user an IAM principal becomes in a cluster (as an EKS access entry maps it). */
export interface ClusterUser {
  readonly username: string;
  readonly groups: readonly string[];
}

/** What one workload apiserver's authenticator knows: its EKS cluster name and who may come in. */
export interface WebhookCluster {
  readonly clusterName: string;
  /** IAM principal ARN (a role's ARN for assumed-role sessions) -> user. */
  readonly access: ReadonlyMap<string, ClusterUser>;
}

export interface TokenWebhook {
  /** The URL a workload apiserver's webhook config names for the cluster `clusterName`. */
  urlFor(clusterName: string): string;
  /** Adds or replaces a cluster's access map. */
  setCluster(cluster: WebhookCluster): void;
  /** Every review so far, newest last, with its outcome: what tests inspect. */
  /** Every review, with the access key that signed the token and a digest of the token (to count distinct ones). */
  readonly reviews: readonly { clusterName: string; authenticated: boolean; reason: string; arn: string; accessKeyId: string; tokenDigest: string }[];
  close(): Promise<void>;
}

export interface TokenWebhookOptions {
  /** moto's endpoint: its STS names callers, its state holds the secrets of assumed-role sessions. */
  readonly awsEndpoint: string;
  /** Long-lived keys the rig hands out; STS knows their secrets from the start. */
  readonly staticCredentials: readonly AwsCredentials[];
}

/**
 * An aws-iam-authenticator stand-in for the rig's workload apiservers: reviews EKS tokens
 * (see eks-token-review.ts), learns the caller's ARN from STS and maps its principal to a user.
 */
export async function startTokenWebhook(options: TokenWebhookOptions): Promise<TokenWebhook> {
  const clusters = new Map<string, WebhookCluster>();
  const reviews: { clusterName: string; authenticated: boolean; reason: string; arn: string; accessKeyId: string; tokenDigest: string }[] = [];

  const lookup = async (accessKeyId: string): Promise<KnownCredentials | undefined> => {
    const credentials =
      options.staticCredentials.find((c) => c.accessKeyId === accessKeyId) ??
      (await assumedRoleCredentials(options.awsEndpoint, accessKeyId));
    if (credentials === undefined) return undefined;
    const sts = new STSClient({ endpoint: options.awsEndpoint, region: 'us-east-1', credentials });
    try {
      const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
      return Arn === undefined ? undefined : { ...credentials, arn: Arn };
    } finally {
      sts.destroy();
    }
  };

  const review = async (clusterName: string, token: string): Promise<{ user?: ClusterUser & { uid: string; arn: string }; reason: string; arn: string; accessKeyId: string }> => {
    const cluster = clusters.get(clusterName);
    if (cluster === undefined) return { reason: `no cluster ${clusterName}`, arn: '', accessKeyId: '' };
    const result = await reviewEksToken(token, { clusterName, now: new Date(), lookup });
    if (!result.authenticated) return { reason: result.reason, arn: '', accessKeyId: '' };
    const principal = canonicalPrincipal(result.arn);
    const user = cluster.access.get(principal);
    if (user === undefined) return { reason: `${principal} has no access to ${clusterName}`, arn: result.arn, accessKeyId: result.accessKeyId };
    return { user: { ...user, uid: `aws-iam-authenticator:${result.accessKeyId}`, arn: result.arn }, reason: '', arn: result.arn, accessKeyId: result.accessKeyId };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const { pathname } = new URL(req.url ?? '/', 'http://webhook');
      const clusterName = decodeURIComponent(pathname.replace(/^\/authenticate\//, ''));
      let status: Record<string, unknown>;
      try {
        const body = JSON.parse(await readBody(req)) as { spec?: { token?: unknown } };
        const token = typeof body.spec?.token === 'string' ? body.spec.token : '';
        const outcome = await review(clusterName, token);
        reviews.push({
          clusterName,
          authenticated: outcome.user !== undefined,
          reason: outcome.reason,
          arn: outcome.arn,
          accessKeyId: outcome.accessKeyId,
          tokenDigest: createHash('sha256').update(token).digest('hex').slice(0, 16),
        });
        status =
          outcome.user === undefined
            ? { authenticated: false, error: outcome.reason }
            : {
                authenticated: true,
                user: {
                  username: outcome.user.username,
                  uid: outcome.user.uid,
                  groups: outcome.user.groups,
                  extra: { arn: [outcome.user.arn] },
                },
              };
      } catch (error) {
        status = { authenticated: false, error: error instanceof Error ? error.message : String(error) };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('token webhook has no port');

  return {
    urlFor: (clusterName) => `http://127.0.0.1:${address.port}/authenticate/${encodeURIComponent(clusterName)}`,
    setCluster: (cluster) => clusters.set(cluster.clusterName, cluster),
    reviews,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface MotoAssumedRole {
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly session_token: string;
}

/** The secret of a session moto's STS handed out by AssumeRole, from moto's state. */
async function assumedRoleCredentials(awsEndpoint: string, accessKeyId: string): Promise<AwsCredentials | undefined> {
  const response = await fetch(new URL('/moto-api/data.json', awsEndpoint));
  if (!response.ok) throw new Error(`moto state: HTTP ${response.status}`);
  const state = (await response.json()) as { sts?: { AssumedRole?: MotoAssumedRole[] } };
  const role = state.sts?.AssumedRole?.find((r) => r.access_key_id === accessKeyId);
  return role === undefined
    ? undefined
    : { accessKeyId: role.access_key_id, secretAccessKey: role.secret_access_key, sessionToken: role.session_token };
}
