// `node bench/scm-side-by-side.ts [pods]` (default 5000), issue 15: spire-controller-manager v0.7.0 (SCM),
// then the registrar, against the same pods of one workload cluster and the same spire-server build, each
// into a fresh spire-server so that neither inherits the other's entries. SCM runs in the workload cluster
// (as it is deployed, one per cluster); the registrar in the management cluster with an EKSClusterRegistry.
// Both get the same ClusterSPIFFEID and so write the same entries, which is checked: every run must end
// with the same (SPIFFE ID, parent ID, selectors) set, or the script fails. For each it reports the time
// from the controller's start to every entry written (spire-server's count, polled every 0.5 s), the
// controller's CPU seconds until then (utime + stime of its process) and over the 30 s at rest that
// follow, pod-created to entry-listed latency under a steady stream of pod creates and deletes, SPIRE
// calls per pod event where the controller counts them (the registrar's /metrics; SCM v0.7.0 has no gRPC
// client metrics), and its RSS and VmHWM. Then the floor: a Node process that loads only the registrar's
// compiled Entry API client writes the entries the registrar ended with into a fresh spire-server
// (bench/entry-write-floor.js, with the node flags bin/ gives `run`), timed as the controllers are: its
// CPU from process start is what any controller in Node pays for the same writes, and its time is the
// server's bound for them. BENCH_ROUNDS=N (default 1) repeats all three N times, SCM and the registrar in
// turn first, and reports each figure as the median with the range: spire-server's pace alone moves a
// run by a third. Both controllers run with their default gcInterval (SCM 10 s, the registrar 10 min):
// SCM's periodic pass is part of how it keeps up, as it drops a pod event that comes while a pass runs
// (its trigger channel is unbuffered). The registrar runs as shipped (the compiled build), started as for
// the first time (an empty compile cache).
// BENCH_DATASTORE=sqlite3|postgres: the spire-servers' datastore (each a PostgreSQL of its own); default sqlite3.
// BENCH_NODE_FLAGS="--flag ...": node flags for the registrar (`--cpu-prof --cpu-prof-dir=DIR` profiles it).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, log, median, memory, metric, percentile, pool, runPodStream, type PodStreamResult } from './bench-support.ts';
import { entryKey, sortSelectors } from '../src/identity/entry-id.ts';
import { createEntryClient, type SpireEntryClient } from '../src/spire/entry-client.ts';
import type { RegistrationEntry } from '../src/spire/entry.ts';
import { clusterSPIFFEIDs, createNode, createPod, deletePod, group, installCrds, must, registries, registryFor, repoRoot } from '../test/e2e/e2e-fixture.ts';
import { startFleet } from '../test/rig/fleet.ts';
import { freePort, ProcessGroup, type RigProcess } from '../test/rig/processes.ts';
import { installScmCrds, startSpireControllerManager } from '../test/rig/spire-controller-manager.ts';
import { parseSpireDatastoreKind, startSpireServer, type SpireServer } from '../test/rig/spire-server.ts';

const pods = Number(process.argv[2] ?? 5000);
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
if (!Number.isInteger(pods) || pods <= 0) throw new Error(`usage: node bench/scm-side-by-side.ts [pods]; got ${process.argv[2]}`);
if (!Number.isInteger(rounds) || rounds <= 0) throw new Error(`BENCH_ROUNDS must be a positive integer; got ${process.env.BENCH_ROUNDS}`);
// The floor runs with the flags bin/ starts `run` with; the check keeps the two lists from drifting apart.
const runNodeFlags = ['--optimize-for-size', '--no-allocation-site-pretenuring'];
const bin = readFileSync(join(repoRoot, 'bin/spire-eks-workload-registrar.js'), 'utf8');
if (!runNodeFlags.every((flag) => bin.includes(`'${flag}'`))) throw new Error(`bin/ no longer starts \`run\` with ${runNodeFlags.join(' ')}: update runNodeFlags`);
const datastore = parseSpireDatastoreKind(process.env.BENCH_DATASTORE ?? 'sqlite3', 'BENCH_DATASTORE');
const nodeCount = 20;
const streamSeconds = 30;
const streamOpsPerSecond = 5;
const ticks = streamSeconds * streamOpsPerSecond;
// Each stream pod is deleted this long after its create: the stream leaves the starting pods (and their
// UIDs, which SCM's entries select on) alone, so both runs end with the same entries.
const streamPodLifeSeconds = 10;
// After convergence and before the stream, the controllers sit with nothing to do for this long; their CPU
// then is what a fleet at rest costs (SCM's periodic passes included).
const restSeconds = 30;
// Convergence is timed to this: see waitForEntries.
const convergencePollMs = 500;
const namespace = 'default';
const podName = (i: number): string => `bench-pod-${String(i).padStart(6, '0')}`;
const streamPodName = (tick: number): string => `bench-stream-${String(tick).padStart(4, '0')}`;
const spiffeIdOf = (pod: string): string => `spiffe://example.org/ns/${namespace}/pod/${pod}`;

