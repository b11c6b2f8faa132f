import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { createEntryClient, type SpireEntryClient } from '../../src/spire/entry-client.ts';
import { configDir, kustomize, objectRef, type ManifestObject } from '../integration/manifests/manifest-files.ts';
import { startFleet, type Fleet } from '../rig/fleet.ts';
import type { ApiServer } from '../rig/kube-apiserver.ts';
import { ProcessGroup, type RigProcess } from '../rig/processes.ts';
import {
  createNode,
  createPod,
  eventually,
  group as registrarGroup,
  clusterSpiffeIds,
  clusterSPIFFEIDs,
  clusterStaticEntries,
  clusterFederatedTrustDomains,
  identities,
  installCrds,
  logLines,
  must,
  podNameOf,
  registries,
  registryFor,
  repoRoot,
  spiffeIdsIn,
  webAppIdentity,
} from './e2e-fixture.ts';

// The controller as installed: the RBAC objects of `kubectl apply -k config/default` and nothing more
// (rendered by the kustomize emulation that test/integration/manifests checks against kubectl), the
// shipped ConfigMap's configuration (only the socket and ports changed), and in-cluster credentials: a
// TokenRequest token and the CA in /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST
// and _PORT. That fixed path is made real in a private mount namespace (unshare), so the registrar needs
// no way to be pointed elsewhere. The management apiserver's audit log records every request of the
// ServiceAccount: what it was allowed and refused, whether or not the controller's log says so.

