import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseResources } from '../../src/api/resources.ts';
import { parseControllerManagerConfig } from '../../src/config/load-config.ts';
import { clusterSnapshotFromObjects, type ClusterSnapshot } from '../../src/identity/cluster-snapshot.ts';
import { planEntries } from '../../src/reconcile/plan-entries.ts';
import { createEntryClient, type SpireEntryClient } from '../../src/spire/entry-client.ts';
import type { RegistrationEntry } from '../../src/spire/entry.ts';
import { group, identities, installCrds, must, registries, registryFor, repoRoot } from '../e2e/e2e-fixture.ts';
import { startFleet, type Fleet } from '../rig/fleet.ts';
import type { ApiServer } from '../rig/kube-apiserver.ts';
import { ProcessGroup, type RigProcess } from '../rig/processes.ts';
import { compareWithPlan, type EntryCheck } from './entry-check.ts';
import type { SpireServer } from '../rig/spire-server.ts';

export const entryIdPrefix = 'eks-faults-';
const trustDomain = 'example.org';
const nodesPerCluster = 10;
export const leaseName = 'spire-eks-workload-registrar-faults';
/**
 * EKS tokens and AssumeRole credentials renewed every 30 s, and watches re-made every 30 to 60 s, so
 * that every scenario spans renewals and watch restarts, not only the AWS one.
 */
export const renewalEnv = {
  SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS: '900',
  SPIRE_EKS_REGISTRAR_CREDENTIAL_REFRESH_MARGIN_SECONDS: '870',
  SPIRE_EKS_REGISTRAR_TOKEN_REFRESH_MARGIN_SECONDS: '870',
  SPIRE_EKS_REGISTRAR_WATCH_TIMEOUT_SECONDS: '30',
} as const;

/** The entries of others that the suite plants and that must never change: IDs outside our prefix. */
export const foreignEntryIds = { manual: 'manual-ops-entry', otherPrefix: 'eks-other-registrar-0001' } as const;

export interface FaultFleetOptions {
  /** Pods across the two workload clusters at the start (half each). */
  readonly pods: number;
  /** Pod creates, deletes and label changes per second while a scenario runs. */
  readonly churnPerSecond: number;
  /** The controller's full reconciliation period. */
  readonly gcInterval: string;
  /** Logs progress. */
  readonly log: (text: string) => void;
}

/** One controller replica: restarted, like a Deployment's pod, when it exits unasked. */
export interface Replica {
  readonly name: string;
  process: RigProcess;
  /** Exits that nobody asked for. */
  unexpectedExits: number;
  /** Process starts beyond the first. */
  restarts: number;
  /** Log files of every process this replica has run, in order. */
  readonly logFiles: string[];
  /** Ends it (SIGTERM) for good. */
  retire(): Promise<void>;
  /** SIGKILL; it stays down until `revive`. */
  kill(): Promise<void>;
  revive(): void;
}

export interface FaultFleet {
  readonly fleet: Fleet;
  readonly spireServer: SpireServer;
  readonly spire: SpireEntryClient;
  readonly workloads: readonly ApiServer[];
  readonly replicas: Replica[];
  readonly churn: Churn;
  /** Starts a controller replica with leader election on. */
  startReplica(): Replica;
  /** The plan over the management objects and the clusters' objects as they are now. */
  expectedEntries(): Promise<Map<string, RegistrationEntry>>;
  /** Identities whose entries the SPIRE server refuses on purpose: left out of the expected entries. */
  readonly refusedIdentities: Set<string>;
  check(): Promise<EntryCheck>;
  /** The entries of stable pods at the start: they must exist in every look during a fault. */
  readonly stableEntryIds: Set<string>;
  recordStableEntries(): Promise<void>;
  stop(): Promise<void>;
}

const podsPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/pods`;

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

function podObject(name: string, app: string, node: string): Record<string, unknown> {
  return {
    metadata: { name, labels: { app } },
    spec: { nodeName: node, serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example/web:1' }] },
  };
}

/**
 * Pod churn on both workload clusters: creates, deletes and label flips (app=web, selected, and
 * app=idle, not), at a steady rate, never on the stable pods. A frozen apiserver holds its requests; a
 * cap on those in flight per cluster keeps the other cluster's churn going.
 */
export class Churn {
  readonly #apis: readonly ApiServer[];
  readonly #mutable: string[][];
  #created = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  readonly #inFlight: Set<Promise<void>>[];
  operations = 0;
  failures = 0;

  constructor(apis: readonly ApiServer[], mutable: string[][]) {
    this.#apis = apis;
    this.#mutable = mutable;
    this.#inFlight = apis.map(() => new Set());
  }

  start(perSecond: number): void {
    if (this.#running || perSecond <= 0) return;
    this.#running = true;
    this.#loop = (async () => {
      const started = performance.now();
      for (let tick = 0; this.#running; tick++) {
        await sleep(Math.max(0, started + (tick * 1000) / perSecond - performance.now()));
        if (!this.#running) break;
        const c = tick % this.#apis.length;
        const inFlight = this.#inFlight[c] as Set<Promise<void>>;
        if (inFlight.size >= 8) continue;
        const op = this.#operation(c, tick).then(
          () => void this.operations++,
          () => void this.failures++,
        );
        const tracked = op.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
    })();
  }

  /** Stops issuing and waits (at most `timeoutMs`) for requests in flight, so that the clusters' state is final. */
  async stop(timeoutMs = 120_000): Promise<void> {
    this.#running = false;
    await this.#loop;
    const all = Promise.all(this.#inFlight.flatMap((set) => [...set]));
    // The timer goes with the race, or it would hold the process open after the suite.
    const timer = new AbortController();
    await Promise.race([all, sleep(timeoutMs, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }

  async #operation(c: number, tick: number): Promise<void> {
    const api = this.#apis[c] as ApiServer;
    const names = this.#mutable[c] as string[];
    const kind = tick % 3;
    if (kind === 0 || names.length < 10) {
      const name = `churn-${c + 1}-${String(++this.#created).padStart(6, '0')}`;
      names.push(name);
      await must(api, 'POST', podsPath('default'), podObject(name, 'web', `node-${tick % nodesPerCluster}`));
    } else if (kind === 1) {
      const [name] = names.splice(Math.floor(Math.random() * names.length), 1);
      await must(api, 'DELETE', `${podsPath('default')}/${name}?gracePeriodSeconds=0`);
    } else {
      const name = names[Math.floor(Math.random() * names.length)] as string;
      const { status, body } = await api.request('GET', `${podsPath('default')}/${name}`);
      if (status === 404) return;
      const app = (body as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.app === 'web' ? 'idle' : 'web';
      await mergePatch(api, `${podsPath('default')}/${name}`, { metadata: { labels: { app } } });
    }
  }
}

/** A JSON merge patch; fails unless the apiserver answers 2xx. */
export async function mergePatch(api: ApiServer, path: string, patch: unknown): Promise<void> {
  const { status, body } = await api.request('PATCH', path, patch, { contentType: 'application/merge-patch+json' });
  if (status < 200 || status > 299) throw new Error(`${api.name}: PATCH ${path}: HTTP ${status}: ${JSON.stringify(body)}`);
}

// The API server's list omits kind and apiVersion on items; the snapshot reads objects by them.
async function listAll(api: ApiServer, path: string, apiVersion: string, kind: string): Promise<unknown[]> {
  const body = (await must(api, 'GET', path)) as { items: Record<string, unknown>[] };
  return body.items.map((item) => ({ apiVersion, kind, ...item }));
}

/** A foreign entry as the server reports it, revision and all: a change of any kind shows. */
const foreignFingerprint = (entry: Record<string, unknown>): string => JSON.stringify(entry);

/**
 * Starts the rig's fleet, installs the CRDs, creates nodes and `pods` pods (half in each workload
 * cluster; half of them stable, the rest open to churn), two registries, one identity selecting app=web,
 * and the foreign entries: a manual entry, a join token's entry and one with another registrar's prefix.
 */
