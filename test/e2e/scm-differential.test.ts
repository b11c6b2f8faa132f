import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { clusterEntryIdPrefix } from '../../src/identity/entry-id.ts';
import { federateWith } from '../integration/spire/spire-fixture.ts';
import type { ApiServer } from '../rig/kube-apiserver.ts';
import { ProcessGroup } from '../rig/processes.ts';
import { installScmCrds, startSpireControllerManager, type SpireControllerManager } from '../rig/spire-controller-manager.ts';
import { startSpireServer, type SpireServer } from '../rig/spire-server.ts';
import { clusterSPIFFEIDs, eventually, must, registries, registryFor, startHarness, type Harness } from './e2e-fixture.ts';

// The differential test against spire-controller-manager (SCM) itself: SCM, built from the Go module proxy
// (test/rig/go/spire-controller-manager), runs in a workload cluster of the rig and writes into a
// spire-server of its own; the registrar gets the same ClusterSPIFFEID manifests, unchanged, in the
// management cluster and writes into the fleet's spire-server. For each workload cluster the two sets of
// entries must be equal in every field but the entry ID, except where docs/scm-resources.md ("Where the
// registrar differs from SCM") says otherwise, which is asserted here entry by entry.
// SCM owns every unprefixed entry of its server (it deletes what it does not declare), so each SCM gets a
// spire-server to itself rather than sharing the registrar's.

const apiVersion = 'spire.spiffe.io/v1alpha1';
const partner = 'partner.example';
/** The class both controllers are configured with; they also act on objects without a class (watchClassless). */
const className = 'fleet';
const ignoreNamespaces = ['^kube-', '^ignored-'];

// Every field of a ClusterSPIFFEID, as SCM users write them; templates reach containers, init containers,
// images, owner references, host network, the node's labels and spec, and the cluster's name and domain.
const manifests: Record<string, unknown>[] = [
  {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'web' },
    spec: {
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      namespaceSelector: { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] },
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      workloadSelectorTemplates: [
        'k8s:ns:{{ .PodMeta.Namespace }}',
        'k8s:sa:{{ .PodSpec.ServiceAccountName }}',
        'k8s:container-name:{{ (index .PodSpec.Containers 0).Name }}',
        'k8s:container-image:{{ (index .PodSpec.Containers 0).Image }}',
        // `controller` is a *bool: to Go's `if` any non-nil pointer is true, so `controller: false` counts too.
        'k8s:pod-owner:{{ range .PodMeta.OwnerReferences }}{{ if .Controller }}{{ .Kind }}/{{ .Name }}{{ end }}{{ end }}',
      ],
      // Rendered names come first (the first is the X509-SVID's common name), then the Services' names.
      dnsNameTemplates: ['{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.pod.{{ .ClusterDomain }}', 'web.{{ .ClusterName }}.example.com'],
      autoPopulateDNSNames: true,
      ttl: '1h',
      jwtTtl: '5m',
      federatesWith: [partner],
      admin: false,
      downstream: false,
      hint: 'web',
    },
  },
  {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'api' },
    spec: {
      className,
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/cluster/{{ .ClusterName }}/{{ (index .PodMeta.OwnerReferences 0).Kind }}/{{ .PodSpec.Subdomain }}/{{ .PodSpec.Hostname }}',
      podSelector: { matchLabels: { app: 'api' } },
      workloadSelectorTemplates: [
        'k8s:pod-name:{{ .PodMeta.Name }}',
        'k8s:node-zone:{{ index .NodeMeta.Labels "topology.kubernetes.io/zone" }}',
        'k8s:init-images:{{ range $i, $c := .PodSpec.InitContainers }}{{ if $i }},{{ end }}{{ $c.Image }}{{ end }}',
      ],
      dnsNameTemplates: ['{{ .PodSpec.Hostname }}.{{ .PodSpec.Subdomain }}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'],
      ttl: '90m',
      admin: true,
      downstream: true,
    },
  },
  {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'mesh' },
    spec: {
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/mesh/{{ .PodMeta.Namespace }}/{{ .PodMeta.Name }}',
      podSelector: { matchLabels: { mesh: 'true' } },
      // A pod with one container fails to render here, in both.
      workloadSelectorTemplates: ['k8s:sidecar-image:{{ (index .PodSpec.Containers 1).Image }}'],
      jwtTtl: '15m',
      hint: 'mesh',
    },
  },
  {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'node-exporter' },
    spec: {
      className,
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/node/{{ .NodeMeta.Name }}/exporter',
      podSelector: { matchLabels: { app: 'node-exporter' } },
      workloadSelectorTemplates: [
        'k8s:host-network:{{ .PodSpec.HostNetwork }}',
        'k8s:dns-policy:{{ .PodSpec.DNSPolicy }}',
        // A *int64 the apiserver defaults (30): Go's template prints what a pointer points at.
        'k8s:grace:{{ .PodSpec.TerminationGracePeriodSeconds }}',
        'k8s:node-provider:{{ .NodeSpec.ProviderID }}',
      ],
      ttl: '10m',
    },
  },
  {
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'fallback' },
    spec: {
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/pod/{{ .PodMeta.Name }}',
      namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
      fallback: true,
      ttl: '15m',
      hint: 'fallback',
    },
  },
  {
    // Another controller's: both leave it alone (it would select every pod).
    apiVersion,
    kind: 'ClusterSPIFFEID',
    metadata: { name: 'other-class' },
    spec: { className: 'other', spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/other/{{ .PodMeta.Namespace }}/{{ .PodMeta.Name }}' },
  },
];

