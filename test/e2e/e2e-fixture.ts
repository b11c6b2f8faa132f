import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createEntryClient, type SpireEntryClient } from '../../src/spire/entry-client.ts';
import type { RegistrationEntry } from '../../src/spire/entry.ts';
import { installCrdDirectory } from '../rig/crds.ts';
import type { ApiServer } from '../rig/kube-apiserver.ts';
import { startFleet, type Fleet } from '../rig/fleet.ts';
import type { SpireDatastoreKind } from '../rig/spire-server.ts';
import { ProcessGroup, type RigProcess } from '../rig/processes.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const group = 'eksclusterregistry.spire.spiffe.io';
export const registries = `/apis/${group}/v1alpha1/eksclusterregistries`;
export const identities = `/apis/${group}/v1alpha1/workloadidentities`;
export const clusterSpiffeIds = '/apis/spiffeid.spiffe.io/v1beta1/clusterspiffeids';
/** Every namespace's SpiffeIDs (list only); one namespace's: spiffeIdsIn. */
export const spiffeIds = '/apis/spiffeid.spiffe.io/v1beta1/spiffeids';
/** spire-controller-manager's kinds (spire.spiffe.io). */
export const clusterSPIFFEIDs = '/apis/spire.spiffe.io/v1alpha1/clusterspiffeids';
export const clusterStaticEntries = '/apis/spire.spiffe.io/v1alpha1/clusterstaticentries';
export const clusterFederatedTrustDomains = '/apis/spire.spiffe.io/v1alpha1/clusterfederatedtrustdomains';

export function spiffeIdsIn(namespace: string): string {
  return `/apis/spiffeid.spiffe.io/v1beta1/namespaces/${namespace}/spiffeids`;
}

