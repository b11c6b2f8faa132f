import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseManifests } from '../../../src/api/manifests.ts';
import { eventually, startManifestsApi, statusMessage, type ManifestsApi } from './api-fixture.ts';
import { configDir, kustomize, objectRef, readManifest, repoRoot, type ManifestObject, type SourcedManifest } from './manifest-files.ts';

// The seed's Quick Install on a real kube-apiserver: `kubectl create namespace spire-system` and
// `kubectl apply -k config/default` (kustomize emulated, see manifest-files.ts), then the samples, and the
// RBAC it installs, checked by the apiserver's own authorizer.

const serviceAccount = { namespace: 'spire-system', name: 'spire-eks-workload-registrar' };

let kube: ManifestsApi;
let objects: readonly SourcedManifest[];

/** `kustomize build config/default`, namespacing what the apiserver's discovery says is namespaced. */
async function buildDefault(): Promise<readonly SourcedManifest[]> {
  const raw = await kustomize(join(configDir, 'default'), () => false);
  const namespaced = new Map<string, boolean>();
  for (const { object } of raw.objects) {
    const key = `${object.apiVersion} ${object.kind}`;
    if (!namespaced.has(key)) namespaced.set(key, (await kube.resource(object.apiVersion, object.kind)).namespaced);
  }
  return (await kustomize(join(configDir, 'default'), (object) => namespaced.get(`${object.apiVersion} ${object.kind}`) === true)).objects;
}

before(async () => {
  kube = await startManifestsApi('it-manifests-deploy-');
  const namespace = await kube.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'spire-system' } } });
  assert.equal(namespace.status, 201, statusMessage(namespace));
  objects = await buildDefault();
});
after(() => kube?.stop());

let deployment: Promise<void> | undefined;

/** Applies config/default once (CRDs, then a dry run of the rest, then the rest for real); tests share it. */
function deployed(): Promise<void> {
  deployment ??= (async () => {
    const crds = objects.filter(({ object }) => object.kind === 'CustomResourceDefinition').map(({ object }) => object);
    assert.equal(crds.length, 7);
    await kube.installCrds(crds);
    const rest = objects.filter(({ object }) => object.kind !== 'CustomResourceDefinition');
    for (const { object, source } of rest) {
      const dryRun = await kube.create(object, { dryRun: true });
      assert.equal(dryRun.status, 201, `${source}: ${objectRef(object)}: ${statusMessage(dryRun)}`);
      assert.deepEqual(dryRun.warnings, [], `${source}: ${objectRef(object)}`);
      assert.equal((await kube.request('GET', await kube.objectPath(object))).status, 404, 'a dry run stores nothing');
    }
    for (const { object, source } of rest) {
      const created = await kube.create(object);
      assert.equal(created.status, 201, `${source}: ${objectRef(object)}: ${statusMessage(created)}`);
    }
  })();
  return deployment;
}

test('kubectl apply -k config/default: every object is accepted, first in a dry run, then for real', async () => {
  assert.deepEqual(objects.map(({ object }) => objectRef(object)).sort(), [
    'ClusterRole spire-eks-workload-registrar',
    'ClusterRoleBinding spire-eks-workload-registrar',
    'ConfigMap spire-system/controller-manager-config',
    'CustomResourceDefinition clusterfederatedtrustdomains.spire.spiffe.io',
    'CustomResourceDefinition clusterspiffeids.spiffeid.spiffe.io',
    'CustomResourceDefinition clusterspiffeids.spire.spiffe.io',
    'CustomResourceDefinition clusterstaticentries.spire.spiffe.io',
    'CustomResourceDefinition eksclusterregistries.eksclusterregistry.spire.spiffe.io',
    'CustomResourceDefinition spiffeids.spiffeid.spiffe.io',
    'CustomResourceDefinition workloadidentities.eksclusterregistry.spire.spiffe.io',
    'Deployment spire-system/spire-eks-workload-registrar',
    'Role spire-system/spire-eks-workload-registrar-leader-election',
    'RoleBinding spire-system/spire-eks-workload-registrar-leader-election',
    'ServiceAccount spire-system/spire-eks-workload-registrar',
  ]);
  await deployed();
  for (const { object } of objects) assert.equal((await kube.request('GET', await kube.objectPath(object))).status, 200, objectRef(object));
  const stored = await kube.request('GET', '/apis/apps/v1/namespaces/spire-system/deployments/spire-eks-workload-registrar');
  const container = (stored.body as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0];
  assert.deepEqual(container?.args, ['run', '--config', '/etc/spire-eks-workload-registrar/config.yaml']);
});

