import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { AwsCredentials } from '../../src/fleet/eks-token.ts';
import { startEtcd, type Etcd } from './etcd.ts';
import { startApiServer, type ApiServer } from './kube-apiserver.ts';
import { startMoto, type Moto } from './moto.ts';
import { ProcessGroup } from './processes.ts';
import { startSpireServer, type SpireDatastoreKind, type SpireServer } from './spire-server.ts';
import { startTokenWebhook, type ClusterUser, type TokenWebhook } from './token-webhook.ts';

/** The account moto puts callers with the rig's base keys in. */
export const baseAccountId = '123456789012';
/** The Kubernetes user and group the controller's AWS principals become in every workload cluster. */
export const registrarUser: ClusterUser = { username: 'spire-eks-workload-registrar', groups: ['spire-eks-workload-registrar'] };

/** A simulated EKS cluster: an apiserver that moto's DescribeCluster points at. */
export interface WorkloadCluster {
  /** The EKS cluster name (spec.clusterName of its EKSClusterRegistry). */
  readonly clusterName: string;
  readonly region: string;
  readonly accountId: string;
  /** The role to assume to reach it ('' for the base account, reached with the base keys). */
  readonly assumeRoleArn: string;
  readonly apiServer: ApiServer;
}

export interface FleetOptions {
  /** How many workload clusters; default 2. */
  readonly workloadClusters?: number;
  /** Start spire-server; default true. */
  readonly spire?: boolean;
  /** spire-server's datastore: `sqlite3` (default, nothing more to start) or `postgres` (a PostgreSQL of its own). */
  readonly spireDatastore?: SpireDatastoreKind;
  /** Default `example.org`. */
  readonly trustDomain?: string;
  /** More kube-apiserver flags for the management apiserver only (an audit log, say); default none. */
  readonly managementArgs?: readonly string[];
}

export interface Fleet {
  readonly dir: string;
  /** The etcd every apiserver of the fleet stores in, each under its own prefix. */
  readonly etcd: Etcd;
  readonly management: ApiServer;
  readonly workloads: readonly WorkloadCluster[];
  readonly spire: SpireServer | undefined;
  readonly moto: Moto;
  readonly webhook: TokenWebhook;
  /** The long-lived AWS keys of the controller's base identity. */
  readonly credentials: AwsCredentials;
  /** Environment for a process that should reach this fleet's AWS the way the controller does. */
  readonly awsEnv: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Starts a local fleet: one etcd shared by a management apiserver and `workloadClusters` workload
 * apiservers, moto answering DescribeCluster for each workload cluster with its apiserver's endpoint and
 * CA, the token webhook that lets those apiservers accept EKS tokens, and a spire-server. The first
 * workload cluster lives in the base account; the others in accounts of their own, reached by assuming a
 * role there (the seed's cross-account setup). On any failure everything started is stopped.
 */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const group = new ProcessGroup('fleet-');
  let webhook: TokenWebhook | undefined;
  try {
    return await startIn(group, options, (started) => (webhook = started));
  } catch (error) {
    await webhook?.close();
    await group.stopAll();
    throw error;
  }
}

async function startIn(group: ProcessGroup, options: FleetOptions, onWebhook: (webhook: TokenWebhook) => void): Promise<Fleet> {
  const count = options.workloadClusters ?? 2;
  const credentials: AwsCredentials = { accessKeyId: 'AKIARIGBASEKEY000001', secretAccessKey: 'rig-base-secret-access-key' };
  const etcd: Etcd = await startEtcd(group);
  const spire =
    options.spire === false
      ? undefined
      : await startSpireServer(group, { trustDomain: options.trustDomain ?? 'example.org', datastore: options.spireDatastore ?? 'sqlite3' });

  // The webhook needs moto's address, and moto needs the apiservers' addresses: start the webhook with a
  // late-bound endpoint so that the apiservers can name it first.
  let awsEndpoint = '';
  const webhook = await startTokenWebhook({
    get awsEndpoint() {
      return awsEndpoint;
    },
    staticCredentials: [credentials],
  });
  onWebhook(webhook);
  const management = await startApiServer(group, { name: 'management', etcd, extraArgs: options.managementArgs });
  const workloads: WorkloadCluster[] = [];
  for (let i = 1; i <= count; i++) {
    const clusterName = `workload-${i}`;
    const accountId = i === 1 ? baseAccountId : String(i).repeat(12).slice(0, 12);
    const assumeRoleArn = i === 1 ? '' : `arn:aws:iam::${accountId}:role/spire-eks-workload-registrar`;
    const apiServer = await startApiServer(group, { name: clusterName, etcd, tokenWebhookUrl: webhook.urlFor(clusterName) });
    await grantRegistrarAccess(apiServer);
    webhook.setCluster({
      clusterName,
      access: new Map([
        [`arn:aws:sts::${baseAccountId}:user/moto`, registrarUser],
        ...(assumeRoleArn ? ([[assumeRoleArn, registrarUser]] as const) : []),
      ]),
    });
    workloads.push({ clusterName, region: i % 2 === 1 ? 'us-west-2' : 'us-east-1', accountId, assumeRoleArn, apiServer });
  }
  const moto = await startMoto(
    group,
    workloads.map((w) => ({ name: w.clusterName, region: w.region, accountId: w.accountId, endpoint: w.apiServer.url, caPem: w.apiServer.caPem })),
  );
  awsEndpoint = moto.endpoint;
  const awsEnv = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-west-2',
  };
  writeFileSync(join(group.dir, 'aws.env'), Object.entries(awsEnv).map(([k, v]) => `export ${k}=${v}\n`).join(''));
  return {
    dir: group.dir,
    etcd,
    management,
    workloads,
    spire,
    moto,
    webhook,
    credentials,
    awsEnv,
    stop: async () => {
      await webhook.close();
      await group.stopAll();
    },
  };
}

/** What the controller may read in a workload cluster: config/workload-cluster/, as a user applies it. */
export async function grantRegistrarAccess(apiServer: ApiServer): Promise<void> {
  const dir = fileURLToPath(new URL('../../config/workload-cluster/', import.meta.url));
  const paths: Record<string, string> = {
    ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    ClusterRoleBinding: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  };
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  for (const file of kustomization.resources) {
    const object = parse(readFileSync(join(dir, file), 'utf8')) as { kind: string };
    const path = paths[object.kind];
    if (path === undefined) throw new Error(`config/workload-cluster/${file}: the rig does not apply a ${object.kind}`);
    const { status, body } = await apiServer.request('POST', path, object);
    if (status !== 201) throw new Error(`${apiServer.name}: config/workload-cluster/${file}: HTTP ${status}: ${JSON.stringify(body)}`);
  }
}
