// `node bench/scm-side-by-side.ts [pods]` (default 5000), issue 15: spire-controller-manager v0.7.0 (SCM),
// then the registrar, against the same pods of one workload cluster and the same spire-server build, each
// into a fresh spire-server so that neither inherits the other's entries. SCM runs in the workload cluster
// (as it is deployed, one per cluster); the registrar in the management cluster with an EKSClusterRegistry.
// Both get the same ClusterSPIFFEID and so write the same entries, which is checked: both runs must end
// with the same (SPIFFE ID, parent ID, selectors) set, or the script fails. For each it reports the time
// from the controller's start to every entry written, the controller's CPU seconds until then
// (utime + stime of its process) and over the 30 s at rest that follow, pod-created to entry-listed
// latency under a steady stream of pod creates and deletes, SPIRE calls per pod event where the
// controller counts them (the registrar's /metrics; SCM v0.7.0 has no gRPC client metrics), and its RSS
// and VmHWM. Both run with their default gcInterval (SCM 10 s, the registrar 10 min): SCM's periodic pass
// is part of how it keeps up, as it drops a pod event that comes while a pass runs (its trigger channel is
// unbuffered). The registrar runs as shipped (the compiled build), started as for the first time (an
// empty compile cache).
// BENCH_DATASTORE=sqlite3|postgres: the spire-servers' datastore (each a PostgreSQL of its own); default sqlite3.
// BENCH_NODE_FLAGS="--flag ...": node flags for the registrar (`--cpu-prof --cpu-prof-dir=DIR` profiles it).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, log, mb, memory, metric, percentile, pool, runPodStream, type PodStreamResult } from './bench-support.ts';
import { entryKey, sortSelectors } from '../src/identity/entry-id.ts';
import { createEntryClient } from '../src/spire/entry-client.ts';
import type { RegistrationEntry } from '../src/spire/entry.ts';
import { clusterSPIFFEIDs, createNode, createPod, deletePod, group, installCrds, must, registries, registryFor, repoRoot } from '../test/e2e/e2e-fixture.ts';
import { startFleet } from '../test/rig/fleet.ts';
import { freePort, ProcessGroup, type RigProcess } from '../test/rig/processes.ts';
import { installScmCrds, startSpireControllerManager } from '../test/rig/spire-controller-manager.ts';
import { parseSpireDatastoreKind, startSpireServer, type SpireServer } from '../test/rig/spire-server.ts';