/** Polls `check` until it returns true; fails after `timeoutMs` with `what` and the last detail it returned. */
export async function eventually(what: string, check: () => Promise<boolean | string>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: boolean | string;
    try {
      last = await check();
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (last === true) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${typeof last === 'string' ? `: ${last}` : ''}`);
    await sleep(100);
  }
}

export async function must(api: ApiServer, method: string, path: string, body?: unknown): Promise<unknown> {
  const { status, body: answer } = await api.request(method, path, body);
  if (status < 200 || status > 299) throw new Error(`${api.name}: ${method} ${path}: HTTP ${status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Installs the project's CRDs into the management apiserver and waits until they are served. */
export async function installCrds(api: ApiServer): Promise<void> {
  await installCrdDirectory(api, join(repoRoot, 'config/crd/bases'));
}

export async function createNode(api: ApiServer, name: string): Promise<void> {
  await must(api, 'POST', '/api/v1/nodes', { metadata: { name }, spec: { providerID: `aws:///us-west-2a/i-0${name.replace(/\W/g, '')}` } });
}

export async function createPod(api: ApiServer, namespace: string, name: string, labels: Record<string, string>, nodeName: string, annotations: Record<string, string> = {}): Promise<void> {
  await must(api, 'POST', `/api/v1/namespaces/${namespace}/pods`, {
    metadata: { name, labels, annotations },
    spec: { nodeName, serviceAccountName: 'web-app', containers: [{ name: 'app', image: 'registry.example/web:1' }] },
  });
}

export async function deletePod(api: ApiServer, namespace: string, name: string): Promise<void> {
  // No kubelet: without a zero grace period the pod would stay terminating for ever.
  await must(api, 'DELETE', `/api/v1/namespaces/${namespace}/pods/${name}?gracePeriodSeconds=0`);
}

export async function createNamespace(api: ApiServer, name: string): Promise<void> {
  await must(api, 'POST', '/api/v1/namespaces', { metadata: { name } });
}

/** The seed's Example 1 registry, for a cluster of the rig. */
export function registryFor(name: string, fleet: Fleet, index: number, labels: Record<string, string>): Record<string, unknown> {
  const w = fleet.workloads[index];
  assert.ok(w);
  return {
    apiVersion: `${group}/v1alpha1`,
    kind: 'EKSClusterRegistry',
    metadata: { name },
    spec: { clusterName: w.clusterName, region: w.region, accountId: w.accountId, enabled: true, ...(w.assumeRoleArn ? { assumeRoleArn: w.assumeRoleArn } : {}), labels },
  };
}

/** The seed's Example 1 identity, unchanged except for an optional clusterSelector. */
export function webAppIdentity(clusterSelector?: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: `${group}/v1alpha1`,
    kind: 'WorkloadIdentity',
    metadata: { name: 'web-app' },
    spec: {
      applicationName: 'web-app',
      namespace: 'default',
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      podSelector: { matchLabels: { app: 'web-app' } },
      ...(clusterSelector ? { clusterSelector: { matchLabels: clusterSelector } } : {}),
      ttl: '1h',
      jwtTtl: '5m',
      workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-name:{{ .PodMeta.Name }}'],
    },
  };
}

export interface Harness {
  readonly fleet: Fleet;
  readonly spire: SpireEntryClient;
  readonly configPath: string;
  readonly prefix: string;
  readonly processes: ProcessGroup;
  controller: RigProcess | undefined;
  /**
   * Starts a controller process (it becomes `controller`); `env` adds to the fleet's AWS environment and
   * `config` replaces top-level config keys for this process only.
   */
  startController(options?: { readonly env?: Readonly<Record<string, string>>; readonly config?: Readonly<Record<string, string>> }): RigProcess;
  /** The owned entries, by their pod-name selector value. */
  ownedEntries(): Promise<RegistrationEntry[]>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly gcInterval?: string;
  /** spire-server's datastore (startFleet's `spireDatastore`); default `sqlite3`. */
  readonly spireDatastore?: SpireDatastoreKind;
  /** Top-level config keys and their YAML (flow style), replacing the defaults below. */
  readonly config?: Readonly<Record<string, string>>;
  /** startFleet's `workloadClusters`; default 2. */
  readonly workloadClusters?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fleet = await startFleet({ workloadClusters: options.workloadClusters ?? 2, spireDatastore: options.spireDatastore ?? 'sqlite3' });
  const spireServer = fleet.spire;
  assert.ok(spireServer);
  await installCrds(fleet.management);
  const prefix = 'eks-e2e-';
  const configPath = join(fleet.dir, 'config.yaml');
  const config: Record<string, string> = {
    apiVersion: `${group}/v1alpha1`,
    kind: 'ControllerManagerConfig',
    trustDomain: 'example.org',
    entryIDPrefix: prefix,
    spireServerSocketPath: spireServer.socketPath,
    gcInterval: options.gcInterval ?? '10m',
    ignoreNamespaces: '["^kube-", "^ignored-"]',
    leaderElection: '{ leaderElect: false }',
    metrics: '{ bindAddress: "0" }',
    health: '{ healthProbeBindAddress: "127.0.0.1:0" }',
    ...options.config,
  };
  const writeConfig = (path: string, keys: Record<string, string>): string => {
    writeFileSync(path, Object.entries(keys).map(([key, value]) => `${key}: ${value}\n`).join(''));
    return path;
  };
  writeConfig(configPath, config);
  const spire = createEntryClient({ socketPath: spireServer.socketPath });
  const processes = new ProcessGroup('e2e-controller-');
  let counter = 0;
  const harness: Harness = {
    fleet,
    spire,
    configPath,
    prefix,
    processes,
    controller: undefined,
    startController(options = {}) {
      const name = `controller-${++counter}`;
      const path = options.config === undefined ? configPath : writeConfig(join(fleet.dir, `${name}.yaml`), { ...config, ...options.config });
      harness.controller = processes.start(name, process.execPath, {
        args: [join(repoRoot, 'src/main.ts'), 'run', '--config', path, '--kubeconfig', fleet.management.kubeconfigPath, '-v', '2'],
        env: { ...fleet.awsEnv, ...options.env },
        cwd: repoRoot,
      });
      return harness.controller;
    },
    async ownedEntries() {
      return (await spire.listEntries()).filter((entry) => entry.id.startsWith(prefix));
    },
    async stop() {
      spire.close();
      await processes.stopAll();
      await fleet.stop();
    },
  };
  return harness;
}

/** The pod-name selector value of an entry (`pod-name:<name>`), to name entries in assertions. */
export function podNameOf(entry: RegistrationEntry): string {
  return entry.selectors.find((s) => s.type === 'k8s' && s.value.startsWith('pod-name:'))?.value.slice('pod-name:'.length) ?? '';
}

/** Parsed JSON log lines of a process. */
export function logLines(proc: RigProcess): Record<string, unknown>[] {
  return readFileSync(proc.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Stops the harness's controller and starts another: its first full reconciliation must compare the
 * same entries as there are and write nothing, and the entries must be the same afterwards.
 */
export async function expectRestartWritesNothing(h: Harness): Promise<void> {
  const before = await h.ownedEntries();
  const old = h.controller;
  assert.ok(old);
  await old.stop();
  const proc = h.startController();
  await eventually('the first full reconciliation of the new process', async () => logLines(proc).some((line) => line.msg === 'Full reconciliation done'));
  const done = logLines(proc).find((line) => line.msg === 'Full reconciliation done');
  // It compared the whole fleet (it waited for the clusters' caches), not an empty state.
  assert.deepEqual([done?.entries, done?.created, done?.updated, done?.deleted], [before.length, 0, 0, 0]);
  assert.deepEqual(await h.ownedEntries(), before);
}
