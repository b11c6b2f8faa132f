// Times `plan` over a generated fleet, in memory: 5 clusters x 20 000 pods x 3 identities by default,
// every identity selecting every pod (300 000 entries, the heaviest case for that fleet).
//
//   npx node bench/plan.ts [clusters=5] [podsPerCluster=20000] [rounds=3]
//
// Prints, per round, the time of planEntries and, at the end, the peak RSS of the process. Also times the
// conversion of the pods' Kubernetes JSON into the engine's views (what the controller's caches do).
// For the peak RSS of one plan, run one round (`npx node bench/plan.ts 5 20000 1`): over several rounds
// it depends on when the collector frees the previous plans.
import { performance } from 'node:perf_hooks';
import type { EKSClusterRegistry } from '../src/api/v1alpha1/eks-cluster-registry.ts';
import type { ClusterEndpointSlice, ClusterNode, ClusterPod } from '../src/identity/cluster-objects.ts';
import { podFromKubernetes } from '../src/identity/cluster-objects.ts';
import type { ClusterSnapshot } from '../src/identity/cluster-snapshot.ts';
import { planEntries } from '../src/reconcile/plan-entries.ts';
import { sampleConfig, sampleIdentity, sampleRegistry } from '../test/fixtures/fleet-objects.ts';

const clusterCount = Number(process.argv[2] ?? 5);
const podsPerCluster = Number(process.argv[3] ?? 20_000);
const rounds = Number(process.argv[4] ?? 3);
const namespacesPerCluster = 50;
const nodesPerCluster = 200;
const appsPerNamespace = 10;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A pod as the API server sends it (the fields the engine ignores included, as they cost conversion time). */
function kubernetesPod(cluster: number, index: number): unknown {
  const namespace = `team-${index % namespacesPerCluster}`;
  const app = `app-${Math.floor(index / namespacesPerCluster) % appsPerNamespace}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-7d4b9c6f8-${hex(index, 5)}`,
      generateName: `${app}-7d4b9c6f8-`,
      namespace,
      uid: `${hex(cluster, 8)}-0000-4000-8000-${hex(index, 12)}`,
      resourceVersion: String(100_000 + index),
      creationTimestamp: '2025-09-01T10:00:00Z',
      labels: { app, 'pod-template-hash': '7d4b9c6f8', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-09-01T10:00:00Z' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7d4b9c6f8`, uid: 'x', controller: true }],
    },
    spec: {
      nodeName: `ip-10-${cluster}-${index % nodesPerCluster}.us-west-2.compute.internal`,
      serviceAccountName: app,
      containers: [{ name: 'main', image: `registry.example/${app}:1.0`, ports: [{ containerPort: 8080 }] }],
    },
    status: { phase: 'Running', podIP: `10.${cluster}.${Math.floor(index / 256) % 256}.${index % 256}` },
  };
}

function generateCluster(cluster: number): { snapshot: ClusterSnapshot; conversionMs: number } {
  // One pod's JSON at a time, as a watch delivers them: the fleet's JSON never sits in memory at once.
  const pods: ClusterPod[] = [];
  let conversionMs = 0;
  for (let index = 0; index < podsPerCluster; index++) {
    const raw = kubernetesPod(cluster, index);
    const started = performance.now();
    pods.push(podFromKubernetes(raw));
    conversionMs += performance.now() - started;
  }
  const nodes = new Map<string, ClusterNode>();
  for (let index = 0; index < nodesPerCluster; index++) {
    const name = `ip-10-${cluster}-${index}.us-west-2.compute.internal`;
    nodes.set(name, { name, uid: `${hex(cluster, 8)}-1111-4000-8000-${hex(index, 12)}`, labels: {}, annotations: {}, providerID: `aws:///us-west-2a/i-0${hex(cluster, 4)}${hex(index, 12)}` });
  }
  const namespaces = new Map(Array.from({ length: namespacesPerCluster }, (_, index) => [`team-${index}`, { name: `team-${index}`, uid: `ns-${index}`, labels: {} }]));
  // One Service per app and namespace, pointing at its pods.
  const slices = new Map<string, { namespace: string; name: string; serviceName: string; pods: { namespace: string; name: string; uid: string }[] }>();
  for (const pod of pods) {
    const app = pod.labels.app ?? '';
    const key = `${pod.namespace}/${app}`;
    let slice = slices.get(key);
    if (slice === undefined) slices.set(key, (slice = { namespace: pod.namespace, name: `${app}-abcde`, serviceName: app, pods: [] }));
    slice.pods.push({ namespace: pod.namespace, name: pod.name, uid: pod.uid });
  }
  const endpointSlices: ClusterEndpointSlice[] = [...slices.values()];
  return { snapshot: { pods, nodes, namespaces, endpointSlices }, conversionMs };
}

const config = sampleConfig({ ignoreNamespaces: [/^kube-system$/u, /^spire-.*/u] });
const registries: EKSClusterRegistry[] = [];
const snapshots = new Map<string, ClusterSnapshot>();
let conversionMs = 0;
for (let cluster = 0; cluster < clusterCount; cluster++) {
  const registry = sampleRegistry(`cluster-${cluster}`, { labels: { tier: 'compute' } });
  registries.push(registry);
  const generated = generateCluster(cluster);
  snapshots.set(registry.metadata.name, generated.snapshot);
  conversionMs += generated.conversionMs;
}
const identities = [
  sampleIdentity(
    'service-account',
    {
      ttlSeconds: 3600,
      workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:sa:{{ .PodSpec.ServiceAccountName }}'],
      federatesWith: ['partner.example'],
    },
    '2025-01-01T00:00:00Z',
  ),
  sampleIdentity(
    'per-pod',
    {
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/cluster/{{ .ClusterName }}/ns/{{ .Namespace }}/pod/{{ .PodMeta.Name }}',
      dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc'],
      workloadSelectorTemplates: ['k8s:pod-name:{{ .PodMeta.Name }}'],
      hint: 'per-pod',
      clusterSelector: { matchLabels: { tier: 'compute' }, matchExpressions: [] },
    },
    '2025-01-02T00:00:00Z',
  ),
  sampleIdentity(
    'app',
    {
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/app/{{ index .PodMeta.Labels "app" }}',
      parentIDTemplate: 'spiffe://{{ .TrustDomain }}/spire/agent/aws_iid/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}',
      podSelector: { matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'Exists', values: [] }] },
      autoPopulateDNSNames: true,
      jwtTtlSeconds: 300,
    },
    '2025-01-03T00:00:00Z',
  ),
];

console.log(`fleet: ${clusterCount} clusters x ${podsPerCluster} pods x ${identities.length} identities`);
console.log(`pod conversion (Kubernetes JSON -> view): ${conversionMs.toFixed(0)} ms for ${clusterCount * podsPerCluster} pods`);
// With --expose-gc, the heap is measured after a full collection while the plan is still referenced:
// the memory the plan really holds, apart from garbage not yet collected.
const collect = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
collect?.();
const before = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage().rss;
for (let round = 1; round <= rounds; round++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const plan = planEntries({ config, registries, identities, snapshots });
  const elapsed = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  collect?.();
  const live = collect === undefined ? '' : `, heap held by the plan ${mib(process.memoryUsage().heapUsed - before)}`;
  console.log(
    `round ${round}: plan ${elapsed.toFixed(0)} ms (cpu ${((user + system) / 1000).toFixed(0)} ms), ${plan.entries.length} entries, ${plan.errors.length} errors${live}`,
  );
}
console.log(`heap before planning (views of the pods, nodes, namespaces, slices): ${mib(before)}, RSS then ${mib(rssBefore)}`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