/** One thing an RBAC rule allows, as a SubjectAccessReview asks it; `name` only where a rule names objects. */
interface Permission {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** `verb group resource[/subresource] [in namespace]`: how the audit log, the log and the table name a request. */
function keyOf(p: Omit<Permission, 'name'>): string {
  return `${p.verb} ${p.group || 'core'} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.namespace ? ` in ${p.namespace}` : ''}`;
}

const shippedConfig = parse((parse(readFileSync(join(configDir, 'manager/controller-manager-config.yaml'), 'utf8')) as { data: Record<string, string> }).data['config.yaml'] ?? '') as Record<string, unknown> & {
  leaderElection: { resourceNamespace: string; resourceName: string };
};
const spiffeIdGroup = 'spiffeid.spiffe.io';
const spireGroup = 'spire.spiffe.io';
const lease = { namespace: shippedConfig.leaderElection.resourceNamespace, name: shippedConfig.leaderElection.resourceName };
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${lease.namespace}/leases/${lease.name}`;

interface Need extends Permission {
  readonly why: string;
  /** What makes the controller use it beyond starting and converging (given the audit line its run began at). */
  readonly provoke?: (from: number) => Promise<void>;
}

/**
 * Every request the controller makes in the management cluster, and why. The shipped RBAC's run must make
 * exactly these (so a new kind of request is added here, and so tested); the last test removes each one
 * alone from the shipped rules and expects a 403 for exactly it.
 */
const needed: readonly Need[] = [
  { verb: 'list', group: registrarGroup, resource: 'eksclusterregistries', why: 'the registry informer' },
  { verb: 'watch', group: registrarGroup, resource: 'eksclusterregistries', why: 'the registry informer' },
  { verb: 'patch', group: registrarGroup, resource: 'eksclusterregistries', why: 'adds and removes the entries finalizer' },
  { verb: 'patch', group: registrarGroup, resource: 'eksclusterregistries', subresource: 'status', why: 'registry status' },
  { verb: 'list', group: registrarGroup, resource: 'workloadidentities', why: 'the identity informer' },
  { verb: 'watch', group: registrarGroup, resource: 'workloadidentities', why: 'the identity informer' },
  { verb: 'patch', group: registrarGroup, resource: 'workloadidentities', subresource: 'status', why: 'identity status' },
  { verb: 'list', group: spiffeIdGroup, resource: 'clusterspiffeids', why: 'the ClusterSpiffeID informer' },
  { verb: 'watch', group: spiffeIdGroup, resource: 'clusterspiffeids', why: 'the ClusterSpiffeID informer' },
  { verb: 'patch', group: spiffeIdGroup, resource: 'clusterspiffeids', subresource: 'status', why: 'ClusterSpiffeID status' },
  { verb: 'list', group: spiffeIdGroup, resource: 'spiffeids', why: 'the SpiffeID informer (every namespace)' },
  { verb: 'watch', group: spiffeIdGroup, resource: 'spiffeids', why: 'the SpiffeID informer (every namespace)' },
  { verb: 'patch', group: spiffeIdGroup, resource: 'spiffeids', subresource: 'status', namespace: 'default', why: 'SpiffeID status' },
  { verb: 'list', group: spireGroup, resource: 'clusterspiffeids', why: 'the ClusterSPIFFEID informer' },
  { verb: 'watch', group: spireGroup, resource: 'clusterspiffeids', why: 'the ClusterSPIFFEID informer' },
  { verb: 'patch', group: spireGroup, resource: 'clusterspiffeids', subresource: 'status', why: 'ClusterSPIFFEID status' },
  { verb: 'list', group: spireGroup, resource: 'clusterstaticentries', why: 'the ClusterStaticEntry informer' },
  { verb: 'watch', group: spireGroup, resource: 'clusterstaticentries', why: 'the ClusterStaticEntry informer' },
  { verb: 'patch', group: spireGroup, resource: 'clusterstaticentries', subresource: 'status', why: 'ClusterStaticEntry status' },
  { verb: 'list', group: spireGroup, resource: 'clusterfederatedtrustdomains', why: 'the ClusterFederatedTrustDomain informer' },
  { verb: 'watch', group: spireGroup, resource: 'clusterfederatedtrustdomains', why: 'the ClusterFederatedTrustDomain informer' },
  { verb: 'patch', group: spireGroup, resource: 'clusterfederatedtrustdomains', why: 'records the ownership of its federation relationship (annotation and finalizer)' },
  { verb: 'patch', group: spireGroup, resource: 'clusterfederatedtrustdomains', subresource: 'status', why: 'ClusterFederatedTrustDomain status' },
  { verb: 'create', group: '', resource: 'events', namespace: 'default', why: 'events about the cluster-scoped objects' },
  { verb: 'patch', group: '', resource: 'events', namespace: 'default', why: 'an event repeated: its count', provoke: reconnect },
  { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: lease.namespace, why: 'leader election: the first candidate creates the Lease' },
  { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: lease.namespace, name: lease.name, why: 'leader election: every attempt reads the Lease' },
  { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: lease.namespace, name: lease.name, why: 'leader election: acquire, renew, release' },
];

let fleet: Fleet;
let processes: ProcessGroup;
let spire: SpireEntryClient;
let rbac: readonly ManifestObject[];
let serviceAccountUser: string;
let auditLog: string;
let configPath: string;
let serviceAccountDir: string;
let controller: RigProcess | undefined;
let started = 0;

/** Where the apiserver serves `kind` of `apiVersion`, and whether it is namespaced (discovery). */
async function resourceOf(api: ApiServer, apiVersion: string, kind: string): Promise<{ readonly base: string; readonly plural: string; readonly namespaced: boolean }> {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = (await must(api, 'GET', base)) as { resources: { name: string; kind: string; namespaced: boolean }[] };
  const found = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  assert.ok(found, `${apiVersion} ${kind} is not served`);
  return { base, plural: found.name, namespaced: found.namespaced };
}

/** `kustomize build config/default`, namespacing what discovery says is namespaced (as kustomize does). */
async function renderDefault(api: ApiServer): Promise<readonly { object: ManifestObject; source: string }[]> {
  const raw = await kustomize(join(configDir, 'default'), () => false);
  const namespaced = new Set<string>();
  for (const { object } of raw.objects) if ((await resourceOf(api, object.apiVersion, object.kind)).namespaced) namespaced.add(`${object.apiVersion} ${object.kind}`);
  return (await kustomize(join(configDir, 'default'), (object) => namespaced.has(`${object.apiVersion} ${object.kind}`))).objects;
}

async function objectPath(api: ApiServer, object: ManifestObject): Promise<{ readonly collection: string; readonly path: string }> {
  const { base, plural, namespaced } = await resourceOf(api, object.apiVersion, object.kind);
  const collection = `${base}${namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : ''}/${plural}`;
  return { collection, path: `${collection}/${object.metadata.name}` };
}

/** Creates each object, or replaces it where it exists: `kubectl apply` for objects only this test edits. */
async function apply(api: ApiServer, objects: readonly ManifestObject[]): Promise<void> {
  for (const object of objects) {
    const { collection, path } = await objectPath(api, object);
    const current = await api.request('GET', path);
    if (current.status === 404) await must(api, 'POST', collection, object);
    else {
      const { resourceVersion } = (current.body as { metadata: { resourceVersion: string } }).metadata;
      await must(api, 'PUT', path, { ...object, metadata: { ...object.metadata, resourceVersion } });
    }
  }
}

async function allowed(p: Permission): Promise<boolean> {
  const review = (await must(fleet.management, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: serviceAccountUser,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${serviceAccountUser.split(':')[2] ?? ''}`, 'system:authenticated'],
      resourceAttributes: { verb: p.verb, group: p.group, resource: p.resource, subresource: p.subresource, namespace: p.namespace, name: p.name },
    },
  })) as { status: { allowed: boolean } };
  return review.status.allowed;
}

