import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { eventually, startManifestsApi, statusMessage, type ManifestsApi } from '../integration/manifests/api-fixture.ts';
import { objectRef, type ManifestObject } from '../integration/manifests/manifest-files.ts';
import { helm, helmOk, render, valuesExamples } from './chart-fixture.ts';

// `helm install` into a real kube-apiserver (the rig's etcd and apiserver; no nodes, so no pod runs):
// every object the chart renders is first accepted by a strict server-side dry run (unknown fields are
// errors, as `kubectl apply` asks), then installed by helm, found, upgraded and uninstalled.

const namespace = 'spire-system';
const release = 'spire-eks-workload-registrar';
// The webhook too, with its generated certificate: cert-manager's kinds are not served here.
const installValues = ['--set', 'webhook.enabled=true', '--set', 'webhook.certificate=helm'];

let kube: ManifestsApi;
let helmArgs: string[];

function manifestOf(text: string): ManifestObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .filter((object): object is ManifestObject => object !== null && typeof object === 'object');
}

async function exists(object: ManifestObject): Promise<boolean> {
  const response = await kube.request('GET', await kube.objectPath(object));
  assert.ok(response.status === 200 || response.status === 404, `${objectRef(object)}: ${statusMessage(response)}`);
  return response.status === 200;
}

before(async () => {
  kube = await startManifestsApi('chart-install-');
  helmArgs = ['--namespace', namespace, '--kubeconfig', kube.api.kubeconfigPath];
  const created = await kube.request('POST', '/api/v1/namespaces', { body: { metadata: { name: namespace } } });
  assert.equal(created.status, 201, statusMessage(created));
});
after(() => kube?.stop());

test('every object the chart renders passes a strict server-side dry run (after its CRDs)', async () => {
  const objects = render(['--include-crds', ...installValues]);
  await kube.installCrds(objects.filter((o) => o.kind === 'CustomResourceDefinition'));
  for (const object of objects.filter((o) => o.kind !== 'CustomResourceDefinition')) {
    const response = await kube.create(object, { dryRun: true });
    assert.equal(response.status, 201, `${objectRef(object)}: ${statusMessage(response)}`);
  }
  // Helm installs crds/ itself, and skips CRDs that exist: start it from none.
  for (const crd of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const deleted = await kube.request('DELETE', await kube.objectPath(crd));
    assert.equal(deleted.status, 200, statusMessage(deleted));
    await eventually(`CRD ${crd.metadata.name} gone`, async () => !(await exists(crd)));
  }
});

test('helm install with a wrong value fails before anything is created (values.schema.json)', async () => {
  const result = helm(['install', release, '.', ...helmArgs, '--set', 'config.gcInterval=soon']);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /\/config\/gcInterval/);
  for (const object of render()) assert.ok(!(await exists(object)), `${objectRef(object)} was created`);
  assert.equal(helm(['status', release, ...helmArgs]).status === 0, false, 'a release was recorded');
});

test('helm install creates the CRDs and every object of its manifest', async () => {
  helmOk(['install', release, '.', ...helmArgs, ...installValues]);
  const installed = manifestOf(helmOk(['get', 'manifest', release, ...helmArgs]));
  assert.deepEqual(
    installed.map(objectRef).sort(),
    render(installValues)
      .map(objectRef)
      .sort(),
  );
  for (const object of installed) assert.ok(await exists(object), `${objectRef(object)} was not created`);
  const crds = render(['--include-crds']).filter((o) => o.kind === 'CustomResourceDefinition');
  assert.ok(crds.length >= 2);
  for (const crd of crds) assert.ok(await exists(crd), `CRD ${crd.metadata.name} was not installed`);
});

test('helm upgrade to an example (metrics off, dedicated nodes) updates the Deployment and removes the metrics Service', async () => {
  const service = render().find((o) => o.kind === 'Service');
  assert.ok(service);
  helmOk(['upgrade', release, '.', ...helmArgs, '-f', valuesExamples[1] ?? '']);
  assert.ok(!(await exists(service)), 'the metrics Service is still there');
  const deployment = render().find((o) => o.kind === 'Deployment');
  assert.ok(deployment);
  const stored = (await kube.request('GET', await kube.objectPath(deployment))).body as { spec: { template: { spec: { nodeSelector?: Record<string, string> } } } };
  assert.deepEqual(stored.spec.template.spec.nodeSelector, { 'node-role.example.com/platform': 'true' });
});

test('helm uninstall removes every object but the CRDs (Helm keeps crds/, and with them the users\' objects)', async () => {
  const installed = manifestOf(helmOk(['get', 'manifest', release, ...helmArgs]));
  helmOk(['uninstall', release, ...helmArgs]);
  for (const object of installed) assert.ok(!(await exists(object)), `${objectRef(object)} is still there`);
  for (const crd of render(['--include-crds']).filter((o) => o.kind === 'CustomResourceDefinition')) assert.ok(await exists(crd));
});

test('mode workload-cluster (helm install --skip-crds): the group may read pods, nodes, namespaces and EndpointSlices, and nothing more', async () => {
  helmOk(['install', 'registrar-reader', '.', ...helmArgs, '--skip-crds', '-f', valuesExamples[3] ?? '']);
  const allowed = async (verb: string, group: string, resource: string): Promise<boolean> => {
    const review = await kube.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'registrar', groups: ['spire-eks-workload-registrar'], resourceAttributes: { verb, group, resource } } },
    });
    assert.equal(review.status, 201, statusMessage(review));
    return (review.body as { status: { allowed: boolean } }).status.allowed;
  };
  await eventually('the authorizer to see the binding', () => allowed('watch', '', 'pods'));
  for (const [group, resource] of [['', 'pods'], ['', 'nodes'], ['', 'namespaces'], ['discovery.k8s.io', 'endpointslices']] as const) {
    for (const verb of ['get', 'list', 'watch']) assert.ok(await allowed(verb, group, resource), `${verb} ${resource}`);
  }
  assert.ok(!(await allowed('create', '', 'pods')), 'create pods');
  assert.ok(!(await allowed('get', '', 'secrets')), 'get secrets');
  helmOk(['uninstall', 'registrar-reader', ...helmArgs]);
});
