// `node bench/controller.ts [N]` (default 10000): the controller as a process against the rig's fleet of
// workload clusters (BENCH_CLUSTERS, default 2) with N pods each. Measures: time from the controller's start
// to every entry written (from an empty SPIRE server), against the lower bound measured in the same run (the same entries sent
// as raw BatchCreateEntry calls at the client's batch size into a fresh spire-server); pod-created to
// entry-listed latency under a steady stream of pod creates and deletes; the controller's RSS and CPU; and SPIRE
// calls per pod event (from its /metrics); then one full reconciliation (asked for with the `reconcile`
// annotation: a listing and diff of every owned entry), timed by its own metric. The controller runs as shipped: the compiled build through
// bin/ (built here first), so its memory is the product's, not that of Node's type stripping.
// BENCH_DATASTORE=sqlite3|postgres: the datastore of the fleet's spire-server and of the lower bound's
// fresh one (a fresh PostgreSQL too); default sqlite3.
// BENCH_SOURCE: what gives the pods their entries. `identity` (default): a WorkloadIdentity with the seed's
// templates; `containers`: the same reaching the first container's name and image too, so informers keep
// more of each pod; `pod-controller`: no identity, the pod controller reading each pod's annotation.
// BENCH_NAMESPACES=K (default 1): each cluster's pods spread over K namespaces (`default` when K is 1), with
// one WorkloadIdentity each. spire-server's check for a similar entry on each create reads every entry that
// shares a selector, here `k8s:ns:<namespace>`: with one namespace its cost per create grows with the fleet.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, log, mb, memory, metric, percentile, pool, runPodStream, sample } from './bench-support.ts';
import { createEntryClient, defaultCreateBatchSize } from '../src/spire/entry-client.ts';
import { entryToMessage } from '../src/spire/entry-message.ts';
import { openEntryService } from '../src/spire/entry-service.ts';
import { createNamespace, createNode, createPod, deletePod, group, identities, installCrds, must, registries, registryFor, repoRoot } from '../test/e2e/e2e-fixture.ts';
import { startFleet } from '../test/rig/fleet.ts';
import type { ApiServer } from '../test/rig/kube-apiserver.ts';
import { freePort, ProcessGroup } from '../test/rig/processes.ts';
import { parseSpireDatastoreKind, startSpireServer } from '../test/rig/spire-server.ts';

const perCluster = Number(process.argv[2] ?? 10_000);
const clusterCount = Number(process.env.BENCH_CLUSTERS ?? 2);
if (!Number.isInteger(clusterCount) || clusterCount < 1) throw new Error(`BENCH_CLUSTERS must be a positive integer; got ${process.env.BENCH_CLUSTERS}`);
// BENCH_HEAP_SNAPSHOT=DIR: after the stream, the controller writes a heap snapshot (live objects only) into DIR.
// BENCH_NODE_FLAGS="--flag ...": node flags for the controller, to compare V8 settings.
const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT;
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const datastore = parseSpireDatastoreKind(process.env.BENCH_DATASTORE ?? 'sqlite3', 'BENCH_DATASTORE');
const sources = ['identity', 'containers', 'pod-controller'] as const;
const source = (process.env.BENCH_SOURCE ?? 'identity') as (typeof sources)[number];
if (!sources.includes(source)) throw new Error(`BENCH_SOURCE must be one of ${sources.join(', ')}; got ${source}`);
const namespaceCount = Number(process.env.BENCH_NAMESPACES ?? 1);
if (!Number.isInteger(namespaceCount) || namespaceCount < 1) throw new Error(`BENCH_NAMESPACES must be a positive integer; got ${process.env.BENCH_NAMESPACES}`);
const namespaces = namespaceCount === 1 ? ['default'] : Array.from({ length: namespaceCount }, (_, i) => `bench-${i}`);
/** The namespace of a cluster's i-th pod, starting pods and stream pods alike. */
const namespaceOf = (i: number): string => namespaces[i % namespaceCount] as string;
const podIdentityAnnotation = 'spiffe.io/spiffe-id';
if (!Number.isInteger(perCluster) || perCluster <= 0) throw new Error(`usage: node bench/controller.ts [pods per cluster]; got ${process.argv[2]}`);
const nodesPerCluster = 20;
const streamSeconds = 60;
const streamOpsPerSecond = 5;
// The stream deletes one starting pod a tick, cluster after cluster.
if (perCluster * clusterCount < streamSeconds * streamOpsPerSecond) throw new Error(`the stream deletes ${streamSeconds * streamOpsPerSecond} starting pods: give at least ${Math.ceil((streamSeconds * streamOpsPerSecond) / clusterCount)} pods per cluster`);
const prefix = 'eks-bench-';
const spiffeIdOf = (pod: string): string => `spiffe://example.org/pod/${pod}`;
const podName = (cluster: number, i: number): string => `c${cluster}-pod-${String(i).padStart(6, '0')}`;

execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
log(`starting the fleet (${clusterCount} workload clusters, ${perCluster} pods each, spire-server on ${datastore}, entries from ${source})`);
const fleet = await startFleet({ workloadClusters: clusterCount, spireDatastore: datastore });
const processes = new ProcessGroup('bench-controller-');
const spireServer = fleet.spire;
if (spireServer === undefined) throw new Error('no spire-server');
const spire = createEntryClient({ socketPath: spireServer.socketPath });
try {
  await installCrds(fleet.management);
  const apis = fleet.workloads.map((w) => w.apiServer);
  const podsOf: string[][] = [];
  const creating = performance.now();
  for (const [c, api] of apis.entries()) {
    const nodes = Array.from({ length: nodesPerCluster }, (_, i) => `node-${i}`);
    await pool(nodes, 8, (node) => createNode(api, node));
    for (const namespace of namespaces) if (namespace !== 'default') await createNamespace(api, namespace);
    podsOf.push(Array.from({ length: perCluster }, (_, i) => podName(c + 1, i)));
  }
  await pool(
    podsOf.flatMap((names, c) => names.map((name, i) => ({ api: apis[c] as ApiServer, namespace: namespaceOf(i), name, node: `node-${i % nodesPerCluster}` }))),
    32,
    ({ api, namespace, name, node }) => createPod(api, namespace, name, { app: 'bench' }, node, { [podIdentityAnnotation]: `pod/${name}` }),
  );
  const podCreateSeconds = (performance.now() - creating) / 1000;
  log(`created ${clusterCount * perCluster} pods in ${podCreateSeconds.toFixed(1)} s (not measured)`);

  for (let c = 0; c < clusterCount; c++) await must(fleet.management, 'POST', registries, registryFor(`cluster-${c + 1}`, fleet, c, { bench: 'yes' }));
  const seedSelectors = ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-name:{{ .PodMeta.Name }}'];
  const containerSelectors = ['k8s:container-name:{{ (index .PodSpec.Containers 0).Name }}', 'k8s:container-image:{{ (index .PodSpec.Containers 0).Image }}'];
  for (const namespace of source === 'pod-controller' ? [] : namespaces) {
    await must(fleet.management, 'POST', identities, {
      apiVersion: `${group}/v1alpha1`,
      kind: 'WorkloadIdentity',
      metadata: { name: `bench-${namespace}` },
      spec: {
        applicationName: 'bench',
        namespace,
        spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/pod/{{ .PodMeta.Name }}',
        podSelector: { matchLabels: { app: 'bench' } },
        ttl: '1h',
        workloadSelectorTemplates: source === 'containers' ? [...seedSelectors, ...containerSelectors] : seedSelectors,
      },
    });
  }

  const metricsPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const configPath = join(fleet.dir, 'bench-config.yaml');
  writeFileSync(
    configPath,
    [
      `apiVersion: ${group}/v1alpha1`,
      'kind: ControllerManagerConfig',
      'trustDomain: example.org',
      `entryIDPrefix: ${prefix}`,
      `spireServerSocketPath: ${spireServer.socketPath}`,
      // No full reconciliation during the measurement: it would compete with the stream.
      'gcInterval: 1h',
      'leaderElection: { leaderElect: false }',
      `metrics: { bindAddress: "127.0.0.1:${metricsPort}" }`,
      'health: { healthProbeBindAddress: "127.0.0.1:0" }',
      ...(source === 'pod-controller' ? [`podController: { enabled: true, podAnnotation: "${podIdentityAnnotation}" }`] : []),
      '',
    ].join('\n'),
  );

  const total = clusterCount * perCluster;
  const started = performance.now();
  const controller = processes.start('controller', process.execPath, {
    args: [...nodeFlags, ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : []), join(repoRoot, 'bin/spire-eks-workload-registrar.js'), 'run', '--config', configPath, '--kubeconfig', fleet.management.kubeconfigPath],
    env: { ...fleet.awsEnv },
    cwd: repoRoot,
  });
  let peakRssKb = 0;
  let peakAtSeconds = 0;
  const sampler = setInterval(() => {
    try {
      const { rssKb } = memory(controller.pid);
      if (rssKb > peakRssKb) [peakRssKb, peakAtSeconds] = [rssKb, (performance.now() - started) / 1000];
    } catch {
      // The process is gone; its exit is reported below.
    }
  }, 250);
  // 30 min, or a minute per 1000 entries for larger fleets (spire-server slows as its tables grow).
  const convergeMinutes = Math.max(30, Math.ceil(total / 1000));
  const convergeDeadline = Date.now() + convergeMinutes * 60_000;
  let created = 0;
  for (;;) {
    created = await metric(metricsUrl, 'spire_eks_registrar_entry_writes_total', { operation: 'create', outcome: 'ok' }).catch(() => 0);
    if (created >= total) break;
    if (Date.now() > convergeDeadline) throw new Error(`not converged after ${convergeMinutes} min: ${created} of ${total} created\n${controller.logTail()}`);
    // Each scrape costs the controller CPU too: at 50 a second it was most of what the bench measured.
    await sleep(250);
  }
  const convergeSeconds = (performance.now() - started) / 1000;
  const convergeCpuSeconds = cpuSeconds(controller.pid);
  const listed = await spire.countEntries();
  const convergeCalls = await metric(metricsUrl, 'spire_eks_registrar_spire_calls_total');
  log(`converged: ${created} entries written in ${convergeSeconds.toFixed(1)} s (${listed} listed; ${convergeCalls} SPIRE calls counted)`);
  const afterConverge = memory(controller.pid);
  const heapAfterConverge = await metric(metricsUrl, 'nodejs_heap_size_used_bytes');

  // The steady stream: each tick creates one new pod and deletes one of the original ones, cluster after cluster.
  const callsBefore = await metric(metricsUrl, 'spire_eks_registrar_spire_calls_total');
  const cpuBefore = cpuSeconds(controller.pid);
  const ticks = streamSeconds * streamOpsPerSecond;
  const { latenciesMs: latencies, missed, events } = await runPodStream({
    ticks,
    ticksPerSecond: streamOpsPerSecond,
    async create(tick) {
      const name = `c${(tick % clusterCount) + 1}-stream-${String(tick).padStart(4, '0')}`;
      await createPod(apis[tick % clusterCount] as ApiServer, namespaceOf(tick), name, { app: 'bench' }, `node-${tick % nodesPerCluster}`, { [podIdentityAnnotation]: `pod/${name}` });
      return spiffeIdOf(name);
    },
    remove: (tick) => {
      const i = Math.floor(tick / clusterCount);
      return deletePod(apis[tick % clusterCount] as ApiServer, namespaceOf(i), podsOf[tick % clusterCount]?.[i] as string);
    },
    listed: async (spiffeId) => (await spire.listEntries({ bySpiffeId: spiffeId })).length > 0,
    timeoutMs: 30_000,
  });
  const streamCalls = (await metric(metricsUrl, 'spire_eks_registrar_spire_calls_total')) - callsBefore;
  const streamCpuSeconds = cpuSeconds(controller.pid) - cpuBefore;
  // Every deleted pod's entry goes too: the expected count after the stream is unchanged.
  const deadline = Date.now() + 60_000;
  while ((await spire.countEntries()) !== total && Date.now() < deadline) await sleep(200);
  const finalCount = await spire.countEntries();

  // One full reconciliation, asked for as a user would.
  const fulls = (): Promise<number> => metric(metricsUrl, 'spire_eks_registrar_reconciliations_total', { kind: 'full' });
  const fullSeconds = (): Promise<number> => metric(metricsUrl, 'spire_eks_registrar_reconcile_duration_seconds_sum', { kind: 'full' });
  const [fullsBefore, fullSecondsBefore] = [await fulls(), await fullSeconds()];
  // Whose time the full reconciliation is: the controller's listing and diff, or the server's answering.
  const [controllerCpuBefore, serverCpuBefore] = [cpuSeconds(controller.pid), cpuSeconds(spireServer.process.pid)];
  await fleet.management.request('PATCH', `${registries}/cluster-1`, { metadata: { annotations: { reconcile: `bench-${Date.now()}` } } }, { contentType: 'application/merge-patch+json' });
  const fullDeadline = Date.now() + 5 * 60_000;
  while ((await fulls()) === fullsBefore) {
    if (Date.now() > fullDeadline) throw new Error('the full reconciliation asked for did not run within 5 min');
    await sleep(100);
  }
  const fullReconcileSeconds = (await fullSeconds()) - fullSecondsBefore;
  const fullControllerCpu = cpuSeconds(controller.pid) - controllerCpuBefore;
  const fullServerCpu = cpuSeconds(spireServer.process.pid) - serverCpuBefore;
  const end = memory(controller.pid);
  // Before the snapshot, whose own memory is not the controller's.
  clearInterval(sampler);
  if (snapshotDir) {
    process.kill(controller.pid, 'SIGUSR2');
    log(`heap snapshot asked for, into ${snapshotDir}`);
    await sleep(30_000);
    log(`RSS after the snapshot's full collection: ${mb(memory(controller.pid).rssKb)}`);
  }
  const scrape = await (await fetch(metricsUrl)).text();
  const heapEnd = sample(scrape, 'nodejs_heap_size_used_bytes');
  const heapTotalEnd = sample(scrape, 'nodejs_heap_size_total_bytes');
  const spaces = ['new', 'old', 'code', 'large_object'].map((space) => `${space} ${mb(sample(scrape, 'nodejs_heap_space_size_total_bytes', { space }) / 1024)}`);
  const gcPauses = sample(scrape, 'nodejs_gc_duration_seconds_count');
  const gcPausesOver100ms = gcPauses - sample(scrape, 'nodejs_gc_duration_seconds_bucket', { le: '0.1' });
  await controller.stop();

  // The lower bound: the same entries, raw, into a fresh server.
  const messages = (await spire.listEntries()).filter((e) => e.id.startsWith(prefix)).slice(0, total).map(entryToMessage);
  const rawGroup = new ProcessGroup('bench-controller-raw-');
  let rawSeconds: number;
  try {
    const fresh = await startSpireServer(rawGroup, { trustDomain: 'example.org', datastore });
    const service = openEntryService({ socketPath: fresh.socketPath, maxReceiveMessageBytes: 4 << 20, maxReconnectBackoffMs: 5000 });
    const rawStart = performance.now();
    for (let i = 0; i < messages.length; i += defaultCreateBatchSize) {
      await service.call('BatchCreateEntry', { entries: messages.slice(i, i + defaultCreateBatchSize) }, new Date(Date.now() + 60_000));
    }
    rawSeconds = (performance.now() - rawStart) / 1000;
    service.close();
    const rawCount = (await fresh.cliEntries()).length;
    if (rawCount !== messages.length) throw new Error(`raw create made ${rawCount} of ${messages.length} entries`);
  } finally {
    await rawGroup.stopAll();
  }

  console.log(
    [
      '',
      `pods per cluster                 ${perCluster} (${clusterCount} clusters, ${total} entries); pods created in ${podCreateSeconds.toFixed(1)} s`,
      `spire-server datastore           ${datastore}`,
      `entries from                     ${source}; ${namespaceCount} namespace(s) per cluster`,
      `convergence from empty           ${convergeSeconds.toFixed(1)} s (controller start to ${total} entries written)`,
      `raw BatchCreateEntry lower bound ${rawSeconds.toFixed(1)} s (batch ${defaultCreateBatchSize}, fresh server, ${datastore} as above)`,
      `ratio                            ${(convergeSeconds / rawSeconds).toFixed(2)} (goal <= 1.5)`,
      `stream                           ${ticks} creates + ${ticks} deletes over ${streamSeconds} s; ${latencies.length} entries seen, ${missed} not within 30 s`,
      `pod created -> entry listed      p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms (goal p99 < 1000 ms; polled every 20 ms)`,
      `controller CPU                   ${convergeCpuSeconds.toFixed(2)} s until converged (process start included), ${streamCpuSeconds.toFixed(2)} s during the stream`,
      `SPIRE calls per pod event        ${(streamCalls / events).toFixed(2)} (${streamCalls} calls for ${events} events); convergence: ${convergeCalls} calls counted`,
      `entries after the stream         ${finalCount} (expected ${total})`,
      `a full reconciliation            ${fullReconcileSeconds.toFixed(2)} s (listing and diff of ${finalCount} owned entries; nothing to write), CPU: controller ${fullControllerCpu.toFixed(2)} s, spire-server ${fullServerCpu.toFixed(2)} s`,
      `controller RSS                   after convergence ${mb(afterConverge.rssKb)}, end ${mb(end.rssKb)}, VmHWM ${mb(end.hwmKb)}, sampled peak ${mb(peakRssKb)} ${peakAtSeconds.toFixed(0)} s after start (goal < 200 MB)`,
      `controller heap used             after convergence ${mb(heapAfterConverge / 1024)}, end ${mb(heapEnd / 1024)} of ${mb(heapTotalEnd / 1024)} allocated`,
      `heap spaces allocated            ${spaces.join(', ')}`,
      `GC pauses                        ${gcPauses} in all, ${gcPausesOver100ms} over 100 ms`,
    ].join('\n'),
  );
} finally {
  spire.close();
  await processes.stopAll();
  await fleet.stop();
}
