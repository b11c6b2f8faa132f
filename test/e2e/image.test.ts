import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { createEntryClient, type SpireEntryClient } from '../../src/spire/entry-client.ts';
import { startFleet, type Fleet } from '../rig/fleet.ts';
import { freePort, ProcessGroup, type RigProcess } from '../rig/processes.ts';
import { createNamespace, createNode, createPod, eventually, identities, installCrds, logLines, must, podNameOf, registries, registryFor, repoRoot, webAppIdentity } from './e2e-fixture.ts';

// The image as a cluster would run it, without a container runtime (crun refuses these machines' cgroup
// layout): `npm run image` builds it (or REGISTRAR_IMAGE names one built before), `podman image mount`
// unpacks it, and its entrypoint runs under chroot as its user, in private mount and PID namespaces, on a
// read-only root (an overlay of lower layers only) with nothing writable: the image's tree, then the
// mount points a runtime and the Deployment add (/proc, /dev, the SPIRE socket's directory, the
// ConfigMap's). The network is the host's loopback, where the rig's fleet listens.

const podman = spawnSync('podman', ['--version'], { encoding: 'utf8' });
const skip = podman.error ? 'podman is not installed: apt-get install podman mmdebstrap binutils (CI installs them) to build and run the image' : false;

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; license: string };
const configDir = '/etc/spire-eks-workload-registrar';
const socketDir = '/run/spire/sockets';

interface ImageConfig {
  readonly Entrypoint: readonly string[];
  readonly User: string;
  readonly Env?: readonly string[];
}

let image: string;
let imageTree: string;
let config: ImageConfig;
let processes: ProcessGroup;
let fleet: Fleet;
let spire: SpireEntryClient;
let controller: RigProcess;
let leasePath: string;
let probePort: number;
let metricsPort: number;
let runs = 0;

function podmanOk(args: readonly string[]): string {
  const result = spawnSync('podman', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `podman ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function inspect(format: string): string {
  return podmanOk(['image', 'inspect', '--format', format, image]);
}

/** The image's entrypoint with `args`, as its user, in the image's tree; `spire` is the socket's directory on the host. */
function runImage(args: readonly string[], spire: string, env: Readonly<Record<string, string>> = {}): RigProcess {
  const name = `image-${++runs}`;
  const dir = join(processes.dir, name);
  // The mount points, as the upper of two read-only layers over the image's tree.
  const mountPoints = join(dir, 'mount-points');
  for (const path of ['proc', 'dev', socketDir, configDir]) mkdirSync(join(mountPoints, path), { recursive: true });
  const root = join(dir, 'root');
  mkdirSync(root);
  const script = [
    'set -e',
    'mount -t overlay overlay -o "lowerdir=$1:$2" "$3"',
    'mount -t proc proc "$3/proc"',
    'mount --rbind /dev "$3/dev"',
    `mount --bind "$4" "$3${socketDir}"`,
    `mount --bind -o ro "$5" "$3${configDir}"`,
    'shift 5',
    'exec "$@"',
  ].join('\n');
  const [user = '', group = user] = config.User.split(':');
  const environment = [...(config.Env ?? []), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  return processes.start(name, 'unshare', {
    args: ['--mount', '--pid', '--fork', 'sh', '-c', script, 'sh', mountPoints, imageTree, root, spire, join(processes.dir, 'etc'), 'env', '-i', ...environment, 'chroot', `--userspec=${user}:${group}`, root, ...config.Entrypoint, ...args],
  });
}

before(async () => {
  if (skip) return;
  processes = new ProcessGroup('e2e-image-');
  image = process.env.REGISTRAR_IMAGE ?? '';
  if (image === '') {
    const iidFile = join(processes.dir, 'iid');
    const build = spawnSync('bash', [join(repoRoot, 'scripts/image.sh'), '--iidfile', iidFile], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run image failed:\n${build.stdout}\n${build.stderr}`);
    image = readFileSync(iidFile, 'utf8').trim();
  }
  config = JSON.parse(inspect('{{json .Config}}')) as ImageConfig;
  imageTree = podmanOk(['image', 'mount', image]);
  mkdirSync(join(processes.dir, 'etc'));
});

after(async () => {
  if (skip) return;
  spire?.close();
  await processes?.stopAll();
  await fleet?.stop();
  if (imageTree) podmanOk(['image', 'unmount', image]);
});

test('the image: under 150 MB, its user 65532, OCI labels from package.json and git', { skip }, () => {
  const size = Number(inspect('{{.Size}}'));
  assert.ok(size < 150_000_000, `the image is ${size} bytes`);
  assert.equal(config.User, '65532:65532');
  const labels = JSON.parse(inspect('{{json .Labels}}')) as Record<string, string>;
  assert.equal(labels['org.opencontainers.image.version'], packageJson.version);
  assert.equal(labels['org.opencontainers.image.licenses'], packageJson.license);
  assert.match(labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}(-dirty)?$/);
  assert.ok(labels['org.opencontainers.image.source'], 'the source label');
});

