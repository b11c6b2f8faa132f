import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { parseManifests } from '../api/manifests.ts';
import { validate } from '../api/validation.ts';
import type { ClusterCredentials, ClusterCredentialSource } from './cluster-credentials.ts';

// Written here rather than taken from client-node: its KubeConfig imports the whole generated API,
// +76 MiB RSS for a process that only needs the management cluster's credentials (docs/adr/0013).

/** Token, CA and certificate files are read again after this long: projected tokens rotate (as client-go). */
export const fileRefreshMs = 60_000;
/** An exec plugin's credential is replaced this long before its expirationTimestamp. */
export const execRefreshMarginMs = 60_000;
/** How long an exec plugin may run. */
export const execTimeoutMs = 30_000;
const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';
const execApiVersions = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

export interface CredentialOptions {
  /** The environment exec plugins run in (their own `env` added). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch, for file refreshes and exec credential expiry. Default `Date.now`. */
  readonly now?: () => number;
}

// Only the fields used are checked; the others (preferences, extensions) are ignored, as kubectl does.
const text = z.string().nullish();
const name = z.string().min(1);
const clusterSchema = z.object({
  server: text,
  'certificate-authority': text,
  'certificate-authority-data': text,
  'insecure-skip-tls-verify': z.boolean().nullish(),
  'tls-server-name': text,
});
const execSchema = z.object({
  apiVersion: text,
  command: text,
  args: z.array(z.string()).nullish(),
  env: z.array(z.object({ name: z.string(), value: z.string() })).nullish(),
  provideClusterInfo: z.boolean().nullish(),
  interactiveMode: text,
  installHint: text,
});
const userSchema = z.object({
  token: text,
  tokenFile: text,
  'client-certificate': text,
  'client-certificate-data': text,
  'client-key': text,
  'client-key-data': text,
  exec: execSchema.nullish(),
  // Refused when the current context uses them, saying what to use instead.
  username: text,
  password: text,
  'auth-provider': z.unknown().optional(),
});
const kubeconfigSchema = z.object({
  'current-context': text,
  clusters: z.array(z.object({ name, cluster: clusterSchema.nullish() })).nullish(),
  contexts: z.array(z.object({ name, context: z.object({ cluster: text, user: text }).nullish() })).nullish(),
  users: z.array(z.object({ name, user: userSchema.nullish() })).nullish(),
});
type Kubeconfig = z.output<typeof kubeconfigSchema>;
type KubeconfigFile = { readonly path: string; readonly config: Kubeconfig };

/** Inline text (a token, a decoded `-data` field), or a file read when needed; `where` names its field. */
type Material = { readonly value: string } | { readonly file: string; readonly where: string };
interface ExecPlugin {
  readonly where: string;
  readonly apiVersion: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly installHint?: string;
}
/** What the credentials are made of: the kubeconfig's current context (or the in-cluster config), resolved. */
interface Target {
  readonly server: string;
  readonly ca?: Material;
  readonly tlsServerName?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly token?: Material;
  readonly clientCert?: Material;
  readonly clientKey?: Material;
  readonly exec?: ExecPlugin;
}

const given = (value: string | null | undefined): value is string => value != null && value !== '';