const pods = Number(process.argv[2] ?? 5000);
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
if (!Number.isInteger(pods) || pods <= 0) throw new Error(`usage: node bench/scm-side-by-side.ts [pods]; got ${process.argv[2]}`);
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

  async function measure(side: Side): Promise<Run> {
    const processes = new ProcessGroup(`bench-scm-side-${side.name}-`);
    try {
      const server = await startSpireServer(processes, { trustDomain: 'example.org', datastore, name: `spire-${side.name}` });
      const spire = createEntryClient({ socketPath: server.socketPath });
      try {
        log(`${side.name}: starting against a fresh spire-server`);
        const started = performance.now();
        const controller = await side.start(processes, server);
        const { pid } = controller.process;
        let exited = false;
        void controller.process.exited.then(() => (exited = true));
        const deadline = Date.now() + 30 * 60_000;
        let count = 0;
        while ((count = await spire.countEntries()) < pods) {
          if (exited) throw new Error(`${side.name} exited before converging (${count} of ${pods} entries)\n${controller.process.logTail()}`);
          if (Date.now() > deadline) throw new Error(`${side.name}: not converged after 30 min: ${count} of ${pods} entries\n${controller.process.logTail()}`);
          await sleep(50);
        }
        const convergeSeconds = (performance.now() - started) / 1000;
        const convergeCpuSeconds = cpuSeconds(pid);
        const afterConverge = memory(pid);
        const convergeCalls = await controller.spireCalls();
        log(`${side.name}: ${count} entries in ${convergeSeconds.toFixed(1)} s, ${convergeCpuSeconds.toFixed(2)} CPU s`);

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
        while ((count = await spire.countEntries()) !== pods && Date.now() < settled) await sleep(50);
        const settleSeconds = (performance.now() - lastDelete) / 1000;
        const end = memory(pid);
        const entries = await spire.listEntries();
        log(`${side.name}: stream done; ${entries.length} entries at the end`);
        await controller.process.stop();
        return { side: side.name, settleSeconds, convergeSeconds, convergeCpuSeconds, convergeCalls, stream, streamCpuSeconds, restCpuSeconds, streamCalls, afterConverge, end, entries };
      } finally {
        spire.close();
      }
    } finally {
      await processes.stopAll();
    }
  }

  const runs = [await measure(scm), await measure(registrar)];
  const [theirs, ours] = runs as [Run, Run];
  const row = (label: string, value: (run: Run) => string): string => `${label.padEnd(34)}${value(theirs).padEnd(44)}${value(ours)}`;
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  const perEvent = (run: Run): string =>
    run.streamCalls === undefined ? 'not measured (no SPIRE call metrics)' : `${(run.streamCalls / run.stream.events).toFixed(2)} (${run.streamCalls} for ${run.stream.events} events)`;
  console.log(
    [
      '',
      `pods                              ${pods} in 1 workload cluster, ${nodeCount} nodes; spire-server datastore ${datastore} (a fresh server per run); each controller's default gcInterval`,
      `stream                            ${ticks} pod creates over ${streamSeconds} s, each pod deleted ${streamPodLifeSeconds} s later; latency polled every 20 ms`,
      '',
      row('', (run) => run.side),
      row('convergence from empty', (run) => `${run.convergeSeconds.toFixed(1)} s`),
      row('controller CPU, convergence', (run) => `${run.convergeCpuSeconds.toFixed(2)} s (from process start)`),
      row(`controller CPU, ${restSeconds} s at rest`, (run) => `${run.restCpuSeconds.toFixed(2)} s`),
      row('controller CPU, stream', (run) => `${run.streamCpuSeconds.toFixed(2)} s`),
      row('pod created -> entry listed p50', (run) => ms(percentile(run.stream.latenciesMs, 50))),
      row('pod created -> entry listed p99', (run) => ms(percentile(run.stream.latenciesMs, 99))),
      row('  max; not seen in time', (run) => `${ms(run.stream.latenciesMs.at(-1) ?? NaN)}; ${run.stream.missed} of ${ticks} not within ${streamPodLifeSeconds} s`),
      row('last delete -> entries back', (run) => `${run.settleSeconds.toFixed(1)} s to ${pods}`),
      row('SPIRE calls per pod event', perEvent),
      row('SPIRE calls, convergence', (run) => (run.convergeCalls === undefined ? 'not measured' : String(run.convergeCalls))),
      row('RSS after convergence', (run) => mb(run.afterConverge.rssKb)),
      row('RSS at the end; VmHWM', (run) => `${mb(run.end.rssKb)}; ${mb(run.end.hwmKb)}`),
      row('entries at the end', (run) => String(run.entries.length)),
      `CPU ratio registrar / SCM         convergence ${(ours.convergeCpuSeconds / theirs.convergeCpuSeconds).toFixed(2)}, at rest ${(ours.restCpuSeconds / theirs.restCpuSeconds).toFixed(2)}, stream ${(ours.streamCpuSeconds / theirs.streamCpuSeconds).toFixed(2)}`,
    ].join('\n'),
  );

  // Both must have written the same entries, or the figures compare different work.
  const keys = (run: Run): Set<string> => new Set(run.entries.map((entry) => entryKey(entry.spiffeId, entry.parentId, sortSelectors(entry.selectors))));
  const [scmKeys, registrarKeys] = [keys(theirs), keys(ours)];
  const onlyScm = [...scmKeys].filter((key) => !registrarKeys.has(key));
  const onlyRegistrar = [...registrarKeys].filter((key) => !scmKeys.has(key));
  const problems = [
    ...runs.filter((run) => run.entries.length !== pods).map((run) => `${run.side} ended with ${run.entries.length} entries, not ${pods}`),
    ...runs.filter((run) => keys(run).size !== run.entries.length).map((run) => `${run.side} holds ${run.entries.length - keys(run).size} entries twice`),
    ...(onlyScm.length > 0 ? [`${onlyScm.length} entries only SCM wrote, e.g.\n  ${onlyScm.slice(0, 5).join('\n  ')}`] : []),
    ...(onlyRegistrar.length > 0 ? [`${onlyRegistrar.length} entries only the registrar wrote, e.g.\n  ${onlyRegistrar.slice(0, 5).join('\n  ')}`] : []),
  ];
  if (problems.length > 0) throw new Error(`the two runs did not end with the same entries, so their figures are not comparable:\n${problems.join('\n')}`);
  console.log(`entries compared                  the same ${pods} (SPIFFE ID, parent ID, selectors) in both runs`);
} finally {
  await fleet.stop();
}