test('`version` runs from the image file system and prints the package version', { skip }, async () => {
  const proc = runImage(['version'], join(processes.dir, 'etc'));
  const code = await proc.exited;
  assert.equal(code, 0, proc.logTail());
  assert.equal(readFileSync(proc.logFile, 'utf8'), `spire-eks-workload-registrar ${packageJson.version}\n`);
});

test('the controller from the image converges Example 1 (the shipped configuration, leader election on) and is ready', { skip }, async () => {
  fleet = await startFleet({ workloadClusters: 1 });
  assert.ok(fleet.spire);
  spire = createEntryClient({ socketPath: fleet.spire.socketPath });
  await installCrds(fleet.management);

  // The shipped ConfigMap's configuration; what this machine decides changes: the socket's name and the ports.
  const configMap = parse(readFileSync(join(repoRoot, 'config/manager/controller-manager-config.yaml'), 'utf8')) as { data: Record<string, string> };
  const shipped = parse(configMap.data['config.yaml'] ?? '') as Record<string, unknown> & {
    leaderElection: { resourceNamespace: string; resourceName: string };
    entryIDPrefix: string;
    health: Record<string, unknown>;
  };
  leasePath = `/apis/coordination.k8s.io/v1/namespaces/${shipped.leaderElection.resourceNamespace}/leases/${shipped.leaderElection.resourceName}`;
  [probePort, metricsPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(processes.dir, 'etc', 'config.yaml'),
    stringify({
      ...shipped,
      spireServerSocketPath: `${socketDir}/${basename(fleet.spire.socketPath)}`,
      metrics: { bindAddress: `127.0.0.1:${metricsPort}` },
      health: { ...shipped.health, healthProbeBindAddress: `127.0.0.1:${probePort}` },
    }),
  );
  copyFileSync(fleet.management.kubeconfigPath, join(processes.dir, 'etc', 'kubeconfig'));
  await createNamespace(fleet.management, shipped.leaderElection.resourceNamespace);

  const workload = fleet.workloads[0]?.apiServer;
  assert.ok(workload);
  await createNode(workload, 'node-1');
  await createPod(workload, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await createPod(workload, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await must(fleet.management, 'POST', registries, registryFor('production-cluster', fleet, 0, { environment: 'production', team: 'platform' }));
  await must(fleet.management, 'POST', identities, webAppIdentity());

  // What the Deployment asks of the SPIRE server: its socket writable by the registrar's group.
  chownSync(fleet.spire.socketPath, 0, 65532);
  chmodSync(fleet.spire.socketPath, 0o770);
  controller = runImage(['run', '--config', `${configDir}/config.yaml`, '--kubeconfig', `${configDir}/kubeconfig`, '-v', '2'], dirname(fleet.spire.socketPath), fleet.awsEnv);
  const entryPods = async (): Promise<string> =>
    (await spire.listEntries())
      .filter((entry) => entry.id.startsWith(shipped.entryIDPrefix))
      .map(podNameOf)
      .sort()
      .join();
  await eventually('entries of web-1 and web-2', async () => (await entryPods()) === 'web-1,web-2' || `entries of pods [${await entryPods()}]; log:\n${controller.logTail(10)}`, 90_000);
  const entries = (await spire.listEntries()).filter((entry) => entry.id.startsWith(shipped.entryIDPrefix));
  for (const entry of entries) assert.equal(entry.spiffeId, 'spiffe://example.org/ns/default/sa/web-app');
  await eventually('/readyz 200', async () => (await fetch(`http://127.0.0.1:${probePort}/readyz`)).status === 200);
  assert.equal((await fetch(`http://127.0.0.1:${probePort}/healthz`)).status, 200);
  assert.match(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), /^# HELP /m);
  const { spec } = (await must(fleet.management, 'GET', leasePath)) as { spec: { holderIdentity?: string } };
  assert.ok(spec.holderIdentity, 'it leads');
});

test('SIGTERM stops it cleanly as PID 1 (no init process): it hands back the Lease and exits 0', { skip }, async () => {
  const stopping = Date.now();
  await controller.stop(10_000);
  assert.equal(await controller.exited, 0, controller.logTail());
  assert.ok(Date.now() - stopping < 10_000, 'it was killed after the grace period');
  assert.ok(logLines(controller).some((line) => line.msg === 'Starting the controller'));
  const { spec } = (await must(fleet.management, 'GET', leasePath)) as { spec: { holderIdentity?: string } };
  assert.ok(!spec.holderIdentity, `the Lease is still held by ${spec.holderIdentity}`);
});
