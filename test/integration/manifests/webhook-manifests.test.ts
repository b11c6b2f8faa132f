import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sampleConfig } from '../../fixtures/fleet-objects.ts';
import { kindValidators } from '../../../src/webhook/kind-validators.ts';
import { startManifestsApi, statusMessage, type ManifestsApi } from './api-fixture.ts';
import { configDir, kustomize, objectRef, type ManifestObject } from './manifest-files.ts';

// `kubectl apply -k config/webhook` on a real kube-apiserver. cert-manager is not part of the rig: its two
// kinds are installed as schemaless CRDs, so the apiserver checks their kind and metadata, not their spec.

let kube: ManifestsApi;
let objects: readonly ManifestObject[];

function certManagerCrd(kind: string, plural: string): ManifestObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.cert-manager.io` },
    spec: {
      group: 'cert-manager.io',
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

before(async () => {
  kube = await startManifestsApi('it-manifests-webhook-');
  assert.equal((await kube.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'spire-system' } } })).status, 201);
  await kube.installCrds([certManagerCrd('Issuer', 'issuers'), certManagerCrd('Certificate', 'certificates')]);
  const raw = await kustomize(join(configDir, 'webhook'), () => false);
  const namespaced = new Map<string, boolean>();
  for (const { object } of raw.objects) {
    const key = `${object.apiVersion} ${object.kind}`;
    if (!namespaced.has(key) && object.kind !== 'CustomResourceDefinition') namespaced.set(key, (await kube.resource(object.apiVersion, object.kind)).namespaced);
  }
  objects = (await kustomize(join(configDir, 'webhook'), (object) => namespaced.get(`${object.apiVersion} ${object.kind}`) === true)).objects.map(({ object }) => object);
});
after(() => kube?.stop());

test('config/webhook is config/default plus the Service, the Issuer and Certificate, and the webhook configuration; the apiserver takes them all', async () => {
  const defaults = (await kustomize(join(configDir, 'default'), () => false)).objects.map(({ object }) => objectRef(object).replace(/^(\w+) spire-system\//, '$1 '));
  const added = objects.map((object) => objectRef(object)).filter((ref) => !defaults.includes(ref.replace(/^(\w+) spire-system\//, '$1 ')));
  assert.deepEqual(added.sort(), [
    'Certificate spire-system/spire-eks-workload-registrar-webhook',
    'Issuer spire-system/spire-eks-workload-registrar-webhook',
    'Service spire-system/spire-eks-workload-registrar-webhook',
    'ValidatingWebhookConfiguration spire-eks-workload-registrar',
  ]);
  await kube.installCrds(objects.filter((object) => object.kind === 'CustomResourceDefinition'));
  for (const object of objects.filter((o) => o.kind !== 'CustomResourceDefinition')) {
    const created = await kube.create(object);
    assert.equal(created.status, 201, `${objectRef(object)}: ${statusMessage(created)}`);
  }
});

test('the webhook configuration sends every kind the webhook validates, and the Service reaches the port the Deployment names', () => {
  const configuration = objects.find((object) => object.kind === 'ValidatingWebhookConfiguration') as unknown as {
    webhooks: { rules: { apiGroups: string[]; resources: string[] }[]; clientConfig: { service: { name: string; path: string } } }[];
  };
  const crds = objects.filter((object) => object.kind === 'CustomResourceDefinition') as unknown as { spec: { group: string; names: { kind: string; plural: string } } }[];
  const sent = new Set(configuration.webhooks.flatMap((webhook) => webhook.rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.map((plural) => `${group}/${plural}`)))));
  const validated = [...kindValidators(sampleConfig()).keys()].map((key) => {
    const crd = crds.find((candidate) => `${candidate.spec.group}/${candidate.spec.names.kind}` === key);
    assert.ok(crd, `a CRD for the validated kind ${key}`);
    return `${crd.spec.group}/${crd.spec.names.plural}`;
  });
  assert.deepEqual([...sent].sort(), validated.sort());
  assert.ok(configuration.webhooks.every((webhook) => webhook.clientConfig.service.path === '/validate'));
  const service = objects.find((object) => object.kind === 'Service') as unknown as { spec: { ports: { targetPort: string }[] } };
  const deployment = objects.find((object) => object.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { ports: { name: string; containerPort: number }[] }[] } } } };
  const port = deployment.spec.template.spec.containers[0]?.ports.find((p) => p.name === service.spec.ports[0]?.targetPort);
  assert.equal(port?.containerPort, sampleConfig().webhook.port);
});
