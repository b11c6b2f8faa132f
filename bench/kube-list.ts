// Measures what the first list of a large cluster costs the controller, to choose how the kube edge
// reads lists (docs/adr/0013-kube-client-edge.md): plain JSON.parse of pages into a transformed cache,
// against client-node's typed deserialization.
//
//   node bench/kube-list.ts [pods=20000] [repeats=3] [variant...]
//
// Starts the rig's etcd and kube-apiserver (watch cache on, as on EKS), creates `pods` pods shaped like
// an EKS workload's (spec, status, managed fields; ~5 KB of JSON each), then lists them all in a fresh
// child process per variant and repeat (so each has its own heap and peak RSS), and prints medians:
//   informer     Informer over httpResourceSource, pages of 500, the engine's podFromKubernetes view,
//                indexes by namespace and node: what the controller runs
//   raw-pages    httpResourceSource pages of 500, keeping each pod's parsed JSON (no transform)
//   client-node  client-node's CoreV1Api.listPodForAllNamespaces, pages of 500, keeping the typed V1Pod
//                objects (what its own informer caches)
//   one-page     httpResourceSource with no paging (one response), the engine's view
//   no-gzip      as informer, without asking for gzip (the apiserver then spends no CPU compressing)
// Timings are relative: run it alone on an otherwise idle machine.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { median } from './bench-support.ts';
import { podFromKubernetes } from '../src/identity/cluster-objects.ts';
import { ClusterConnection } from '../src/kube/cluster-connection.ts';
import { httpResourceSource } from '../src/kube/http-resource-source.ts';
import { Informer } from '../src/kube/informer.ts';
import { kubeconfigCredentials } from '../src/kube/kubeconfig.ts';
import { byNamespace, byNodeName } from '../src/kube/object-store.ts';
import { startEtcd } from '../test/rig/etcd.ts';
import { startApiServer } from '../test/rig/kube-apiserver.ts';
import { ProcessGroup } from '../test/rig/processes.ts';

const variants = ['informer', 'raw-pages', 'client-node', 'one-page', 'no-gzip'] as const;
type Variant = (typeof variants)[number];

interface Measurement {
  readonly variant: Variant;
  readonly pods: number;
  readonly listMs: number;
  /** Heap still held by the cache after a full GC, less the heap before the list. */
  readonly retainedMB: number;
  readonly peakRssMB: number;
}

const namespaces = 20;
const nodes = 500;

/** A pod as an EKS Deployment's, before the apiserver adds managed fields. */
function workloadPod(i: number): Record<string, unknown> {
  const app = `app-${i % 200}`;
  const hash = (i % 200).toString(16).padStart(10, '7');
  const env = Array.from({ length: 8 }, (_, e) => ({ name: `SETTING_${e}`, value: `value-${e}-${app}` }));
  const container = (name: string, port: number): Record<string, unknown> => ({
    name,
    image: `123456789012.dkr.ecr.us-west-2.amazonaws.com/${app}/${name}:v1.${i % 50}.0`,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    env,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    livenessProbe: { httpGet: { path: '/healthz', port, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  });
  return {
    metadata: {
      name: `${app}-${hash}-${i.toString(36).padStart(5, '0')}`,
      generateName: `${app}-${hash}-`,
      labels: { app, 'app.kubernetes.io/name': app, 'pod-template-hash': hash, team: `team-${i % 12}`, version: `v1.${i % 50}` },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, uid: '0b7c5e0e-4f8a-4a4e-9c55-2f9d5c6c1f10', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      serviceAccountName: app,
      nodeName: `ip-10-0-${Math.floor((i % nodes) / 250)}-${i % 250}.us-west-2.compute.internal`,
      containers: [container('app', 8080), container('sidecar', 9090)],
      volumes: [
        { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000 },
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
    },
  };
}

function workloadStatus(i: number): Record<string, unknown> {
  const at = '2025-01-01T00:00:00Z';
  const containerStatus = (name: string): Record<string, unknown> => ({
    name,
    ready: true,
    restartCount: 0,
    started: true,
    image: `123456789012.dkr.ecr.us-west-2.amazonaws.com/app/${name}:v1.0.0`,
    imageID: `123456789012.dkr.ecr.us-west-2.amazonaws.com/app/${name}@sha256:${'ab'.repeat(32)}`,
    containerID: `containerd://${'cd'.repeat(32)}`,
    state: { running: { startedAt: at } },
  });
  return {
    phase: 'Running',
    hostIP: `10.0.${Math.floor((i % nodes) / 250)}.${i % 250}`,
    podIP: `10.1.${Math.floor(i / 250) % 250}.${i % 250}`,
    podIPs: [{ ip: `10.1.${Math.floor(i / 250) % 250}.${i % 250}` }],
    startTime: at,
    qosClass: 'Burstable',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: at })),
    containerStatuses: [containerStatus('app'), containerStatus('sidecar')],
  };
}