test('kubectl apply -f config/samples/: every sample is accepted', async () => {
  await deployed();
  const files = (await readdir(join(configDir, 'samples'))).sort();
  let count = 0;
  for (const file of files) {
    for (const { object } of await readManifest(join('config', 'samples', file))) {
      // A SpiffeID's namespace is the tenant's, created before it as a user would.
      const namespace = object.metadata.namespace;
      if (namespace !== undefined && (await kube.request('GET', `/api/v1/namespaces/${namespace}`)).status === 404) {
        await kube.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
      }
      const response = await kube.create(object);
      assert.equal(response.status, 201, `${file}: ${objectRef(object)}: ${statusMessage(response)}`);
      count++;
    }
  }
  assert.equal(count, 15);
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });

test(
  'the kustomize emulation builds what kubectl kustomize builds',
  { skip: kubectl.status === 0 ? false : 'kubectl is not installed' },
  () => {
    const built = spawnSync('kubectl', ['kustomize', join(configDir, 'default')], { encoding: 'utf8', cwd: repoRoot });
    assert.equal(built.status, 0, built.stderr);
    const manifests = parseManifests(built.stdout, 'kubectl kustomize');
    assert.deepEqual(manifests.errors, []);
    const byRef = (list: readonly unknown[]): Record<string, unknown> => Object.fromEntries(list.map((object) => [objectRef(object as ManifestObject), object]));
    assert.deepEqual(byRef(manifests.objects), byRef(objects.map(({ object }) => object)));
  },
);

