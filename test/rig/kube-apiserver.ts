import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { componentPath } from './components.ts';
import type { Etcd } from './etcd.ts';
import { freePort, waitUntilReady, type ProcessGroup, type RigProcess } from './processes.ts';

export interface ApiServerOptions {
  /** Names the server's files and its etcd prefix. */
  readonly name: string;
  readonly etcd: Etcd;
  /** A TokenReview webhook that authenticates bearer tokens the admin token file does not know. */
  readonly tokenWebhookUrl?: string;
  /** More kube-apiserver flags, e.g. `--watch-cache-sizes=configmaps#0` to watch etcd directly. */
  readonly extraArgs?: readonly string[];
}

/** What a request to the rig's apiserver may say beyond its method, path and body. */
export interface ApiRequestOptions {
  /** The bearer token; default the admin token. */
  readonly token?: string;
  /** Default `application/json`; e.g. `application/merge-patch+json` for a merge patch. */
  readonly contentType?: string;
  /** Default `application/json`; e.g. `application/json;as=Table;v=v1;g=meta.k8s.io` for Table output. */
  readonly accept?: string;
}

/** The apiserver's answer. */
export interface ApiResponse {
  readonly status: number;
  /** Parsed JSON when the answer is JSON, else its text (e.g. `/readyz` says `ok`). */
  readonly body: unknown;
  /** The apiserver's `Warning` headers (e.g. unknown fields it dropped); empty if none. */
  readonly warnings: readonly string[];
}

/** A running kube-apiserver of the rig. */
export interface ApiServer {
  readonly name: string;
  /** `https://127.0.0.1:<port>`; the same across restarts. */
  readonly url: string;
  /** The serving certificate (self-signed, so also the CA), PEM. */
  readonly caPem: string;
  /** The admin (system:masters) bearer token. */
  readonly adminToken: string;
  /** A kubeconfig file with admin access. */
  readonly kubeconfigPath: string;
  readonly process: () => RigProcess;
  /**
   * Sends `body` (if any) as JSON, as admin unless `options` names a token;
   * resolves with the status, the parsed body and the warnings.
   */
  request(method: string, path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiResponse>;
  stop(): Promise<void>;
  /** Starts it again on the same port, certificate and etcd prefix, after `stop`. */
  start(): Promise<void>;
}

/** Starts a kube-apiserver on a free loopback port, storing under `/registry-<name>` in the shared etcd. */
export async function startApiServer(group: ProcessGroup, options: ApiServerOptions): Promise<ApiServer> {
  const dir = join(group.dir, options.name);
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},rig-admin,rig-admin,"system:masters"\n`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const args = [
    `--etcd-servers=${options.etcd.endpoint}`,
    `--etcd-prefix=/registry-${options.name}`,
    `--cert-dir=${certDir}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--authorization-mode=RBAC',
    // No controller manager creates default service accounts, so pods could not be admitted with it.
    '--disable-admission-plugins=ServiceAccount',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--profiling=false',
    ...(options.extraArgs ?? []),
  ];
  if (options.tokenWebhookUrl !== undefined) {
    const webhookConfig = join(dir, 'token-webhook.kubeconfig');
    writeFileSync(
      webhookConfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'webhook', cluster: { server: options.tokenWebhookUrl } }],
        users: [{ name: 'apiserver', user: {} }],
        contexts: [{ name: 'webhook', context: { cluster: 'webhook', user: 'apiserver' } }],
        'current-context': 'webhook',
      }),
    );
    args.push(
      `--authentication-token-webhook-config-file=${webhookConfig}`,
      '--authentication-token-webhook-version=v1',
      // No caching, so that a refused or expired token is refused on its next use, as tests expect.
      '--authentication-token-webhook-cache-ttl=0s',
    );
  }

  let proc: RigProcess | undefined;
  let caPem = '';
  const send = (method: string, path: string, body?: unknown, how: ApiRequestOptions = {}): Promise<ApiResponse> =>
    httpsJson(url, caPem, method, path, body, { ...how, token: how.token ?? adminToken });
  const start = async (): Promise<void> => {
    proc = group.start(options.name, componentPath('kube-apiserver'), { args });
    await waitUntilReady(
      proc,
      async () => {
        // The serving certificate appears once the server has generated it, before it serves.
        caPem ||= readFileSync(join(certDir, 'apiserver.crt'), 'utf8');
        return (await send('GET', '/readyz')).status === 200;
      },
      120_000,
    );
  };
  await start();

  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  writeFileSync(kubeconfigPath, adminKubeconfig(options.name, url, caPem, adminToken));
  return {
    name: options.name,
    url,
    caPem,
    adminToken,
    kubeconfigPath,
    process: () => {
      if (proc === undefined) throw new Error(`${options.name} was never started`);
      return proc;
    },
    request: send,
    stop: async () => proc?.stop(),
    start,
  };
}

/** A kubeconfig with one cluster, one bearer-token user and one context, all named `name`. */
export function adminKubeconfig(name: string, url: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });
}

function httpsJson(
  base: string,
  caPem: string,
  method: string,
  path: string,
  body: unknown,
  options: ApiRequestOptions & { readonly token: string },
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        method,
        ca: caPem,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: options.accept ?? 'application/json',
          'content-type': options.contentType ?? 'application/json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (e.g. /readyz says "ok", or a plain-text error): keep the text.
          }
          // One entry per Warning header (res.headers would join repeated ones with commas).
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings: res.headersDistinct.warning ?? [] });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