function grants(rule: PolicyRule, p: Permission): boolean {
  const names = rule.resourceNames ?? [];
  return (
    rule.apiGroups.includes(p.group) &&
    rule.resources.includes(p.subresource ? `${p.resource}/${p.subresource}` : p.resource) &&
    rule.verbs.includes(p.verb) &&
    (names.length === 0 || (p.name !== undefined && names.includes(p.name)))
  );
}

/** Whether the roles among `objects` allow `p` (each is bound to the ServiceAccount; a Role only in its namespace). */
function rolesAllow(objects: readonly ManifestObject[], p: Permission): boolean {
  return objects.some(
    (o) => (o.kind === 'ClusterRole' || (o.kind === 'Role' && o.metadata.namespace === p.namespace)) && (o.rules as PolicyRule[]).some((rule) => grants(rule, p)),
  );
}

/** The roles with `p` taken out and everything else they allow kept (a rule is split where it must be). */
function withoutPermission(objects: readonly ManifestObject[], p: Permission): ManifestObject[] {
  const target = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  const without = (rule: PolicyRule): PolicyRule[] => {
    if (!grants(rule, p)) return [rule];
    assert.equal(rule.apiGroups.length, 1, `a rule of several API groups (${rule.apiGroups.join(', ')}): split it here first`);
    const verbs = rule.verbs.filter((v) => v !== p.verb);
    const others = rule.resources.filter((r) => r !== target);
    return [...(verbs.length > 0 ? [{ ...rule, verbs }] : []), ...(others.length > 0 ? [{ ...rule, resources: others, verbs: [p.verb] }] : [])];
  };
  const changed = objects.map((o) => (o.kind === 'ClusterRole' || o.kind === 'Role' ? { ...o, rules: (o.rules as PolicyRule[]).flatMap(without) } : o));
  assert.ok(!rolesAllow(changed, p), `${keyOf(p)} is still allowed`);
  return changed;
}

/**
 * Applies the roles among `objects` and waits until the authorizer answers for each needed permission as
 * the roles say (it learns of changes from its informers). Whether they are enough is for the controller's
 * run to show, not for this wait.
 */
async function grant(objects: readonly ManifestObject[]): Promise<void> {
  await apply(fleet.management, objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role'));
  await eventually(
    'the authorizer to see the roles',
    async () => {
      for (const p of needed) if ((await allowed(p)) !== rolesAllow(objects, p)) return `${keyOf(p)}: the authorizer does not agree yet`;
      return true;
    },
    30_000,
  );
}

/** The audit log's complete lines (the apiserver may be writing the last one). */
function auditLogLines(): string[] {
  const lines = readFileSync(auditLog, 'utf8').split('\n');
  lines.pop();
  return lines;
}

/** The audit log's requests of the ServiceAccount (each request once), from line `from` on. */
function auditedRequests(from = 0): { readonly key: string; readonly code: number }[] {
  const seen = new Set<string>();
  const requests: { key: string; code: number }[] = [];
  for (const text of auditLogLines().slice(from)) {
    const event = JSON.parse(text) as {
      auditID: string;
      verb: string;
      user: { username: string };
      objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string };
      responseStatus?: { code?: number };
    };
    // A watch is logged when it starts and when it ends: one request.
    if (event.user.username !== serviceAccountUser || seen.has(event.auditID)) continue;
    seen.add(event.auditID);
    const ref = event.objectRef ?? {};
    const key = keyOf({ verb: event.verb, group: ref.apiGroup ?? '', resource: ref.resource ?? '', subresource: ref.subresource, namespace: ref.namespace });
    requests.push({ key, code: event.responseStatus?.code ?? 0 });
  }
  return requests;
}

