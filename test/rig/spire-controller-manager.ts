import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { componentPath } from './components.ts';
import { installCrdDirectory } from './crds.ts';
import type { ApiServer } from './kube-apiserver.ts';
import { freePort, waitUntilReady, type ProcessGroup, type RigProcess } from './processes.ts';
import type { SpireServer } from './spire-server.ts';

const wrapperModule = fileURLToPath(new URL('./go/spire-controller-manager/', import.meta.url));
const scmModule = 'github.com/spiffe/spire-controller-manager';

/**
 * The directory of the spire-controller-manager module that the rig builds (the version its wrapper module
 * pins), in the Go module cache; `go mod download` fetches it from the module proxy should the cache have
 * lost it since `npm run rig:build`.
 */
export async function scmModuleDir(): Promise<{ readonly dir: string; readonly version: string }> {
  const { stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', scmModule], {
    cwd: wrapperModule,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
  });
  const { Dir: dir, Version: version, Error: error } = JSON.parse(stdout) as { Dir?: string; Version?: string; Error?: string };
  if (dir === undefined || version === undefined) throw new Error(`go mod download ${scmModule}: ${error ?? stdout}`);
  return { dir, version };
}

/** Installs SCM's own CRDs (its module's config/crd/bases, every one) into `api` and waits until they are served. */
export async function installScmCrds(api: ApiServer): Promise<void> {
  await installCrdDirectory(api, join((await scmModuleDir()).dir, 'config', 'crd', 'bases'));
}

export interface ScmOptions {
  /** Names the process and its directory in the group; default `spire-controller-manager`. */
  readonly name?: string;
  /** The cluster it runs in: it reads pods, nodes, namespaces, Endpoints and its kinds there, as the rig's admin. */
  readonly apiServer: ApiServer;
  /** Where it writes entries. It owns every entry of that server that has no ID prefix (SCM's rule without entryIDPrefix). */
  readonly spire: SpireServer;
  /** `clusterName`: `.ClusterName` in templates and the default parent ID. */
  readonly clusterName: string;
  /**
   * More keys of its ControllerManagerConfig (`clusterDomain`, `ignoreNamespaces`, `className`,
   * `watchClassless`, `parentIDTemplate`, ...), over the rig's: the server's trust domain and socket, no
   * leader election, no metrics listener.
   */
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface SpireControllerManager {
  readonly process: RigProcess;
  /** Its ControllerManagerConfig file, as it read it. */
  readonly configPath: string;
  stop(): Promise<void>;
}

/**
 * Starts spire-controller-manager (the binary `npm run rig:build` builds from the Go module proxy) against
 * one apiserver and one spire-server, without its webhook (ENABLE_WEBHOOKS=false: the webhook needs an
 * in-cluster Service and a ValidatingWebhookConfiguration), and resolves once it answers on its readiness
 * probe. Its kinds must be served there first (installScmCrds).
 */
export async function startSpireControllerManager(group: ProcessGroup, options: ScmOptions): Promise<SpireControllerManager> {
  const name = options.name ?? 'spire-controller-manager';
  const dir = join(group.dir, name);
  mkdirSync(dir, { recursive: true });
  const healthAddress = `127.0.0.1:${await freePort()}`;
  const configPath = join(dir, 'config.json');
  // JSON is YAML to its decoder; gcInterval, were it set, would be Go nanoseconds (a time.Duration).
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        apiVersion: 'spire.spiffe.io/v1alpha1',
        kind: 'ControllerManagerConfig',
        trustDomain: options.spire.trustDomain,
        clusterName: options.clusterName,
        spireServerSocketPath: options.spire.socketPath,
        leaderElection: { leaderElect: false },
        metrics: { bindAddress: '0' },
        health: { healthProbeBindAddress: healthAddress },
        ...options.config,
      },
      null,
      2,
    ),
  );
  const proc = group.start(name, componentPath('spire-controller-manager'), {
    args: ['--config', configPath],
    env: { KUBECONFIG: options.apiServer.kubeconfigPath, ENABLE_WEBHOOKS: 'false' },
    cwd: dir,
  });
  await waitUntilReady(proc, async () => (await fetch(`http://${healthAddress}/readyz`)).ok);
  return { process: proc, configPath, stop: () => proc.stop() };
}