// SCM's kind, given unchanged to both: SCM in the workload cluster, the registrar in the management cluster.
const clusterSpiffeId = {
  apiVersion: 'spire.spiffe.io/v1alpha1',
  kind: 'ClusterSPIFFEID',
  metadata: { name: 'bench' },
  spec: {
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/pod/{{ .PodMeta.Name }}',
    podSelector: { matchLabels: { app: 'bench' } },
    workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-name:{{ .PodMeta.Name }}'],
    ttl: '1h',
  },
};

/** A controller under measurement. */
interface RunningController {
  readonly process: RigProcess;
  /** SPIRE calls so far, by its own count; undefined when it keeps none. */
  spireCalls(): Promise<number | undefined>;
}

interface Side {
  readonly name: string;
  start(processes: ProcessGroup, spire: SpireServer): Promise<RunningController>;
}

/** bench/entry-write-floor.js writing the registrar's entries into a fresh spire-server. */
interface Floor {
  /** From its start to the last entry written. */
  readonly seconds: number;
  /** CPU seconds from its start, every thread. */
  readonly cpuSeconds: number;
  /** Of which loading the Entry API client. */
  readonly loadCpuSeconds: number;
}

interface Run {
  readonly side: string;
  /** From the stream's last pod deleted to the starting entries again (polled every 50 ms; at most 120 s). */
  readonly settleSeconds: number;
  readonly convergeSeconds: number;
  readonly convergeCpuSeconds: number;
  readonly convergeCalls: number | undefined;
  readonly stream: PodStreamResult;
  readonly streamCpuSeconds: number;
  /** CPU seconds over `restSeconds` with no pod changing, after convergence. */
  readonly restCpuSeconds: number;
  readonly streamCalls: number | undefined;
  readonly afterConverge: { rssKb: number; hwmKb: number };
  readonly end: { rssKb: number; hwmKb: number };
  readonly entries: readonly RegistrationEntry[];
}


execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
log(`starting the fleet (1 workload cluster, ${pods} pods; spire-servers on ${datastore})`);
const fleet = await startFleet({ workloadClusters: 1, spire: false });
try {
  const workload = fleet.workloads[0];
  if (workload === undefined) throw new Error('no workload cluster');
  const api = workload.apiServer;
  const creating = performance.now();
  const nodes = Array.from({ length: nodeCount }, (_, i) => `node-${i}`);
  await pool(nodes, 8, (node) => createNode(api, node));
  await pool(
    Array.from({ length: pods }, (_, i) => i),
    32,
    (i) => createPod(api, namespace, podName(i), { app: 'bench' }, `node-${i % nodeCount}`),
  );
  log(`created ${pods} pods in ${((performance.now() - creating) / 1000).toFixed(1)} s (not measured)`);
  await installScmCrds(api);
  await must(api, 'POST', clusterSPIFFEIDs, clusterSpiffeId);
  await installCrds(fleet.management);
  await must(fleet.management, 'POST', clusterSPIFFEIDs, clusterSpiffeId);
  await must(fleet.management, 'POST', registries, registryFor(workload.clusterName, fleet, 0, {}));

  const scm: Side = {
    name: 'spire-controller-manager',
    async start(processes, spire) {
      const started = await startSpireControllerManager(processes, {
        apiServer: api,
        spire,
        clusterName: workload.clusterName,
      });
      return { process: started.process, spireCalls: () => Promise.resolve(undefined) };
    },
  };
  const registrar: Side = {
    name: 'registrar',
    async start(processes, spire) {
      const metricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
      const configPath = join(processes.dir, 'registrar-config.yaml');
      writeFileSync(
        configPath,
        [
          `apiVersion: ${group}/v1alpha1`,
          'kind: ControllerManagerConfig',
          'trustDomain: example.org',
          'entryIDPrefix: eks-bench-',
          `spireServerSocketPath: ${spire.socketPath}`,
          'leaderElection: { leaderElect: false }',
          `metrics: { bindAddress: "${new URL(metricsUrl).host}" }`,
          'health: { healthProbeBindAddress: "127.0.0.1:0" }',
          '',
        ].join('\n'),
      );
      const proc = processes.start('registrar', process.execPath, {
        args: [...nodeFlags, join(repoRoot, 'bin/spire-eks-workload-registrar.js'), 'run', '--config', configPath, '--kubeconfig', fleet.management.kubeconfigPath],
        env: { ...fleet.awsEnv, NODE_COMPILE_CACHE: join(processes.dir, 'compile-cache') },
        cwd: repoRoot,
      });
      return { process: proc, spireCalls: () => metric(metricsUrl, 'spire_eks_registrar_spire_calls_total') };
    },
  };

  /** Runs `work` against a fresh spire-server in a process group of its own, stopped afterwards. */
  async function withFreshSpire<T>(name: string, work: (processes: ProcessGroup, server: SpireServer, spire: SpireEntryClient) => Promise<T>): Promise<T> {
    const processes = new ProcessGroup(`bench-scm-side-${name}-`);
    try {
      const server = await startSpireServer(processes, { trustDomain: 'example.org', datastore, name: `spire-${name}` });
      const spire = createEntryClient({ socketPath: server.socketPath });
      try {
        return await work(processes, server, spire);
      } finally {
        spire.close();
      }
    } finally {
      await processes.stopAll();
    }
  }

  function measure(side: Side): Promise<Run> {
    return withFreshSpire(side.name, async (processes, server, spire) => {
      log(`${side.name}: starting against a fresh spire-server`);
      const started = performance.now();
      const controller = await side.start(processes, server);
      const { pid } = controller.process;
      await waitForEntries(spire, side.name, controller.process);
      const convergeSeconds = (performance.now() - started) / 1000;
      const convergeCpuSeconds = cpuSeconds(pid);
      const afterConverge = memory(pid);
      const convergeCalls = await controller.spireCalls();
      log(`${side.name}: ${pods} entries in ${convergeSeconds.toFixed(1)} s, ${convergeCpuSeconds.toFixed(2)} CPU s`);

      const restCpuBefore = cpuSeconds(pid);
      await sleep(restSeconds * 1000);
      const restCpuSeconds = cpuSeconds(pid) - restCpuBefore;

      const cpuBefore = cpuSeconds(pid);
      const callsBefore = await controller.spireCalls();
      const lag = streamPodLifeSeconds * streamOpsPerSecond;
      const stream = await runPodStream({
        ticks,
        ticksPerSecond: streamOpsPerSecond,
        async create(tick) {
          await createPod(api, namespace, streamPodName(tick), { app: 'bench' }, `node-${tick % nodeCount}`);
          return spiffeIdOf(streamPodName(tick));
        },
        remove: (tick) => (tick >= lag ? deletePod(api, namespace, streamPodName(tick - lag)) : undefined),
        listed: async (spiffeId) => (await spire.listEntries({ bySpiffeId: spiffeId })).length > 0,
        timeoutMs: streamPodLifeSeconds * 1000,
    });
    const streamCpuSeconds = cpuSeconds(pid) - cpuBefore;
    const callsAfter = await controller.spireCalls();
    const streamCalls = callsAfter === undefined || callsBefore === undefined ? undefined : callsAfter - callsBefore;
    // The stream's last pods go too: the run ends with the pods it started from, as the next run starts.
    await pool(
      Array.from({ length: Math.min(lag, ticks) }, (_, i) => ticks - 1 - i),
      8,
      (tick) => deletePod(api, namespace, streamPodName(tick)),
    );
    const lastDelete = performance.now();
    const settled = Date.now() + 120_000;
    while ((await spire.countEntries()) !== pods && Date.now() < settled) await sleep(50);
    const settleSeconds = (performance.now() - lastDelete) / 1000;
    const end = memory(pid);
    const entries = await spire.listEntries();
    log(`${side.name}: stream done; ${entries.length} entries at the end`);
    await controller.process.stop();
    return { side: side.name, settleSeconds, convergeSeconds, convergeCpuSeconds, convergeCalls, stream, streamCpuSeconds, restCpuSeconds, streamCalls, afterConverge, end, entries };
    });
  }

  /**
   * Polls spire-server's count until it holds `pods` entries; fails should `writer` exit first. SPIRE counts
   * by listing every entry, so each poll is a listing for the server that writes meanwhile: it is asked
   * every 0.5 s (1% of a convergence of 5000 pods), no longer every 50 ms.
   */
  async function waitForEntries(spire: SpireEntryClient, name: string, writer: RigProcess): Promise<void> {
    let exited = false;
    void writer.exited.then(() => (exited = true));
    const deadline = Date.now() + 30 * 60_000;
    let count: number;
    while ((count = await spire.countEntries()) < pods) {
      if (exited) {
        // The count may have been asked for before the writer's last write, and answered after it exited.
        if ((count = await spire.countEntries()) >= pods) return;
        throw new Error(`${name} exited with ${count} of ${pods} entries written\n${writer.logTail()}`);
      }
      if (Date.now() > deadline) throw new Error(`${name}: ${count} of ${pods} entries after 30 min\n${writer.logTail()}`);
      await sleep(convergencePollMs);
    }
  }

  function measureFloor(entries: readonly RegistrationEntry[]): Promise<Floor> {
    return withFreshSpire('floor', async (processes, server, spire) => {
      const entriesPath = join(processes.dir, 'entries.json');
      writeFileSync(entriesPath, JSON.stringify(entries));
      log('floor: the same entries from a process that loads only the Entry API client, into a fresh spire-server');
      const started = performance.now();
      const writer = processes.start('floor', process.execPath, { args: [...runNodeFlags, join(repoRoot, 'bench/entry-write-floor.js'), server.socketPath, entriesPath], cwd: repoRoot });
      await waitForEntries(spire, 'the floor', writer);
      const seconds = (performance.now() - started) / 1000;
      const code = await writer.exited;
      if (code !== 0) throw new Error(`the floor exited with ${code}\n${writer.logTail()}`);
      const written = JSON.parse(writer.logTail(1)) as { cpuSeconds: number; loadCpuSeconds: number; created: number };
      if (written.created !== entries.length) throw new Error(`the floor created ${written.created} of ${entries.length} entries`);
      log(`floor: ${written.created} entries in ${seconds.toFixed(1)} s, ${written.cpuSeconds.toFixed(2)} CPU s`);
      return { seconds, cpuSeconds: written.cpuSeconds, loadCpuSeconds: written.loadCpuSeconds };
    });
  }

  const [theirs, ours, floors]: [Run[], Run[], Floor[]] = [[], [], []];
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) log(`round ${round} of ${rounds}`);
    for (const side of round % 2 === 1 ? [scm, registrar] : [registrar, scm]) (side === scm ? theirs : ours).push(await measure(side));
    floors.push(await measureFloor(ours.at(-1)?.entries ?? []));
  }
  // One round gives its figure; more give the median and the range.
  const figure = (values: readonly number[], format: (value: number) => string): string => {
    if (values.length === 1) return format(values[0] as number);
    return `${format(median(values))} (${format(Math.min(...values))}-${format(Math.max(...values))})`;
  };
  const row = (label: string, value: (side: readonly Run[]) => string): string => `${label.padEnd(34)}${value(theirs).padEnd(44)}${value(ours)}`;
  const each = (pick: (run: Run) => number, format: (value: number) => string) => (side: readonly Run[]) => figure(side.map(pick), format);
  const seconds = (digits: number) => (value: number) => `${value.toFixed(digits)} s`;
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  const mib = (kb: number): string => (kb / 1024).toFixed(0);
  const perEvent = (side: readonly Run[]): string =>
    side.some((run) => run.streamCalls === undefined) ? 'not measured (no SPIRE call metrics)' : figure(side.map((run) => (run.streamCalls ?? NaN) / run.stream.events), (value) => value.toFixed(2));
  const ratio = (pick: (run: Run) => number): string => (median(ours.map(pick)) / median(theirs.map(pick))).toFixed(2);
  const overFloor = (side: readonly Run[]): string => figure(side.map((run, round) => run.convergeSeconds / (floors[round]?.seconds ?? NaN)), (value) => value.toFixed(2));
  console.log(
    [
      '',
      `pods                              ${pods} in 1 workload cluster, ${nodeCount} nodes; spire-server datastore ${datastore} (a fresh server per run); each controller's default gcInterval`,
      `stream                            ${ticks} pod creates over ${streamSeconds} s, each pod deleted ${streamPodLifeSeconds} s later; latency polled every 20 ms`,
      ...(rounds > 1 ? [`rounds                            ${rounds}, SCM and the registrar in turn first; each figure the median (range)`] : []),
      '',
      row('', (side) => (side === theirs ? 'spire-controller-manager' : 'registrar')),
      row('convergence from empty', each((run) => run.convergeSeconds, seconds(1))),
      row('  over the floor\'s writes', overFloor),
      row('controller CPU, convergence', each((run) => run.convergeCpuSeconds, seconds(2))),
      row(`controller CPU, ${restSeconds} s at rest`, each((run) => run.restCpuSeconds, seconds(2))),
      row('controller CPU, stream', each((run) => run.streamCpuSeconds, seconds(2))),
      row('pod created -> entry listed p50', each((run) => percentile(run.stream.latenciesMs, 50), ms)),
      row('pod created -> entry listed p99', each((run) => percentile(run.stream.latenciesMs, 99), ms)),
      row('  max; not seen in time', (side) => `${ms(Math.max(...side.map((run) => run.stream.latenciesMs.at(-1) ?? NaN)))}; ${side.reduce((sum, run) => sum + run.stream.missed, 0)} of ${ticks * side.length} not within ${streamPodLifeSeconds} s`),
      row('last delete -> entries back', each((run) => run.settleSeconds, seconds(1))),
      row('SPIRE calls per pod event', perEvent),
      row('SPIRE calls, convergence', (side) => (side.some((run) => run.convergeCalls === undefined) ? 'not measured' : figure(side.map((run) => run.convergeCalls ?? NaN), String))),
      row('RSS after convergence, MiB', each((run) => run.afterConverge.rssKb, mib)),
      row('RSS at the end, MiB', each((run) => run.end.rssKb, mib)),
      row('VmHWM, MiB', each((run) => run.end.hwmKb, mib)),
      `CPU ratio registrar / SCM         convergence ${ratio((run) => run.convergeCpuSeconds)}, at rest ${ratio((run) => run.restCpuSeconds)}, stream ${ratio((run) => run.streamCpuSeconds)}`,
      `floor: writes only               ${figure(floors.map((floor) => floor.seconds), seconds(1))} from start to the last entry written, ${figure(floors.map((floor) => floor.cpuSeconds), seconds(2))} of CPU, of which loading the client ${figure(floors.map((floor) => floor.loadCpuSeconds), seconds(2))}`,
    ].join('\n'),
  );

  // Every run must have written the same entries, or the figures compare different work.
  const keys = (run: Run): Set<string> => new Set(run.entries.map((entry) => entryKey(entry.spiffeId, entry.parentId, sortSelectors(entry.selectors))));
  const expected = keys(theirs[0] as Run);
  const problems = [...theirs, ...ours].flatMap((run, index) => {
    const found = keys(run);
    const name = `${run.side} (run ${(index % rounds) + 1})`;
    const missing = [...expected].filter((key) => !found.has(key));
    const extra = [...found].filter((key) => !expected.has(key));
    return [
      ...(run.entries.length !== pods ? [`${name} ended with ${run.entries.length} entries, not ${pods}`] : []),
      ...(found.size !== run.entries.length ? [`${name} holds ${run.entries.length - found.size} entries twice`] : []),
      ...(missing.length > 0 ? [`${name} lacks ${missing.length} entries SCM's first run wrote, e.g.\n  ${missing.slice(0, 5).join('\n  ')}`] : []),
      ...(extra.length > 0 ? [`${name} wrote ${extra.length} entries SCM's first run did not, e.g.\n  ${extra.slice(0, 5).join('\n  ')}`] : []),
    ];
  });
  if (problems.length > 0) throw new Error(`the runs did not end with the same entries, so their figures are not comparable:\n${problems.join('\n')}`);
  console.log(`entries compared                  the same ${pods} (SPIFFE ID, parent ID, selectors) in every run`);
} finally {
  await fleet.stop();
}