/** The requests of the ServiceAccount the apiserver refused (403), from audit line `from` on. */
function refusedByApiserver(from: number): Set<string> {
  return new Set(auditedRequests(from).filter((r) => r.code === 403).map((r) => r.key));
}

function auditLines(): number {
  return auditLogLines().length;
}

/** Every string a log line holds, however deep (errors are nested objects). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

const forbidden = /403 Forbidden: .*? cannot (\S+) resource "([^"/]+)(?:\/([^"]+))?" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/;

/** The requests the controller logs as refused (403), by key; a line that says 403 or Forbidden otherwise is kept whole. */
function refusedInLog(proc: RigProcess): Set<string> {
  const refused = new Set<string>();
  for (const line of logLines(proc)) {
    const texts = strings(line);
    if (!texts.some((text) => /\b403\b|Forbidden/.test(text))) continue;
    const m = texts.map((text) => forbidden.exec(text)).find((match) => match !== null);
    refused.add(m ? keyOf({ verb: m[1] ?? '', resource: m[2] ?? '', subresource: m[3], group: m[4] ?? '', namespace: m[5] }) : JSON.stringify(line));
  }
  return refused;
}

/** The controller, from a process that sees the service account's files where a pod's container does. */
function startController(): RigProcess {
  const script = 'mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io && ln -s "$0" /run/secrets/kubernetes.io/serviceaccount && exec "$@"';
  const { hostname, port } = new URL(fleet.management.url);
  controller = processes.start(`controller-${++started}`, 'unshare', {
    args: ['--user', '--map-root-user', '--mount', 'sh', '-c', script, serviceAccountDir, process.execPath, join(repoRoot, 'src/main.ts'), 'run', '--config', configPath, '-v', '2'],
    env: { ...fleet.awsEnv, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port },
    cwd: repoRoot,
  });
  return controller;
}

async function registryObject(): Promise<{ metadata: { finalizers?: string[] }; status?: { entriesRegistered?: number; conditions?: { type: string; status: string; reason: string }[] } }> {
  return (await must(fleet.management, 'GET', `${registries}/production-cluster`)) as Awaited<ReturnType<typeof registryObject>>;
}