interface Access {
  readonly verb: string;
  readonly group?: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

async function allowed(access: Access): Promise<boolean> {
  const response = await kube.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${serviceAccount.namespace}`, 'system:authenticated'],
        resourceAttributes: { group: '', ...access },
      },
    },
  });
  assert.equal(response.status, 201, statusMessage(response));
  return (response.body as { status: { allowed: boolean } }).status.allowed;
}

const registrar = 'eksclusterregistry.spire.spiffe.io';
const spiffeIdGroup = 'spiffeid.spiffe.io';
const spireGroup = 'spire.spiffe.io';
const lease = { group: 'coordination.k8s.io', resource: 'leases', namespace: 'spire-system' };

// What test/e2e/shipped-rbac.test.ts sees the controller request, and nothing else.
const granted: readonly Access[] = [
  ...['list', 'watch'].flatMap((verb) => [
    { verb, group: registrar, resource: 'eksclusterregistries' },
    { verb, group: registrar, resource: 'workloadidentities' },
    { verb, group: spiffeIdGroup, resource: 'clusterspiffeids' },
    { verb, group: spiffeIdGroup, resource: 'spiffeids' },
  ]),
  { verb: 'patch', group: spiffeIdGroup, resource: 'clusterspiffeids', subresource: 'status', name: 'payments-api' },
  { verb: 'patch', group: spiffeIdGroup, resource: 'spiffeids', subresource: 'status', namespace: 'shop', name: 'web' },
  ...['create', 'patch'].map((verb) => ({ verb, resource: 'events', namespace: 'shop' })),
  { verb: 'patch', group: registrar, resource: 'eksclusterregistries', name: 'production-cluster' },
  { verb: 'patch', group: registrar, resource: 'eksclusterregistries', subresource: 'status', name: 'production-cluster' },
  { verb: 'patch', group: registrar, resource: 'workloadidentities', subresource: 'status', name: 'web-app' },
  ...['list', 'watch'].map((verb) => ({ verb, group: spireGroup, resource: 'clusterfederatedtrustdomains' })),
  // The ownership record of its federation relationship (annotation and finalizer), and the status.
  { verb: 'patch', group: spireGroup, resource: 'clusterfederatedtrustdomains', name: 'partner' },
  { verb: 'patch', group: spireGroup, resource: 'clusterfederatedtrustdomains', subresource: 'status', name: 'partner' },
  ...['create', 'patch'].map((verb) => ({ verb, resource: 'events', namespace: 'default' })),
  { verb: 'create', ...lease },
  { verb: 'get', ...lease, name: 'spire-eks-workload-registrar.spire.io' },
  { verb: 'update', ...lease, name: 'spire-eks-workload-registrar.spire.io' },
];

const refused: readonly Access[] = [
  { verb: 'create', group: registrar, resource: 'eksclusterregistries' },
  { verb: 'delete', group: registrar, resource: 'eksclusterregistries', name: 'production-cluster' },
  { verb: 'deletecollection', group: registrar, resource: 'workloadidentities' },
  { verb: 'create', group: spiffeIdGroup, resource: 'spiffeids', namespace: 'shop' },
  { verb: 'update', group: spiffeIdGroup, resource: 'clusterspiffeids', name: 'payments-api' },
  { verb: 'patch', group: spiffeIdGroup, resource: 'spiffeids', namespace: 'shop', name: 'web' },
  // Reads and writes it never makes: no get (informers), update (patches) or patch of an identity.
  { verb: 'get', group: registrar, resource: 'eksclusterregistries', name: 'production-cluster' },
  { verb: 'get', group: registrar, resource: 'workloadidentities', name: 'web-app' },
  { verb: 'update', group: registrar, resource: 'eksclusterregistries', name: 'production-cluster' },
  { verb: 'update', group: registrar, resource: 'workloadidentities', name: 'web-app' },
  { verb: 'patch', group: registrar, resource: 'workloadidentities', name: 'web-app' },
  ...['get', 'update', 'delete'].map((verb) => ({ verb, group: spireGroup, resource: 'clusterfederatedtrustdomains', name: 'partner' })),
  { verb: 'create', group: spireGroup, resource: 'clusterfederatedtrustdomains' },
  { verb: 'update', group: registrar, resource: 'eksclusterregistries', subresource: 'status', name: 'production-cluster' },
  { verb: 'update', group: registrar, resource: 'workloadidentities', subresource: 'status', name: 'web-app' },
  // It sets no ownerReferences, so OwnerReferencesPermissionEnforcement never asks for finalizers.
  { verb: 'update', group: registrar, resource: 'eksclusterregistries', subresource: 'finalizers', name: 'production-cluster' },
  { verb: 'update', group: registrar, resource: 'workloadidentities', subresource: 'finalizers', name: 'web-app' },
  // Its events are core/v1 ones.
  { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: 'default' },
  { verb: 'patch', group: 'events.k8s.io', resource: 'events', namespace: 'default' },
  // Workload clusters, the management cluster among them, are read with EKS tokens, not as this account.
  ...['get', 'list', 'watch'].flatMap((verb) => [
    { verb, resource: 'pods' },
    { verb, resource: 'nodes' },
    { verb, resource: 'namespaces' },
    { verb, group: 'discovery.k8s.io', resource: 'endpointslices' },
  ]),
  { verb: 'get', resource: 'secrets', namespace: 'spire-system' },
  { verb: 'list', resource: 'configmaps', namespace: 'spire-system' },
  { verb: 'create', resource: 'pods', namespace: 'default' },
  { verb: 'delete', resource: 'pods', namespace: 'default', name: 'web' },
  { verb: 'patch', resource: 'nodes', name: 'node-1' },
  { verb: 'delete', resource: 'events', namespace: 'default' },
  { verb: 'update', ...lease, name: 'another-controller' },
  { verb: 'delete', ...lease, name: 'spire-eks-workload-registrar.spire.io' },
  { verb: 'list', ...lease },
  { verb: 'create', ...lease, namespace: 'kube-system' },
  { verb: 'get', ...lease, namespace: 'kube-system', name: 'spire-eks-workload-registrar.spire.io' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
];

test('the ServiceAccount may make the requests the registrar makes (informers, the finalizer patch, status patches, events, its Lease)', async () => {
  await deployed();
  // The authorizer learns new bindings from its informers: wait for the first grant, then ask for all.
  await eventually('the RBAC objects to reach the authorizer', () => allowed({ verb: 'list', group: registrar, resource: 'eksclusterregistries' }));
  const missing: string[] = [];
  for (const access of granted) if (!(await allowed(access))) missing.push(JSON.stringify(access));
  assert.deepEqual(missing, []);
});

test('and nothing more: gets and updates it never makes, finalizers, events.k8s.io, workload objects, other Leases, other namespaces, secrets', async () => {
  await deployed();
  await eventually('the RBAC objects to reach the authorizer', () => allowed({ verb: 'list', group: registrar, resource: 'eksclusterregistries' }));
  const excess: string[] = [];
  for (const access of refused) if (await allowed(access)) excess.push(JSON.stringify(access));
  assert.deepEqual(excess, []);
});