function parseKubeconfig(content: string, path: string): Kubeconfig {
  const manifests = parseManifests(content, `kubeconfig ${path}`);
  if (manifests.errors.length > 0) throw new Error(manifests.errors.join('\n'));
  // An empty file is an empty config, as for kubectl.
  const result = validate(kubeconfigSchema, manifests.objects[0] ?? {}, `kubeconfig ${path}`);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

/** The entries of every file by name, merged as kubectl does: the first file to define a name wins. */
function merge<T extends { name: string }>(files: readonly KubeconfigFile[], entries: (config: Kubeconfig) => readonly T[] | null | undefined) {
  const merged = new Map<string, { path: string; entry: T }>();
  for (const { path, config } of files) for (const entry of entries(config) ?? []) if (!merged.has(entry.name)) merged.set(entry.name, { path, entry });
  return merged;
}

/** Decoded `-data` text, else a file relative to the kubeconfig that names it. */
function material(where: string, kubeconfigPath: string, data: string | null | undefined, file: string | null | undefined): Material | undefined {
  if (given(data)) return { value: Buffer.from(data, 'base64').toString('utf8') };
  return given(file) ? { file: resolve(dirname(kubeconfigPath), file), where } : undefined;
}

// Checked for the current user only: a kubeconfig often keeps users for other tools that this one would refuse.
function checkUser(user: z.output<typeof userSchema>, where: string): void {
  if (given(user.username) || given(user.password)) {
    throw new Error(`${where}: username/password (basic authentication) is not supported: use a token, tokenFile, a client certificate or an exec plugin`);
  }
  if (user['auth-provider'] != null) {
    throw new Error(`${where}: auth-provider is not supported (kubectl dropped it too): use an exec plugin (aws eks get-token, gke-gcloud-auth-plugin, kubelogin)`);
  }
  const exec = user.exec;
  if (exec == null) return;
  where = `${where}: exec`;
  if (!execApiVersions.includes(exec.apiVersion ?? '')) throw new Error(`${where}.apiVersion: expected ${execApiVersions.map((v) => `"${v}"`).join(' or ')}, got "${exec.apiVersion ?? ''}"`);
  if (!given(exec.command)) throw new Error(`${where}.command: required`);
  if (exec.interactiveMode === 'Always') throw new Error(`${where}.interactiveMode: Always needs a terminal, which a controller has not: use IfAvailable`);
  if (exec.provideClusterInfo === true) throw new Error(`${where}.provideClusterInfo is not supported: give the plugin what it needs in args or env`);
}

/** The current context's cluster and user (the first non-empty current-context wins); `list` names the files. */
function resolveKubeconfig(files: readonly KubeconfigFile[], list: string): Target {
  const contextName = files.map((f) => f.config['current-context']).find(given);
  if (contextName === undefined) throw new Error(`kubeconfig ${list}: current-context is not set: choose one with kubectl config use-context`);
  const context = merge(files, (c) => c.contexts).get(contextName);
  if (context === undefined) throw new Error(`kubeconfig ${list}: current-context "${contextName}": no such context`);
  const inContext = `kubeconfig ${context.path}: context "${contextName}"`;
  const clusterName = context.entry.context?.cluster ?? '';
  const userName = context.entry.context?.user ?? '';
  const cluster = merge(files, (c) => c.clusters).get(clusterName);
  if (cluster === undefined) throw new Error(`${inContext}: cluster "${clusterName}": no such cluster`);
  const user = merge(files, (c) => c.users).get(userName);
  if (user === undefined) throw new Error(`${inContext}: user "${userName}": no such user`);
  const c: z.output<typeof clusterSchema> = cluster.entry.cluster ?? {};
  const u: z.output<typeof userSchema> = user.entry.user ?? {};
  const inCluster = `kubeconfig ${cluster.path}: cluster "${clusterName}"`;
  const inUser = `kubeconfig ${user.path}: user "${userName}"`;
  if (!given(c.server)) throw new Error(`${inCluster}: server: required`);
  checkUser(u, inUser);
  const exec = u.exec;
  return {
    server: c.server,
    ca: material(`${inCluster}: certificate-authority`, cluster.path, c['certificate-authority-data'], c['certificate-authority']),
    tlsServerName: c['tls-server-name'] ?? undefined,
    insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
    token: given(u.token) ? { value: u.token } : material(`${inUser}: tokenFile`, user.path, undefined, u.tokenFile),
    clientCert: material(`${inUser}: client-certificate`, user.path, u['client-certificate-data'], u['client-certificate']),
    clientKey: material(`${inUser}: client-key`, user.path, u['client-key-data'], u['client-key']),
    exec: exec?.command == null ? undefined : {
      where: `${inUser}: exec`,
      apiVersion: exec.apiVersion ?? '',
      // A command with a slash is relative to the kubeconfig (as in client-go); one without is looked up in PATH.
      command: exec.command.includes('/') && !isAbsolute(exec.command) ? resolve(dirname(user.path), exec.command) : exec.command,
      args: exec.args ?? [],
      env: Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])),
      installHint: exec.installHint ?? undefined,
    },
  };
}

const execCredentialSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal('ExecCredential'),
  status: z.object({ token: text, clientCertificateData: text, clientKeyData: text, expirationTimestamp: text }),
});

/** `refreshAt`: when to run the plugin again; Infinity for a credential without expiry, kept for the process's life as by client-go. */
type ExecResult = Pick<ClusterCredentials, 'token' | 'clientCertPem' | 'clientKeyPem'> & { readonly refreshAt: number };

function execFailure(error: unknown, plugin: ExecPlugin): string {
  const { code, killed, signal, stderr } = error as { code?: unknown; killed?: boolean; signal?: string | null; stderr?: string };
  let why = (error as Error).message;
  if (code === 'ENOENT') why = `not found${given(plugin.installHint) ? `: ${plugin.installHint.trim()}` : ''}`;
  else if (typeof code === 'number') why = `exited with code ${code}`;
  else if (killed === true) why = `no answer within ${execTimeoutMs / 1000} s`;
  else if (given(signal)) why = `killed by ${signal}`;
  return given(stderr?.trim()) ? `${why}: ${stderr.trim()}` : why;
}

async function runExec(plugin: ExecPlugin, env: NodeJS.ProcessEnv): Promise<ExecResult> {
  const execInfo = { apiVersion: plugin.apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
  const failed = `${plugin.where}: command "${plugin.command}" failed`;
  let stdout: string;
  try {
    const childEnv = { ...env, ...plugin.env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) };
    const run = promisify(execFile)(plugin.command, [...plugin.args], { env: childEnv, timeout: execTimeoutMs, encoding: 'utf8' });
    run.child.stdin?.end(); // not interactive: a plugin that asks for input reads end of file rather than hanging
    ({ stdout } = await run);
  } catch (error) {
    throw new Error(`${failed}: ${execFailure(error, plugin)}`, { cause: error });
  }
  let output: unknown;
  try {
    output = JSON.parse(stdout);
  } catch {
    throw new Error(`${failed}: it printed no ExecCredential JSON: ${stdout.slice(0, 200)}`);
  }
  const checked = validate(execCredentialSchema, output, `${failed}: its ExecCredential`);
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  const { apiVersion, status } = checked.value;
  if (apiVersion !== plugin.apiVersion) throw new Error(`${failed}: it answered apiVersion "${apiVersion}", the kubeconfig asked for "${plugin.apiVersion}"`);
  if (!given(status.token) && !(given(status.clientCertificateData) && given(status.clientKeyData))) {
    throw new Error(`${failed}: its ExecCredential has neither status.token nor status.clientCertificateData and clientKeyData`);
  }
  const expiry = given(status.expirationTimestamp) ? Date.parse(status.expirationTimestamp) : Infinity;
  if (Number.isNaN(expiry)) throw new Error(`${failed}: its ExecCredential: status.expirationTimestamp: not a time: "${status.expirationTimestamp}"`);
  const [token, clientCertPem, clientKeyPem] = [status.token, status.clientCertificateData, status.clientKeyData].map((v) => (given(v) ? v : undefined));
  return { token, clientCertPem, clientKeyPem, refreshAt: expiry - execRefreshMarginMs };
}