before(async () => {
  const unshare = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true'], { encoding: 'utf8' });
  assert.equal(unshare.status, 0, `this test needs unshare (util-linux) and unprivileged user namespaces, to give the controller a pod's service account path: ${unshare.stderr || unshare.error?.message}`);
  processes = new ProcessGroup('e2e-shipped-rbac-');
  auditLog = join(processes.dir, 'audit.log');
  const policy = join(processes.dir, 'audit-policy.yaml');
  writeFileSync(policy, stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }] }));
  fleet = await startFleet({ workloadClusters: 1, managementArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`, '--audit-log-mode=blocking'] });
  const management = fleet.management;
  assert.ok(fleet.spire);
  spire = createEntryClient({ socketPath: fleet.spire.socketPath });
  await installCrds(management);

  // `kubectl create namespace spire-system` and the RBAC part of `kubectl apply -k config/default`.
  const rendered = await renderDefault(management);
  rbac = rendered.filter(({ source }) => source.startsWith('config/rbac/')).map(({ object }) => object);
  assert.deepEqual(rbac.map(objectRef).sort(), [
    'ClusterRole spire-eks-workload-registrar',
    'ClusterRoleBinding spire-eks-workload-registrar',
    'Role spire-system/spire-eks-workload-registrar-leader-election',
    'RoleBinding spire-system/spire-eks-workload-registrar-leader-election',
    'ServiceAccount spire-system/spire-eks-workload-registrar',
  ]);
  const account = rbac.find((o) => o.kind === 'ServiceAccount');
  assert.ok(account?.metadata.namespace);
  await must(management, 'POST', '/api/v1/namespaces', { metadata: { name: account.metadata.namespace } });
  await apply(management, rbac);
  serviceAccountUser = `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`;
  await grant(rbac);

  // What the kubelet mounts: a bound token (TokenRequest), the cluster's CA and the namespace.
  const token = (await must(management, 'POST', `/api/v1/namespaces/${account.metadata.namespace}/serviceaccounts/${account.metadata.name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  })) as { status: { token: string } };
  serviceAccountDir = join(processes.dir, 'serviceaccount');
  mkdirSync(serviceAccountDir);
  writeFileSync(join(serviceAccountDir, 'token'), token.status.token);
  writeFileSync(join(serviceAccountDir, 'ca.crt'), management.caPem);
  writeFileSync(join(serviceAccountDir, 'namespace'), account.metadata.namespace);

  // The shipped configuration; only what this machine decides changes: the socket and the ports.
  configPath = join(processes.dir, 'config.yaml');
  writeFileSync(
    configPath,
    stringify({
      ...shippedConfig,
      spireServerSocketPath: fleet.spire.socketPath,
      metrics: { bindAddress: '0' },
      health: { ...(shippedConfig.health as Record<string, unknown>), healthProbeBindAddress: '127.0.0.1:0' },
    }),
  );

  const workload = fleet.workloads[0]?.apiServer;
  assert.ok(workload);
  await createNode(workload, 'node-1');
  await createPod(workload, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await createPod(workload, 'default', 'web-2', { app: 'web-app' }, 'node-1');
  await must(management, 'POST', registries, registryFor('production-cluster', fleet, 0, { environment: 'production', team: 'platform' }));
  await must(management, 'POST', identities, webAppIdentity());
  await must(management, 'POST', clusterSpiffeIds, { apiVersion: `${spiffeIdGroup}/v1beta1`, kind: 'ClusterSpiffeID', metadata: { name: 'api' }, spec: { spiffeId: 'spiffe://example.org/api', selector: { namespace: 'api' } } });
  await must(management, 'POST', spiffeIdsIn('default'), { apiVersion: `${spiffeIdGroup}/v1beta1`, kind: 'SpiffeID', metadata: { name: 'web' }, spec: { spiffeId: 'spiffe://example.org/ns/default/web', selector: { podLabel: { app: 'web' } } } });
  // Selects no pod: a status, and no entry beside the web-app identity's.
  await must(management, 'POST', clusterSPIFFEIDs, { apiVersion: `${spireGroup}/v1alpha1`, kind: 'ClusterSPIFFEID', metadata: { name: 'none' }, spec: { spiffeIDTemplate: 'spiffe://example.org/none', podSelector: { matchLabels: { app: 'none' } } } });
  await must(management, 'POST', clusterStaticEntries, {
    apiVersion: `${spireGroup}/v1alpha1`,
    kind: 'ClusterStaticEntry',
    metadata: { name: 'db' },
    spec: { spiffeID: 'spiffe://example.org/db', parentID: 'spiffe://example.org/spire/agent/join_token/db-host', selectors: ['unix:uid:999'] },
  });
  await must(management, 'POST', clusterFederatedTrustDomains, partnerTrustDomain);
});

const partnerTrustDomain = {
  apiVersion: `${spireGroup}/v1alpha1`,
  kind: 'ClusterFederatedTrustDomain',
  metadata: { name: 'partner' },
  spec: { trustDomain: 'partner.example', bundleEndpointURL: 'https://spire.partner.example:8443', bundleEndpointProfile: { type: 'https_web' } },
};

after(async () => {
  spire?.close();
  await processes?.stopAll();
  await fleet?.stop();
});

/**
 * Once the controller has created its first event, disables and enables the registry: the cluster
 * connects again, the same ClusterConnected event again, which the recorder aggregates with a patch.
 */
async function reconnect(from: number): Promise<void> {
  await eventually('the first event', async () => auditedRequests(from).some((r) => r.key === 'create core events in default' && r.code === 201), 60_000);
  await setEnabled(false);
  await setEnabled(true);
}

/** Disables or enables the registry and waits for its entries to go or come back. */
async function setEnabled(enabled: boolean): Promise<void> {
  await mergePatch(`${registries}/production-cluster`, { spec: { enabled } });
  await eventually(enabled ? 'entries again' : 'no entries', async () => (await entryPods()) === (enabled ? 'web-1,web-2' : '') || `entries of pods [${await entryPods()}]`);
}

/** As admin; a merge patch names no resourceVersion, so the controller's status writes cannot make it conflict. */
async function mergePatch(path: string, body: unknown): Promise<void> {
  const { status, body: answer } = await fleet.management.request('PATCH', path, body, { contentType: 'application/merge-patch+json' });
  assert.equal(status, 200, `PATCH ${path}: ${JSON.stringify(answer)}`);
}