interface Owner {
  readonly kind: string;
  readonly name: string;
  readonly controller?: boolean;
}

function ownerReferences(owners: readonly Owner[]): Record<string, unknown>[] {
  const apiGroup: Record<string, string> = { ReplicaSet: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1' };
  return owners.map((owner) => ({
    apiVersion: apiGroup[owner.kind] ?? 'v1',
    kind: owner.kind,
    name: owner.name,
    uid: randomUUID(),
    ...(owner.controller === undefined ? {} : { controller: owner.controller, blockOwnerDeletion: true }),
  }));
}

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
const envoy = { name: 'envoy', image: 'envoyproxy/envoy:v1.31.2', ports: [{ name: 'admin', containerPort: 9901 }], resources };

/** Pods as controllers make them: by name, what is special about each. */
function pods(): { namespace: string; name: string; spec: Record<string, unknown>; labels: Record<string, string>; owners: Owner[]; phase?: string }[] {
  const web = (nodeName: string | undefined): Record<string, unknown> => ({
    ...(nodeName === undefined ? {} : { nodeName }),
    serviceAccountName: 'web',
    initContainers: [{ name: 'migrate', image: 'registry.example/web-migrate:2.0.1', command: ['/migrate', 'up'] }],
    containers: [{ name: 'web', image: 'registry.example/web:1.4.2', ports: [{ name: 'http', containerPort: 8080 }], resources }, envoy],
    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  });
  const replicaSet = [{ kind: 'ReplicaSet', name: 'web-7d4b9c', controller: true }];
  return [
    // A Deployment's replicas, on two nodes, in a mesh; Services point at them.
    { namespace: 'shop', name: 'web-7d4b9c-x2lqp', labels: { app: 'web', mesh: 'true', 'pod-template-hash': '7d4b9c' }, owners: replicaSet, spec: web('node-1') },
    {
      namespace: 'shop',
      name: 'web-7d4b9c-k8v4d',
      labels: { app: 'web', mesh: 'true', 'pod-template-hash': '7d4b9c' },
      owners: [...replicaSet, { kind: 'ConfigMap', name: 'web-canary-lock', controller: false }],
      spec: web('node-2'),
    },
    // Not scheduled yet: SCM counts a render failure, the registrar skips it; neither writes an entry.
    { namespace: 'shop', name: 'web-7d4b9c-pend1', labels: { app: 'web', mesh: 'true', 'pod-template-hash': '7d4b9c' }, owners: replicaSet, spec: web(undefined) },
    {
      namespace: 'shop',
      name: 'api-0',
      labels: { app: 'api', mesh: 'true', 'statefulset.kubernetes.io/pod-name': 'api-0' },
      owners: [{ kind: 'StatefulSet', name: 'api', controller: true }],
      spec: {
        nodeName: 'node-1',
        hostname: 'api-0',
        subdomain: 'api',
        serviceAccountName: 'api',
        initContainers: [
          { name: 'config', image: 'busybox:1.36.1' },
          { name: 'wait-db', image: 'registry.example/wait-for:3' },
        ],
        containers: [{ name: 'api', image: 'registry.example/api:7.0.0', resources }, envoy],
      },
    },
    // In the mesh with one container: the mesh identity fails on it (a documented difference follows).
    { namespace: 'shop', name: 'cron-1', labels: { app: 'cron', mesh: 'true' }, owners: [], spec: { nodeName: 'node-2', containers: [{ name: 'cron', image: 'registry.example/cron:1' }] } },
    // A Job's pod that has finished (a documented difference).
    {
      namespace: 'shop',
      name: 'report-28731-9qz7m',
      labels: { app: 'report', 'batch.kubernetes.io/job-name': 'report-28731' },
      owners: [{ kind: 'Job', name: 'report-28731', controller: true }],
      spec: { nodeName: 'node-2', restartPolicy: 'Never', containers: [{ name: 'report', image: 'registry.example/report:5' }] },
      phase: 'Succeeded',
    },
    // Bare pods: the fallback gives them their entry (web does not select bank).
    { namespace: 'bank', name: 'ledger-1', labels: { app: 'ledger' }, owners: [], spec: { nodeName: 'node-1', containers: [{ name: 'ledger', image: 'registry.example/ledger:9' }] } },
    { namespace: 'bank', name: 'web-1', labels: { app: 'web' }, owners: [], spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'registry.example/web:1.4.2' }] } },
    // No identity of either class selects this one.
    { namespace: 'sandbox', name: 'toy', labels: { app: 'web' }, owners: [], spec: { nodeName: 'node-1', containers: [{ name: 'toy', image: 'registry.example/toy:0' }] } },
    // A DaemonSet's pods: one in a namespace both ignore.
    ...['monitoring', 'kube-system'].map((namespace) => ({
      namespace,
      name: 'node-exporter-7xk2p',
      labels: { app: 'node-exporter' },
      owners: [{ kind: 'DaemonSet', name: 'node-exporter', controller: true }],
      spec: { nodeName: 'node-2', hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2' }] },
    })),
  ];
}