/** The effects: reads files at most once a minute, runs the exec plugin again when its credential expires. */
function targetCredentials(target: Target, options: CredentialOptions): ClusterCredentialSource {
  const now = options.now ?? Date.now;
  const files = new Map<string, { readAt: number; content: Promise<string> }>();
  const read = async (material: Material | undefined): Promise<string | undefined> => {
    if (material === undefined || 'value' in material) return material?.value;
    const cached = files.get(material.file);
    if (cached !== undefined && now() - cached.readAt < fileRefreshMs) return cached.content;
    const content = readFile(material.file, 'utf8').catch((error: unknown) => {
      files.delete(material.file);
      throw new Error(`${material.where}: cannot read ${material.file}: ${(error as Error).message}`, { cause: error });
    });
    files.set(material.file, { readAt: now(), content });
    return content;
  };
  let execResult: ExecResult | undefined;
  let execRun: Promise<ExecResult> | undefined;
  return async () => {
    const [caPem, token, clientCertPem, clientKeyPem] = await Promise.all([read(target.ca), read(target.token), read(target.clientCert), read(target.clientKey)]);
    if (target.exec !== undefined && (execResult === undefined || now() >= execResult.refreshAt)) {
      // One run however many requests wait for it.
      execRun ??= runExec(target.exec, options.env ?? process.env).finally(() => (execRun = undefined));
      execResult = await execRun;
    }
    const credentials: ClusterCredentials = {
      server: target.server,
      caPem,
      tlsServerName: target.tlsServerName,
      insecureSkipTlsVerify: target.insecureSkipTlsVerify || undefined,
      token: execResult?.token ?? token?.trim(),
      clientCertPem: execResult?.clientCertPem ?? clientCertPem,
      clientKeyPem: execResult?.clientKeyPem ?? clientKeyPem,
    };
    return Object.fromEntries(Object.entries(credentials).filter(([, value]) => value !== undefined)) as ClusterCredentials;
  };
}

/**
 * Credentials from a kubeconfig file, or a KUBECONFIG list of them (`:`-separated), merged as kubectl does:
 * the first file to define a name wins and files of a list that do not exist are skipped. Read and checked
 * now, so a bad file fails at start; errors name the file, the context, cluster or user, and the field.
 */
export function kubeconfigCredentials(path: string, options: CredentialOptions = {}): ClusterCredentialSource {
  const paths = path.split(delimiter).filter(given);
  const files = paths.filter((p) => paths.length === 1 || existsSync(p)).map((p): KubeconfigFile => {
    let content: string;
    try {
      content = readFileSync(p, 'utf8');
    } catch (error) {
      throw new Error(`kubeconfig ${p}: cannot read it: ${(error as Error).message}`, { cause: error });
    }
    return { path: resolve(p), config: parseKubeconfig(content, p) };
  });
  if (files.length === 0) throw new Error(`kubeconfig ${path}: none of these files exists`);
  return targetCredentials(resolveKubeconfig(files, path), options);
}

/**
 * The management cluster's credentials from inside a pod: the apiserver at KUBERNETES_SERVICE_HOST and
 * _PORT, the service account's CA and token (read again every minute: projected tokens rotate).
 */
export function inClusterCredentials(options: CredentialOptions & { readonly serviceAccountDir?: string } = {}): ClusterCredentialSource {
  const env = options.env ?? process.env;
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } = env;
  if (!given(host)) throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST unset) and no kubeconfig given: pass --kubeconfig or set KUBECONFIG');
  if (!given(port)) throw new Error('in-cluster config: KUBERNETES_SERVICE_PORT is unset while KUBERNETES_SERVICE_HOST is set');
  const dir = options.serviceAccountDir ?? serviceAccountDir;
  const file = (fileName: string): Material => ({ file: join(dir, fileName), where: `in-cluster config: service account ${fileName}` });
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return targetCredentials({ server, ca: file('ca.crt'), token: file('token'), insecureSkipTlsVerify: false }, options);
}

/** The management cluster: the kubeconfig at `kubeconfigPath`, else KUBECONFIG when non-empty, else in-cluster config. */
export function managementCredentials(kubeconfigPath: string | undefined, env: NodeJS.ProcessEnv = process.env): ClusterCredentialSource {
  const path = given(kubeconfigPath) ? kubeconfigPath : env.KUBECONFIG;
  return given(path) ? kubeconfigCredentials(path, { env }) : inClusterCredentials({ env });
}