async function entryPods(): Promise<string> {
  return (await spire.listEntries())
    .filter((entry) => entry.id.startsWith(shippedConfig.entryIDPrefix as string))
    .map(podNameOf)
    // The ClusterSpiffeID's, the SpiffeID's, the ClusterStaticEntry's and the node alias name no pod.
    .filter((pod) => pod !== '')
    .sort()
    .join();
}

test('with only the shipped RBAC and in-cluster credentials, Example 1 converges and the registry holds the finalizer', async () => {
  startController();
  await eventually('entries of web-1 and web-2', async () => (await entryPods()) === 'web-1,web-2' || `entries of pods [${await entryPods()}]`, 60_000);
  // The first full reconciliation may write the entries before the registry's own work item adds the finalizer.
  await eventually('the entries finalizer', async () => (await registryObject()).metadata.finalizers?.includes(`${registrarGroup}/entries`) === true);
  // It authenticated as the ServiceAccount (it was given nothing else): the apiserver logged its list as that user.
  assert.ok(auditedRequests().some((r) => r.key === keyOf(needed[0] as Permission) && r.code === 200), 'the registry list, made as the ServiceAccount');
});

test('registry, identity, ClusterSpiffeID, SpiffeID, ClusterSPIFFEID, ClusterStaticEntry and ClusterFederatedTrustDomain statuses are written', async () => {
  // The two pods', the ClusterSpiffeID's, the SpiffeID's, the node alias they are parented to and the ClusterStaticEntry's.
  await eventually('production-cluster Ready, 6 entries', async () => {
    const { status } = await registryObject();
    const ready = status?.conditions?.find((c) => c.type === 'Ready');
    return (ready?.status === 'True' && ready.reason === 'Synced' && status?.entriesRegistered === 6) || JSON.stringify(status);
  });
  await eventually('ClusterSPIFFEID none: stats', async () => {
    const { status } = (await must(fleet.management, 'GET', `${clusterSPIFFEIDs}/none`)) as { status?: { stats?: Record<string, number> } };
    return status?.stats?.podsSelected === 0 || JSON.stringify(status);
  });
  await eventually('ClusterStaticEntry db: set', async () => {
    const { status } = (await must(fleet.management, 'GET', `${clusterStaticEntries}/db`)) as { status?: { set?: boolean } };
    return status?.set === true || JSON.stringify(status);
  });
  await eventually('ClusterFederatedTrustDomain partner: Ready', async () => {
    const { status } = (await must(fleet.management, 'GET', `${clusterFederatedTrustDomains}/partner`)) as { status?: { conditions?: { type: string; status: string }[] } };
    return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true || JSON.stringify(status);
  });
  for (const path of [`${clusterSpiffeIds}/api`, `${spiffeIdsIn('default')}/web`]) {
    await eventually(`${path} written in one cluster`, async () => {
      const { status } = (await must(fleet.management, 'GET', path)) as { status?: { entriesRegistered?: number } };
      return status?.entriesRegistered === 1 || JSON.stringify(status);
    });
  }
  await eventually('web-app stats', async () => {
    const { status } = (await must(fleet.management, 'GET', `${identities}/web-app`)) as { status?: { stats?: Record<string, number> } };
    return (status?.stats?.podsSelected === 2 && status.stats.entriesRegistered === 2) || JSON.stringify(status);
  });
});

test('events are created (in default, for the cluster-scoped registry)', async () => {
  await eventually('a ClusterConnected event', async () => {
    const { items } = (await must(fleet.management, 'GET', '/api/v1/namespaces/default/events')) as { items: { involvedObject: { kind: string; name: string }; reason: string }[] };
    return items.some((e) => e.involvedObject.kind === 'EKSClusterRegistry' && e.involvedObject.name === 'production-cluster' && e.reason === 'ClusterConnected') || JSON.stringify(items.map((e) => e.reason));
  });
});

test(`the leader holds the Lease config/manager names (${lease.namespace}/${lease.name})`, async () => {
  const proc = controller;
  assert.ok(proc);
  const { spec } = (await must(fleet.management, 'GET', leasePath)) as { spec: { holderIdentity?: string } };
  assert.ok(spec.holderIdentity);
  await eventually('the controller to say it leads', async () => logLines(proc).some((line) => line.msg === 'New leader elected' && line.leader === spec.holderIdentity));
  assert.ok(logLines(proc).some((line) => line.msg === 'Starting the controller'));
});

