import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { controllerManagerConfigSchema } from '../../src/config/controller-manager-config.ts';
import { parseControllerManagerConfig } from '../../src/config/load-config.ts';
import { configDir, kustomize, objectRef, repoRoot, type ManifestObject } from '../integration/manifests/manifest-files.ts';
import { chartDir, helm, helmOk, render, valuesExamples } from './chart-fixture.ts';

// The chart with the real helm (lint, template, the values schema), against what kustomize renders from
// config/ for the same settings: the same CRDs, RBAC, configuration and Deployment.

const namespacedKinds = new Set(['ServiceAccount', 'ConfigMap', 'Deployment', 'Role', 'RoleBinding', 'Service', 'Issuer', 'Certificate']);

async function kustomized(dir: string): Promise<ManifestObject[]> {
  return (await kustomize(join(configDir, dir), (object) => namespacedKinds.has(object.kind))).objects.map(({ object }) => object);
}

function byRef(objects: readonly ManifestObject[]): Map<string, ManifestObject> {
  return new Map(objects.map((object) => [objectRef(object), object]));
}

/** The object without its labels (the chart adds Helm's); `labels` must include kustomize's. */
function withoutLabels(object: ManifestObject, labels?: Readonly<Record<string, string>>): ManifestObject {
  const { labels: own = {}, ...metadata } = object.metadata as { labels?: Record<string, string> } & ManifestObject['metadata'];
  if (labels !== undefined) for (const [key, value] of Object.entries(labels)) assert.equal(own[key], value, `${objectRef(object)}: label ${key}`);
  return { ...object, metadata: metadata as ManifestObject['metadata'] };
}