export async function startFaultFleet(options: FaultFleetOptions): Promise<FaultFleet> {
  const { log } = options;
  const fleet = await startFleet({ workloadClusters: 2 });
  const processes = new ProcessGroup('faults-controller-');
  const spireServer = fleet.spire;
  if (spireServer === undefined) throw new Error('the fleet has no spire-server');
  const spire = createEntryClient({ socketPath: spireServer.socketPath });
  try {
    await installCrds(fleet.management);
    const workloads = fleet.workloads.map((w) => w.apiServer);
    const perCluster = Math.ceil(options.pods / 2);
    const mutable: string[][] = [];
    const started = performance.now();
    for (const api of workloads) await pool(Array.from({ length: nodesPerCluster }, (_, i) => `node-${i}`), 4, (node) => must(api, 'POST', '/api/v1/nodes', { metadata: { name: node }, spec: { providerID: `aws:///us-west-2a/i-0${node.replace(/\W/g, '')}` } }).then(() => undefined));
    const pods = workloads.flatMap((api, c) =>
      Array.from({ length: perCluster }, (_, i) => ({ api, c, name: `${i % 2 === 0 ? 'stable' : 'pod'}-${c + 1}-${String(i).padStart(6, '0')}`, node: `node-${i % nodesPerCluster}` })),
    );
    for (const c of workloads.keys()) mutable.push(pods.filter((p) => p.c === c && p.name.startsWith('pod-')).map((p) => p.name));
    await pool(pods, 16, async ({ api, name, node }) => void (await must(api, 'POST', podsPath('default'), podObject(name, 'web', node))));
    log(`created ${pods.length} pods in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    await must(fleet.management, 'POST', registries, registryFor('cluster-1', fleet, 0, { fleet: 'faults' }));
    await must(fleet.management, 'POST', registries, registryFor('cluster-2', fleet, 1, { fleet: 'faults' }));
    await must(fleet.management, 'POST', identities, {
      apiVersion: `${group}/v1alpha1`,
      kind: 'WorkloadIdentity',
      metadata: { name: 'web' },
      spec: {
        applicationName: 'web',
        namespace: 'default',
        spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/pod/{{ .PodMeta.Name }}',
        podSelector: { matchLabels: { app: 'web' } },
        ttl: '1h',
        workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-name:{{ .PodMeta.Name }}'],
      },
    });
    // Someone else's entries, each made the way its owner makes it.
    await spireServer.cliOk(['entry', 'create', '-entryID', foreignEntryIds.manual, '-spiffeID', `spiffe://${trustDomain}/ops/backup`, '-parentID', `spiffe://${trustDomain}/host`, '-selector', 'unix:uid:0']);
    await spireServer.cliOk(['token', 'generate', '-spiffeID', `spiffe://${trustDomain}/host`]);
    await spireServer.cliOk(['entry', 'create', '-entryID', foreignEntryIds.otherPrefix, '-spiffeID', `spiffe://${trustDomain}/ns/default/pod/stable-1-000000`, '-parentID', `spiffe://${trustDomain}/other-agent`, '-selector', 'k8s:ns:default']);
    const foreign = new Map((await spireServer.cliEntries()).map((entry) => [String(entry.id), foreignFingerprint(entry)]));
    if (foreign.size !== 3) throw new Error(`expected 3 foreign entries, found ${foreign.size}`);

    const configPath = join(fleet.dir, 'faults-config.yaml');
    const configText = [
      `apiVersion: ${group}/v1alpha1`,
      'kind: ControllerManagerConfig',
      `trustDomain: ${trustDomain}`,
      `entryIDPrefix: ${entryIdPrefix}`,
      `spireServerSocketPath: ${spireServer.socketPath}`,
      `gcInterval: ${options.gcInterval}`,
      // Leases as short as the e2e tests use, so that a takeover fits in a scenario.
      `leaderElection: { leaderElect: true, resourceNamespace: default, resourceName: ${leaseName}, leaseDuration: 6s, renewDeadline: 4s, retryPeriod: 1s }`,
      'metrics: { bindAddress: "0" }',
      'health: { healthProbeBindAddress: "127.0.0.1:0" }',
      '',
    ].join('\n');
    writeFileSync(configPath, configText);
    const config = parseControllerManagerConfig(configText, configPath);
    if (!config.ok) throw new Error(config.errors.join('\n'));

    let replicaCount = 0;
    let stopping = false;
    const replicas: Replica[] = [];
    const startReplica = (): Replica => {
      const name = `controller-${++replicaCount}`;
      let generation = 0;
      let retired = false;
      let killed = false;
      const spawn = (): RigProcess => {
        const proc = processes.start(`${name}-${++generation}`, process.execPath, {
          args: [join(repoRoot, 'src/main.ts'), 'run', '--config', configPath, '--kubeconfig', fleet.management.kubeconfigPath, '-v', '2'],
          env: { ...fleet.awsEnv, ...renewalEnv },
          cwd: repoRoot,
        });
        replica.logFiles.push(proc.logFile);
        void proc.exited.then(async (code) => {
          if (stopping || retired || killed || replica.process !== proc) return;
          replica.unexpectedExits++;
          log(`${name} exited (${code}) unasked; restarting it as a Deployment would`);
          await sleep(1000);
          if (!stopping && !retired && !killed) {
            replica.restarts++;
            replica.process = spawn();
          }
        });
        return proc;
      };
      const replica: Replica = {
        name,
        process: undefined as unknown as RigProcess,
        unexpectedExits: 0,
        restarts: 0,
        logFiles: [],
        retire: async () => {
          retired = true;
          await replica.process.stop();
        },
        kill: async () => {
          killed = true;
          process.kill(-replica.process.pid, 'SIGKILL');
          await replica.process.exited;
        },
        revive: () => {
          killed = false;
          replica.restarts++;
          replica.process = spawn();
        },
      };
      replica.process = spawn();
      replicas.push(replica);
      return replica;
    };

    const refusedIdentities = new Set<string>();
    const expectedEntries = async (): Promise<Map<string, RegistrationEntry>> => {
      const objects = [
        ...(await listAll(fleet.management, registries, `${group}/v1alpha1`, 'EKSClusterRegistry')),
        ...(await listAll(fleet.management, identities, `${group}/v1alpha1`, 'WorkloadIdentity')),
      ].map((object) => ({ object, source: 'management' }));
      const resources = parseResources(objects, { trustDomain });
      if (!resources.ok) throw new Error(resources.errors.join('\n'));
      const snapshots = new Map<string, ClusterSnapshot>();
      for (const registry of resources.value.registries) {
        const index = fleet.workloads.findIndex((w) => w.clusterName === registry.spec.clusterName);
        const api = workloads[index] as ApiServer;
        const { snapshot, errors } = clusterSnapshotFromObjects([
          ...(await listAll(api, '/api/v1/pods', 'v1', 'Pod')),
          ...(await listAll(api, '/api/v1/nodes', 'v1', 'Node')),
          ...(await listAll(api, '/api/v1/namespaces', 'v1', 'Namespace')),
        ]);
        if (errors.length > 0) throw new Error(errors.join('\n'));
        snapshots.set(registry.metadata.name, snapshot);
      }
      const plan = planEntries({ config: config.value, ...resources.value, snapshots });
      if (plan.errors.length > 0) throw new Error(plan.errors.map((e) => e.message).join('\n'));
      const wanted = plan.entries.filter((entry) => !refusedIdentities.has(entry.identities[0] ?? ''));
      return new Map(wanted.map(({ cluster: _c, identities: _i, ...entry }) => [entry.id, entry]));
    };

    const check = async (): Promise<EntryCheck> => {
      const expected = await expectedEntries();
      const all = await spire.listEntries();
      const current = new Map((await spireServer.cliEntries()).filter((entry) => !String(entry.id).startsWith(entryIdPrefix)).map((entry) => [String(entry.id), foreignFingerprint(entry)]));
      return compareWithPlan(entryIdPrefix, expected, all, foreign, current);
    };

    const stableEntryIds = new Set<string>();
    const churn = new Churn(workloads, mutable);
    return {
      fleet,
      spireServer,
      spire,
      workloads,
      replicas,
      churn,
      startReplica,
      expectedEntries,
      refusedIdentities,
      check,
      stableEntryIds,
      recordStableEntries: async () => {
        stableEntryIds.clear();
        const expected = await expectedEntries();
        for (const entry of expected.values()) if (entry.selectors.some((s) => s.value.startsWith('pod-name:stable-'))) stableEntryIds.add(entry.id);
      },
      stop: async () => {
        stopping = true;
        await churn.stop(10_000);
        spire.close();
        await processes.stopAll();
        await fleet.stop();
      },
    };
  } catch (error) {
    spire.close();
    await processes.stopAll();
    await fleet.stop();
    throw error;
  }
}

/** Parsed JSON log lines of a file, from line `from` on. */
export function logLinesOf(file: string, from = 0): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(from)
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

export function lineCount(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}