/** Namespaces, nodes, pods, Services with their Endpoints (SCM reads these) and EndpointSlices (the registrar reads these). */
async function populate(api: ApiServer, zone: string): Promise<void> {
  for (const [name, labels] of [
    ['shop', { team: 'shop', env: 'prod' }],
    ['bank', { team: 'bank' }],
    ['sandbox', {}],
    ['monitoring', {}],
  ] as const) {
    await must(api, 'POST', '/api/v1/namespaces', { metadata: { name, labels } });
  }
  for (const name of ['node-1', 'node-2']) {
    await must(api, 'POST', '/api/v1/nodes', {
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone } },
      spec: { providerID: `aws:///${zone}/i-0${name.replace(/\W/g, '')}` },
    });
  }
  const uids = new Map<string, string>();
  for (const pod of pods()) {
    const created = (await must(api, 'POST', `/api/v1/namespaces/${pod.namespace}/pods`, {
      metadata: { name: pod.name, labels: pod.labels, ownerReferences: ownerReferences(pod.owners) },
      spec: pod.spec,
    })) as { metadata: { uid: string } };
    uids.set(`${pod.namespace}/${pod.name}`, created.metadata.uid);
    if (pod.phase !== undefined) {
      const patched = await api.request('PATCH', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, { status: { phase: pod.phase } }, { contentType: 'application/merge-patch+json' });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
    }
  }
  // Two Services point at the web pods (one pod not ready on one of them); one at api-0.
  const services: { name: string; app: string; pods: { name: string; ready: boolean }[] }[] = [
    { name: 'web', app: 'web', pods: [{ name: 'web-7d4b9c-x2lqp', ready: true }, { name: 'web-7d4b9c-k8v4d', ready: false }] },
    { name: 'checkout', app: 'web', pods: [{ name: 'web-7d4b9c-x2lqp', ready: true }, { name: 'web-7d4b9c-k8v4d', ready: true }] },
    { name: 'api', app: 'api', pods: [{ name: 'api-0', ready: true }] },
  ];
  for (const service of services) {
    await must(api, 'POST', '/api/v1/namespaces/shop/services', { metadata: { name: service.name }, spec: { selector: { app: service.app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    const address = (name: string, index: number): Record<string, unknown> => ({
      ip: `10.0.1.${index + 10}`,
      targetRef: { kind: 'Pod', namespace: 'shop', name, uid: uids.get(`shop/${name}`) },
    });
    const ready = service.pods.filter((pod) => pod.ready);
    const notReady = service.pods.filter((pod) => !pod.ready);
    await must(api, 'POST', '/api/v1/namespaces/shop/endpoints', {
      metadata: { name: service.name },
      subsets: [
        {
          ...(ready.length > 0 ? { addresses: ready.map((pod) => address(pod.name, service.pods.indexOf(pod))) } : {}),
          ...(notReady.length > 0 ? { notReadyAddresses: notReady.map((pod) => address(pod.name, service.pods.indexOf(pod))) } : {}),
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    });
    await must(api, 'POST', '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices', {
      metadata: { name: `${service.name}-abcde`, labels: { 'kubernetes.io/service-name': service.name } },
      addressType: 'IPv4',
      endpoints: service.pods.map((pod, index) => ({
        addresses: [`10.0.1.${index + 10}`],
        conditions: { ready: pod.ready },
        targetRef: { kind: 'Pod', namespace: 'shop', name: pod.name, uid: uids.get(`shop/${pod.name}`) },
      })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
}

/** An entry as SPIRE holds it (`entry show -output json`), without what the server assigns. */
interface ComparedEntry {
  readonly spiffeId: string;
  readonly parentId: string;
  /** Sorted: SPIRE treats selectors as a set (matching and uniqueness ignore their order). */
  readonly selectors: readonly string[];
  /** In the server's order: the first is the X509-SVID's common name. */
  readonly dnsNames: readonly string[];
  readonly x509SvidTtl: unknown;
  readonly jwtSvidTtl: unknown;
  /** Sorted: a set to SPIRE. */
  readonly federatesWith: readonly string[];
  readonly admin: unknown;
  readonly downstream: unknown;
  readonly hint: unknown;
  readonly storeSvid: unknown;
  readonly expiresAt: unknown;
}

/** Fields of `entry show -output json` the comparison leaves out: assigned by the server, not by the writer. */
const serverAssigned = new Set(['id', 'created_at', 'revision_number']);

function idOf(value: unknown): string {
  const id = value as { trust_domain?: string; path?: string } | undefined;
  return `spiffe://${id?.trust_domain ?? ''}${id?.path ?? ''}`;
}

function compared(entry: Record<string, unknown>): ComparedEntry {
  const known = new Set([...serverAssigned, 'spiffe_id', 'parent_id', 'selectors', 'dns_names', 'x509_svid_ttl', 'jwt_svid_ttl', 'federates_with', 'admin', 'downstream', 'hint', 'store_svid', 'expires_at']);
  // A field this comparison does not know (a newer SPIRE's) must be looked at, not skipped.
  const unknown = Object.keys(entry).filter((key) => !known.has(key));
  assert.deepEqual(unknown, [], `entry fields the comparison does not cover: ${unknown.join(', ')}`);
  const selectors = (entry.selectors as { type: string; value: string }[] | undefined) ?? [];
  return {
    spiffeId: idOf(entry.spiffe_id),
    parentId: idOf(entry.parent_id),
    selectors: selectors.map((s) => `${s.type}:${s.value}`).sort(),
    dnsNames: (entry.dns_names as string[] | undefined) ?? [],
    x509SvidTtl: entry.x509_svid_ttl ?? 0,
    jwtSvidTtl: entry.jwt_svid_ttl ?? 0,
    federatesWith: [...((entry.federates_with as string[] | undefined) ?? [])].sort(),
    admin: entry.admin ?? false,
    downstream: entry.downstream ?? false,
    hint: entry.hint ?? '',
    storeSvid: entry.store_svid ?? false,
    expiresAt: entry.expires_at ?? 0,
  };
}

/** SPIRE's uniqueness key: SPIFFE ID, parent ID, selectors. */
function keyOf(entry: ComparedEntry): string {
  return `${entry.spiffeId} <- ${entry.parentId} [${entry.selectors.join(' ')}]`;
}

interface EntryDiff {
  readonly onlyScm: ReadonlyMap<string, ComparedEntry>;
  readonly onlyRegistrar: ReadonlyMap<string, ComparedEntry>;
  /** By key: `field: SCM <value>, registrar <value>` for every field that differs. */
  readonly differing: ReadonlyMap<string, readonly string[]>;
  /** The keys of the entries equal in every field. */
  readonly same: readonly string[];
}

function diffEntries(scm: readonly ComparedEntry[], registrar: readonly ComparedEntry[]): EntryDiff {
  const index = (entries: readonly ComparedEntry[], who: string): Map<string, ComparedEntry> => {
    const byKey = new Map<string, ComparedEntry>();
    for (const entry of entries) {
      assert.ok(!byKey.has(keyOf(entry)), `${who} wrote ${keyOf(entry)} twice`);
      byKey.set(keyOf(entry), entry);
    }
    return byKey;
  };
  const ours = index(registrar, 'the registrar');
  const theirs = index(scm, 'SCM');
  const onlyScm = new Map([...theirs].filter(([key]) => !ours.has(key)));
  const onlyRegistrar = new Map([...ours].filter(([key]) => !theirs.has(key)));
  const differing = new Map<string, string[]>();
  const same: string[] = [];
  for (const [key, expected] of theirs) {
    const actual = ours.get(key);
    if (actual === undefined) continue;
    const fields = (Object.keys(expected) as (keyof ComparedEntry)[])
      .filter((field) => JSON.stringify(expected[field]) !== JSON.stringify(actual[field]))
      .map((field) => `${field}: SCM ${JSON.stringify(expected[field])}, registrar ${JSON.stringify(actual[field])}`);
    if (fields.length > 0) differing.set(key, fields);
    else same.push(key);
  }
  return { onlyScm, onlyRegistrar, differing, same };
}

function describeDiff(diff: EntryDiff): string {
  return [
    `${diff.same.length} equal`,
    ...[...diff.onlyScm].map(([key, entry]) => `only SCM:       ${key} ${JSON.stringify(entry)}`),
    ...[...diff.onlyRegistrar].map(([key, entry]) => `only registrar: ${key} ${JSON.stringify(entry)}`),
    ...[...diff.differing].map(([key, fields]) => `differ:         ${key}\n    ${fields.join('\n    ')}`),
  ].join('\n');
}

let h: Harness;
let scmGroup: ProcessGroup;

/** What runs for one workload cluster: SCM there, its spire-server. */
interface ScmSide {
  readonly spire: SpireServer;
  readonly scm: SpireControllerManager;
}
const scmSides: ScmSide[] = [];

function workload(index: number): { readonly clusterName: string; readonly apiServer: ApiServer } {
  const w = h.fleet.workloads[index];
  assert.ok(w, `workload cluster ${index + 1}`);
  return w;
}

async function startScmFor(index: number): Promise<ScmSide> {
  const { clusterName, apiServer } = workload(index);
  const spire = await startSpireServer(scmGroup, { trustDomain: 'example.org', name: `scm-spire-${index + 1}` });
  await federateWith(spire, partner, scmGroup.dir);
  const scm = await startSpireControllerManager(scmGroup, {
    name: `scm-${index + 1}`,
    apiServer,
    spire,
    clusterName,
    // As the registrar's config: the same class rule, ignored namespaces and cluster domain.
    config: { className, watchClassless: true, ignoreNamespaces, clusterDomain: 'cluster.local' },
  });
  return { spire, scm };
}

async function scmEntries(side: ScmSide): Promise<ComparedEntry[]> {
  return (await side.spire.cliEntries()).map(compared);
}

async function registrarEntries(index: number): Promise<ComparedEntry[]> {
  const spire = h.fleet.spire;
  assert.ok(spire);
  const prefix = clusterEntryIdPrefix(h.prefix, workload(index).clusterName);
  return (await spire.cliEntries()).filter((entry) => String(entry.id).startsWith(prefix)).map(compared);
}

async function uidOf(api: ApiServer, path: string): Promise<string> {
  return ((await must(api, 'GET', path)) as { metadata: { uid: string } }).metadata.uid;
}

/** The entries SCM writes and the registrar, by design, does not (docs/scm-resources.md), for one cluster. */
async function documentedScmOnly(index: number): Promise<string[]> {
  const api = workload(index).apiServer;
  const node2 = await uidOf(api, '/api/v1/nodes/node-2');
  const parent = `spiffe://example.org/spire/agent/k8s_psat/${workload(index).clusterName}/${node2}`;
  const report = await uidOf(api, '/api/v1/namespaces/shop/pods/report-28731-9qz7m');
  const cron = await uidOf(api, '/api/v1/namespaces/shop/pods/cron-1');
  return [
    // A finished pod: SCM renders it like any other; the registrar gives it no entry.
    `spiffe://example.org/ns/shop/pod/report-28731-9qz7m <- ${parent} [k8s:pod-uid:${report}]`,
    // The mesh identity fails to render for cron-1: SCM falls back; the registrar keeps the fallback back.
    `spiffe://example.org/ns/shop/pod/cron-1 <- ${parent} [k8s:pod-uid:${cron}]`,
  ].sort();
}

/**
 * Entries equal to SCM's apart from those named above, of which there are `expectedSame`; tells the
 * entries compared (`diagnostic`), for a reader of the test's output.
 */
async function expectSameEntries(index: number, side: ScmSide, expectedSame: number, diagnostic: (message: string) => void): Promise<void> {
  const documented = await documentedScmOnly(index);
  let last: EntryDiff | undefined;
  const check = async (): Promise<true | string> => {
    const diff = (last = diffEntries(await scmEntries(side), await registrarEntries(index)));
    const ok = diff.same.length === expectedSame && diff.differing.size === 0 && diff.onlyRegistrar.size === 0 && JSON.stringify([...diff.onlyScm.keys()].sort()) === JSON.stringify(documented);
    return ok || `workload-${index + 1} (expecting ${expectedSame} equal, and only SCM: ${documented.join('; ')}):\n${describeDiff(diff)}`;
  };
  await eventually(`the registrar's entries for workload-${index + 1} equal to SCM's`, check, 90_000);
  // And they stay so: neither rewrites them on its next passes.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const again = await check();
  assert.equal(again, true, again === true ? '' : again);
  diagnostic(`workload-${index + 1}: ${describeDiff(last as EntryDiff)}\n  equal: ${(last as EntryDiff).same.join('\n  equal: ')}`);
}

before(async () => {
  h = await startHarness({ gcInterval: '4s', config: { className, watchClassless: 'true', ignoreNamespaces: JSON.stringify(ignoreNamespaces) } });
  scmGroup = new ProcessGroup('e2e-scm-');
  assert.ok(h.fleet.spire);
  await federateWith(h.fleet.spire, partner, scmGroup.dir);
  for (const index of [0, 1]) {
    const { apiServer } = workload(index);
    await populate(apiServer, index === 0 ? 'us-west-2a' : 'us-east-1b');
    await installScmCrds(apiServer);
    for (const manifest of manifests) await must(apiServer, 'POST', clusterSPIFFEIDs, manifest);
  }
  for (const manifest of manifests) await must(h.fleet.management, 'POST', clusterSPIFFEIDs, manifest);
});

after(async () => {
  await scmGroup?.stopAll();
  await h?.stop();
});

test('workload-1: SCM v0.7.0 and the registrar, given the same ClusterSPIFFEIDs, write the same entries (but for the documented differences)', async (t) => {
  scmSides.push(await startScmFor(0));
  await must(h.fleet.management, 'POST', registries, registryFor(workload(0).clusterName, h.fleet, 0, { region: 'us-west-2' }));
  h.startController();
  await expectSameEntries(0, scmSides[0] as ScmSide, 9, (message) => t.diagnostic(message));
});

test('workload-2 joins the fleet: the registrar gives it the entries SCM gives it as clusterName workload-2, from the same objects', async (t) => {
  const before = await registrarEntries(0);
  scmSides.push(await startScmFor(1));
  await must(h.fleet.management, 'POST', registries, registryFor(workload(1).clusterName, h.fleet, 1, { region: 'us-east-1' }));
  await expectSameEntries(1, scmSides[1] as ScmSide, 9, (message) => t.diagnostic(message));
  // The first cluster's entries are untouched.
  assert.deepEqual(await registrarEntries(0), before);
});