async function createPods(connection: ClusterConnection, count: number): Promise<number> {
  for (let n = 0; n < namespaces; n++) await connection.requestJson('POST', '/api/v1/namespaces', { body: { metadata: { name: `team-${n}` } } });
  let next = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const namespace = `team-${i % namespaces}`;
      const created = (await connection.requestJson('POST', `/api/v1/namespaces/${namespace}/pods`, { body: workloadPod(i) })) as { metadata: { name: string } };
      const updated = await connection.requestJson('PUT', `/api/v1/namespaces/${namespace}/pods/${created.metadata.name}/status`, { body: { ...created, status: workloadStatus(i) } });
      if (i === 0) bytes = JSON.stringify(updated).length;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return bytes;
}

async function measure(variant: Variant, kubeconfigPath: string): Promise<Measurement> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run the child with --expose-gc');
  const connection = new ClusterConnection({
    name: 'bench',
    credentials: kubeconfigCredentials(kubeconfigPath),
    requestTimeoutMs: 300_000,
    compression: variant !== 'no-gzip',
  });
  const pods = httpResourceSource(connection, { group: '', version: 'v1', resource: 'pods' });
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const started = performance.now();
  let cache: { size: number };
  switch (variant) {
    case 'informer':
    case 'no-gzip':
    case 'one-page': {
      const informer = new Informer({
        source: pods,
        transform: podFromKubernetes,
        indexers: { namespace: byNamespace, node: byNodeName },
        pageSize: variant === 'one-page' ? 1_000_000 : 500,
      });
      const controller = new AbortController();
      const running = informer.run(controller.signal);
      await informer.waitForSync();
      controller.abort();
      await running;
      cache = informer.store;
      break;
    }
    case 'raw-pages': {
      const kept = new Map<string, unknown>();
      let next: string | undefined;
      do {
        const page = await pods.list({ limit: 500, signal: AbortSignal.timeout(300_000), ...(next ? { continue: next } : {}) });
        for (const item of page.items) kept.set(`${item.meta.namespace}/${item.meta.name}`, item.json);
        next = page.continue;
      } while (next !== undefined);
      cache = kept;
      break;
    }
    case 'client-node': {
      const config = new KubeConfig();
      config.loadFromFile(kubeconfigPath);
      const api = config.makeApiClient(CoreV1Api);
      const kept = new Map<string, unknown>();
      let next: string | undefined;
      do {
        const list = await api.listPodForAllNamespaces({ limit: 500, ...(next ? { _continue: next } : {}) });
        for (const pod of list.items) kept.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
        next = list.metadata?._continue || undefined;
      } while (next !== undefined);
      cache = kept;
      break;
    }
  }
  const listMs = performance.now() - started;
  connection.close();
  gc();
  const retainedMB = (process.memoryUsage().heapUsed - baseline) / 2 ** 20;
  const measurement = { variant, pods: cache.size, listMs: Math.round(listMs), retainedMB: Math.round(retainedMB * 10) / 10, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
  // Keeps the cache alive until after the heap was measured.
  if (cache.size < 0) console.log(cache);
  return measurement;
}

/** The bytes on the wire of one page of 500 pods, asking for `encoding`. */
function pageBytes(url: string, caPem: string, token: string, encoding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/pods?limit=500', url), { ca: caPem, headers: { authorization: `Bearer ${token}`, 'accept-encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure(process.argv[3] as Variant, process.argv[4] as string)));
} else {
  const count = Number(process.argv[2] ?? 20_000);
  const repeats = Number(process.argv[3] ?? 3);
  const chosen = process.argv.length > 4 ? (process.argv.slice(4) as Variant[]) : variants;
  const group = new ProcessGroup('bench-kube-');
  try {
    const etcd = await startEtcd(group);
    const api = await startApiServer(group, { name: 'bench', etcd });
    const connection = new ClusterConnection({ name: 'bench', credentials: async () => ({ server: api.url, caPem: api.caPem, token: api.adminToken }) });
    const createStarted = performance.now();
    const podBytes = await createPods(connection, count);
    connection.close();
    console.log(`created ${count} pods (${podBytes} bytes of JSON each) in ${Math.round((performance.now() - createStarted) / 1000)} s`);
    const [plain, gzip] = [await pageBytes(api.url, api.caPem, api.adminToken, 'identity'), await pageBytes(api.url, api.caPem, api.adminToken, 'gzip')];
    console.log(`a page of 500 pods: ${plain} bytes, ${gzip} gzip-compressed (${(plain / gzip).toFixed(1)}x)`);
    console.log('variant       pods   list ms  retained MB  bytes/pod  peak RSS MB');
    for (const variant of chosen) {
      const runs: Measurement[] = [];
      for (let r = 0; r < repeats; r++) {
        const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', variant, api.kubeconfigPath], { encoding: 'utf8', maxBuffer: 2 ** 24 });
        if (child.status !== 0) throw new Error(`${variant}: ${child.stderr}`);
        runs.push(JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as Measurement);
      }
      const pods = runs[0]?.pods ?? 0;
      const retained = median(runs.map((m) => m.retainedMB));
      console.log(
        [
          variant.padEnd(12),
          String(pods).padStart(6),
          String(median(runs.map((m) => m.listMs))).padStart(9),
          retained.toFixed(1).padStart(12),
          String(Math.round((retained * 2 ** 20) / Math.max(1, pods))).padStart(10),
          String(median(runs.map((m) => m.peakRssMB))).padStart(12),
        ].join(' '),
      );
    }
  } finally {
    await group.stopAll();
  }
}