function find(objects: readonly ManifestObject[], kind: string): ManifestObject {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind} among ${objects.map(objectRef).join(', ')}`);
  return found;
}

/** Every key a YAML value holds, as dotted paths to its leaves (arrays are leaves). */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) return [prefix.slice(0, -1)];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, `${prefix}${key}.`));
}

/** Every key a zod object schema accepts, as dotted paths to its leaves, through defaults, optionals and transforms. */
function schemaPaths(schema: unknown, prefix = ''): string[] {
  const def = (schema as { _zod: { def: { type: string; in?: unknown; innerType?: unknown; shape?: Record<string, unknown> } } })._zod.def;
  if (def.type === 'pipe') return schemaPaths(def.in, prefix);
  if (def.innerType !== undefined) return schemaPaths(def.innerType, prefix);
  if (def.type !== 'object' || def.shape === undefined) return [prefix.slice(0, -1)];
  return Object.entries(def.shape).flatMap(([key, child]) => schemaPaths(child, `${prefix}${key}.`));
}

const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };
const valuesSchema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as { properties: { config: unknown } };

test('helm lint passes, with the default values and with each example, without warnings', () => {
  for (const args of [[], ...valuesExamples.map((file) => ['-f', file])]) {
    const output = helmOk(['lint', '.', '--strict', ...args]);
    assert.doesNotMatch(output, /\[(ERROR|WARNING)\]/, `helm lint ${args.join(' ')}:\n${output}`);
  }
});

test("the chart's version and appVersion are package.json's", () => {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(chart.version, version);
  assert.equal(chart.appVersion, version);
});

test('helm package carries the linked files: the packaged chart renders as the directory does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chart-package-'));
  try {
    helmOk(['package', '.', '--destination', dir]);
    const [archive] = readdirSync(dir);
    assert.ok(archive, 'helm package wrote nothing');
    assert.deepEqual(render(['--include-crds'], 'spire-system', join(dir, archive)), render(['--include-crds']));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the chart's CRDs are config/crd's, every one of them (crds/ links to config/crd/bases)", async () => {
  const fromChart = render(['--include-crds']).filter((o) => o.kind === 'CustomResourceDefinition');
  const fromConfig = await kustomized('crd');
  assert.ok(fromConfig.length >= 2);
  assert.deepEqual(byRef(fromChart), byRef(fromConfig));
});

test('the RBAC is config/rbac as kustomize renders it into spire-system, rule for rule', async () => {
  const rbacKinds = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
  const fromConfig = (await kustomized('default')).filter((o) => rbacKinds.has(o.kind));
  const fromChart = render().filter((o) => rbacKinds.has(o.kind));
  const expected = byRef(fromConfig);
  assert.deepEqual([...byRef(fromChart).keys()].sort(), [...expected.keys()].sort());
  for (const object of fromChart) {
    const kustomizeObject = expected.get(objectRef(object));
    assert.ok(kustomizeObject);
    assert.deepEqual(withoutLabels(object, kustomizeObject.metadata.labels as Record<string, string>), withoutLabels(kustomizeObject), objectRef(object));
  }
});

test("the ConfigMap's configuration is config/manager's, as the registrar reads it", async () => {
  const configOf = (objects: readonly ManifestObject[]): unknown => {
    const data = find(objects, 'ConfigMap').data as Record<string, string>;
    const parsed = parseControllerManagerConfig(data['config.yaml'] ?? '', 'config.yaml');
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
    return parsed.value;
  };
  assert.deepEqual(configOf(render()), configOf(await kustomized('default')));
});

test('the Deployment is config/manager\'s (its image tagged with the version; Helm\'s labels and a checksum of the configuration added)', async () => {
  const strip = (deployment: ManifestObject): unknown => {
    const spec = structuredClone(deployment.spec) as { template: { metadata: Record<string, unknown>; spec: { containers: { image: string }[] } } };
    spec.template.metadata = {};
    for (const container of spec.template.spec.containers) container.image = container.image.replace(/:[^:/]+$/, '');
    return { ...withoutLabels(deployment), spec };
  };
  const chart = find(render(), 'Deployment');
  const kustomizeDeployment = find(await kustomized('default'), 'Deployment');
  assert.deepEqual(strip(chart), strip(kustomizeDeployment));
  const template = (chart.spec as { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } } }).template.metadata;
  assert.match(template.annotations['checksum/config'] ?? '', /^[0-9a-f]{64}$/);
  const podLabels = (kustomizeDeployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  for (const [key, value] of Object.entries(podLabels)) assert.equal(template.labels[key], value, `pod label ${key}`);
});

test('webhook.enabled with cert-manager: config/webhook\'s Service, Issuer, Certificate and ValidatingWebhookConfiguration', async () => {
  const webhookKinds = new Set(['Service', 'Issuer', 'Certificate', 'ValidatingWebhookConfiguration']);
  const fromConfig = (await kustomized('webhook')).filter((o) => webhookKinds.has(o.kind));
  const fromChart = render(['--set', 'webhook.enabled=true']).filter((o) => webhookKinds.has(o.kind) && o.metadata.name !== 'spire-eks-workload-registrar-metrics');
  const expected = byRef(fromConfig);
  assert.deepEqual([...byRef(fromChart).keys()].sort(), [...expected.keys()].sort());
  for (const object of fromChart) {
    const kustomizeObject = expected.get(objectRef(object));
    assert.ok(kustomizeObject);
    assert.deepEqual(withoutLabels(object, kustomizeObject.metadata.labels as Record<string, string>), withoutLabels(kustomizeObject), objectRef(object));
  }
});

test('webhook.certificate=helm: a generated serving certificate for the Service, its CA in the webhook configuration', () => {
  const objects = render(['--set', 'webhook.enabled=true', '--set', 'webhook.certificate=helm']);
  assert.ok(!objects.some((o) => o.kind === 'Certificate' || o.kind === 'Issuer'));
  const secret = find(objects, 'Secret') as ManifestObject & { data: Record<string, string> };
  assert.equal(secret.metadata.name, 'spire-eks-workload-registrar-webhook-tls');
  const configuration = find(objects, 'ValidatingWebhookConfiguration') as ManifestObject & { webhooks: { clientConfig: { caBundle: string } }[] };
  assert.equal(configuration.metadata.annotations, undefined);
  const ca = new X509Certificate(Buffer.from(configuration.webhooks[0]?.clientConfig.caBundle ?? '', 'base64'));
  const serving = new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64'));
  assert.ok(serving.verify(ca.publicKey), 'the serving certificate is signed by the CA bundle');
  assert.ok(serving.checkHost('spire-eks-workload-registrar-webhook.spire-system.svc'));
  assert.ok(serving.checkPrivateKey(createPrivateKey(Buffer.from(secret.data['tls.key'] ?? '', 'base64'))));
});

test('values.yaml and values.schema.json hold every ControllerManagerConfig key, and no other', () => {
  const configKeys = schemaPaths(controllerManagerConfigSchema)
    .filter((key) => key !== 'apiVersion' && key !== 'kind')
    .sort();
  assert.deepEqual(leafPaths(values.config).sort(), configKeys, 'values.yaml config: add the key (with its default) to values.yaml and values.schema.json');
  const schemaKeys = (schema: unknown, prefix = ''): string[] => {
    const properties = (schema as { properties?: Record<string, unknown> }).properties;
    if (properties === undefined) return [prefix.slice(0, -1)];
    return Object.entries(properties).flatMap(([key, child]) => schemaKeys(child, `${prefix}${key}.`));
  };
  assert.deepEqual(schemaKeys(valuesSchema.properties.config).sort(), configKeys, 'values.schema.json config');
});

test('a wrong value fails at install (values.schema.json), naming the value', () => {
  const cases: [string[], RegExp][] = [
    [['--set', 'config.gcInterval=soon'], /\/config\/gcInterval/],
    [['--set', 'config.trustDomian=example.org'], /trustDomian/],
    [['--set-json', 'config.aws.accountIds=["12345"]'], /\/config\/aws\/accountIds\/0/],
    [['--set', 'config.metrics.bindAddress=8080'], /\/config\/metrics\/bindAddress/],
    [['--set', 'image.pullPolicy=Sometimes'], /\/image\/pullPolicy/],
    [['--set', 'replicaCount=two'], /\/replicaCount/],
  ];
  for (const [args, message] of cases) {
    const result = helm(['template', 'spire-eks-workload-registrar', '.', ...args]);
    assert.notEqual(result.status, 0, `helm template ${args.join(' ')} passed`);
    assert.match(result.stderr, message, args.join(' '));
  }
});

test('example: IRSA, a private registry, two replicas and a ServiceMonitor', () => {
  const objects = render(['-f', valuesExamples[0] ?? '']);
  const account = find(objects, 'ServiceAccount');
  assert.deepEqual(account.metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/spire-eks-workload-registrar' });
  const deployment = find(objects, 'Deployment') as ManifestObject & {
    spec: { replicas: number; template: { spec: { imagePullSecrets: unknown; containers: { image: string; env: unknown }[] } } };
  };
  assert.equal(deployment.spec.replicas, 2);
  assert.deepEqual(deployment.spec.template.spec.imagePullSecrets, [{ name: 'registry-credentials' }]);
  assert.equal(deployment.spec.template.spec.containers[0]?.image, 'registry.example.com/platform/spire-eks-workload-registrar:0.1.0');
  assert.deepEqual(deployment.spec.template.spec.containers[0]?.env, [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' }]);
  const monitor = find(objects, 'ServiceMonitor') as ManifestObject & { spec: { endpoints: { port: string }[] } };
  assert.equal((monitor.metadata.labels as Record<string, string>).release, 'prometheus');
  assert.equal(monitor.spec.endpoints[0]?.port, 'metrics');
  const service = find(objects, 'Service') as ManifestObject & { spec: { ports: { name: string }[] } };
  assert.equal(service.spec.ports[0]?.name, 'metrics');
});

test('example: metrics off ("0") means no metrics port and no Service; node placement and resources as given', () => {
  const objects = render(['-f', valuesExamples[1] ?? '']);
  assert.ok(!objects.some((o) => o.kind === 'Service'));
  const pod = (find(objects, 'Deployment').spec as { template: { spec: Record<string, unknown> & { containers: { ports: { name: string }[]; resources: unknown }[] } } }).template.spec;
  assert.deepEqual(pod.containers[0]?.ports.map((p) => p.name), ['health', 'webhook']);
  assert.deepEqual(pod.nodeSelector, { 'node-role.example.com/platform': 'true' });
  assert.equal((pod.tolerations as unknown[]).length, 1);
  assert.deepEqual(pod.containers[0]?.resources, { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } });
});

test("example: in the spire-server's pod, no Deployment, no ServiceAccount, the RBAC bound to spire-server's", () => {
  const objects = render(['-f', valuesExamples[2] ?? '']);
  assert.deepEqual(objects.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Role', 'RoleBinding']);
  for (const binding of objects.filter((o) => o.kind.endsWith('Binding'))) {
    assert.deepEqual((binding as ManifestObject & { subjects: unknown }).subjects, [{ kind: 'ServiceAccount', name: 'spire-server', namespace: 'spire-system' }]);
  }
});

test("example: mode workload-cluster renders config/workload-cluster's read access and nothing else", async () => {
  const fromChart = render(['-f', valuesExamples[3] ?? '']);
  const fromConfig = await kustomized('workload-cluster');
  const expected = byRef(fromConfig);
  assert.deepEqual([...byRef(fromChart).keys()].sort(), [...expected.keys()].sort());
  for (const object of fromChart) {
    const kustomizeObject = expected.get(objectRef(object));
    assert.ok(kustomizeObject);
    assert.deepEqual(withoutLabels(object), withoutLabels(kustomizeObject), objectRef(object));
  }
});

test("the socket's mount, the Lease and the probes follow the configuration", () => {
  const objects = render(['--set', 'config.spireServerSocketPath=/run/spire/server/api.sock', '--set', 'config.leaderElection.resourceName=registrar-lease', '--set', 'config.leaderElection.resourceNamespace=spire-leases', '--set', 'config.health.readinessEndpointName=ready', '--set', 'config.health.healthProbeBindAddress=:9090'], 'spire-system');
  const pod = (find(objects, 'Deployment').spec as { template: { spec: { containers: { volumeMounts: { name: string; mountPath: string }[]; readinessProbe: { httpGet: { path: string } }; ports: { name: string; containerPort: number }[] }[] } } }).template.spec;
  const container = pod.containers[0];
  assert.ok(container);
  assert.equal(container.volumeMounts.find((m) => m.name === 'spire-server-socket')?.mountPath, '/run/spire/server');
  assert.equal(container.readinessProbe.httpGet.path, '/ready');
  assert.equal(container.ports.find((p) => p.name === 'health')?.containerPort, 9090);
  const role = find(objects, 'Role') as ManifestObject & { rules: { resourceNames?: string[] }[] };
  assert.equal(role.metadata.namespace, 'spire-leases');
  assert.deepEqual(role.rules.flatMap((r) => r.resourceNames ?? []), ['registrar-lease']);
  assert.equal(find(objects, 'RoleBinding').metadata.namespace, 'spire-leases');
  const config = parse((find(objects, 'ConfigMap').data as Record<string, string>)['config.yaml'] ?? '') as { leaderElection: Record<string, string> };
  assert.equal(config.leaderElection.resourceNamespace, 'spire-leases');
});

test('sharding: the chart adds config/sharding’s Role for the replicas’ Leases, in the Leases’ namespace; config/sharding’s configuration is config/manager’s with sharding enabled', () => {
  const objects = render(['--set', 'config.sharding.enabled=true', '--set', 'replicaCount=3']);
  const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'spire-eks-workload-registrar-sharding');
  assert.ok(role, 'no sharding Role');
  const shipped = parse(readFileSync(join(configDir, 'sharding/sharding-role.yaml'), 'utf8')) as ManifestObject;
  assert.deepEqual(role.rules, shipped.rules);
  assert.equal(role.metadata.namespace, 'spire-system');
  const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'spire-eks-workload-registrar-sharding') as ManifestObject & { roleRef: { name: string } };
  assert.equal(binding.roleRef.name, 'spire-eks-workload-registrar-sharding');
  assert.equal((find(objects, 'Deployment').spec as { replicas: number }).replicas, 3);
  // Off (the default): no such Role.
  assert.equal(render().some((o) => o.metadata.name === 'spire-eks-workload-registrar-sharding'), false);
  const configOf = (file: string): Record<string, unknown> => {
    const data = (parse(readFileSync(join(configDir, file), 'utf8')) as { data: Record<string, string> }).data;
    const parsed = parseControllerManagerConfig(data['config.yaml'] ?? '', file);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
    return parsed.value as unknown as Record<string, unknown>;
  };
  const sharded = configOf('sharding/controller-manager-config.yaml');
  assert.deepEqual(sharded.sharding, { enabled: true });
  assert.deepEqual({ ...sharded, sharding: { enabled: false } }, configOf('manager/controller-manager-config.yaml'));
});