test('a disabled registry loses its entries and gets them back when enabled (its ClusterConnected event counted twice); deleted, it loses them and goes once the finalizer is removed', async () => {
  await setEnabled(false);
  await setEnabled(true);
  await eventually('ClusterConnected counted twice', async () => {
    const { items } = (await must(fleet.management, 'GET', '/api/v1/namespaces/default/events')) as { items: { involvedObject: { name: string }; reason: string; count?: number }[] };
    const connected = items.filter((e) => e.involvedObject.name === 'production-cluster' && e.reason === 'ClusterConnected');
    return connected.some((e) => e.count === 2) || JSON.stringify(connected.map((e) => e.count));
  });
  await must(fleet.management, 'DELETE', `${registries}/production-cluster`);
  await eventually('the registry gone (finalizer removed)', async () => (await fleet.management.request('GET', `${registries}/production-cluster`)).status === 404);
  assert.equal(await entryPods(), '');
});

test('no request was refused, and the controller made exactly the requests `needed` lists', async () => {
  const proc = controller;
  assert.ok(proc);
  // A graceful stop releases the Lease: its update is part of the run.
  await proc.stop();
  assert.deepEqual([...refusedInLog(proc)], [], 'the controller logged a 403');
  const requests = auditedRequests();
  assert.deepEqual(requests.filter((r) => r.code === 403).map((r) => r.key), [], 'the apiserver refused a request');
  const made = new Set(requests.map((r) => r.key));
  assert.deepEqual([...made].sort(), [...new Set(needed.map(keyOf))].sort(), 'requests made (audit log) and the list in this test differ');
});

test('each permission the controller needs, taken alone out of config/rbac, makes it log a 403 for exactly that', async (t) => {
  const registry = (): Record<string, unknown> => registryFor('production-cluster', fleet, 0, { environment: 'production', team: 'platform' });
  for (const p of needed) {
    await t.test(`${keyOf(p)} (${p.why})`, async () => {
      await controller?.stop();
      // What each run starts from: a registry without finalizer or status, an identity without status, no Lease.
      if ((await fleet.management.request('GET', `${registries}/production-cluster`)).status === 404) await must(fleet.management, 'POST', registries, registry());
      await mergePatch(`${registries}/production-cluster`, { metadata: { finalizers: null } });
      for (const path of [`${registries}/production-cluster`, `${identities}/web-app`, `${clusterSpiffeIds}/api`, `${spiffeIdsIn('default')}/web`, `${clusterSPIFFEIDs}/none`, `${clusterStaticEntries}/db`, `${clusterFederatedTrustDomains}/partner`]) await mergePatch(`${path}/status`, { status: null });
      // The federation relationship as never made: no ownership recorded, none in SPIRE, so that the run claims and creates it.
      await mergePatch(`${clusterFederatedTrustDomains}/partner`, { metadata: { finalizers: null, annotations: null } });
      await fleet.spire?.cli(['federation', 'delete', '-id', 'partner.example']);
      const deleted = await fleet.management.request('DELETE', leasePath);
      assert.ok(deleted.status === 200 || deleted.status === 404, `DELETE the Lease: HTTP ${deleted.status}`);
      await grant(withoutPermission(rbac, p));
      const from = auditLines();
      const proc = startController();
      await p.provoke?.(from);
      const key = keyOf(p);
      await eventually(`the apiserver to refuse ${key}`, async () => refusedByApiserver(from).has(key) || `refused so far: ${JSON.stringify([...refusedByApiserver(from)])}`, 60_000);
      assert.deepEqual([...refusedByApiserver(from)], [key], 'the apiserver refused other requests too');
      // The apiserver has answered: the controller's log line follows at once.
      await eventually(`the controller to log a 403 for ${key}`, async () => refusedInLog(proc).has(key) || `refused so far: ${JSON.stringify([...refusedInLog(proc)])}`, 10_000);
      assert.deepEqual([...refusedInLog(proc)], [key], 'the controller logged 403s for other requests too');
    });
  }
  await controller?.stop();
  await grant(rbac);
});
