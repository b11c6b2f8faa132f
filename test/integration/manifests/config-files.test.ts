import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { test } from 'node:test';
import { parseClusterSpiffeID } from '../../../src/api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { parseSpiffeID } from '../../../src/api/spiffeid-v1beta1/spiffe-id.ts';
import { defaultNamespacedIDPrefixTemplate, spiffeIdPolicy } from '../../../src/api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { parseResources } from '../../../src/api/resources.ts';
import { parseControllerManagerConfig } from '../../../src/config/load-config.ts';
import { sampleConfig } from '../../fixtures/fleet-objects.ts';
import { configDir, kustomize, readManifest, readSeedFixture, repoRoot, yamlFilesUnder, type ManifestObject, type SourcedManifest } from './manifest-files.ts';

// What can be checked without an apiserver: the files parse, kustomize would find everything, the samples
// are the seed's examples, and the Deployment, the configuration and the RBAC agree with each other.

const clusterScopedKinds = new Set(['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Namespace']);
const isNamespaced = (object: ManifestObject): boolean => !clusterScopedKinds.has(object.kind);

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, found ${items.length}`);
  return items[0] as T;
}

async function defaultObjects(): Promise<readonly SourcedManifest[]> {
  return (await kustomize(join(configDir, 'default'), isNamespaced)).objects;
}

function ofKind(objects: readonly SourcedManifest[], kind: string): ManifestObject[] {
  return objects.filter(({ object }) => object.kind === kind).map(({ object }) => object);
}

test('every YAML file under config/ parses into Kubernetes objects', async () => {
  const files = await yamlFilesUnder(configDir);
  assert.ok(files.length >= 15, `found ${files.length} files`);
  for (const file of files) {
    if (basename(file) === 'kustomization.yaml') continue; // read by kustomize(), below
    const objects = await readManifest(file);
    for (const { object } of objects) assert.match(object.metadata.name, /^[a-z0-9.-]+$/, `${file}: ${object.kind} name`);
  }
});

test('config/default: every kustomization resolves, and every manifest outside samples/, workload-cluster/ and sharding/ is deployed by it or by config/webhook', async () => {
  const { objects, kustomizations } = await kustomize(join(configDir, 'default'), isNamespaced);
  assert.deepEqual([...kustomizations].sort(), ['config/crd/kustomization.yaml', 'config/default/kustomization.yaml', 'config/manager/kustomization.yaml', 'config/rbac/kustomization.yaml']);
  const withWebhook = await kustomize(join(configDir, 'webhook'), isNamespaced);
  const deployed = new Set(withWebhook.objects.map(({ source }) => source));
  for (const { source } of objects) assert.ok(deployed.has(source), `config/webhook includes ${source}`);
  // config/workload-cluster/ is applied in each workload cluster; the rig applies it to its own (test/rig/fleet.ts).
  // config/sharding/ is an overlay of config/default with patches, which kustomize() does not emulate;
  // test/chart checks its Role and configuration against the chart's.
  const elsewhere = ['samples', 'workload-cluster', 'sharding'].map((dir) => posix.join('config', dir, ''));
  const manifests = (await yamlFilesUnder(configDir)).filter((file) => basename(file) !== 'kustomization.yaml' && !elsewhere.some((dir) => file.startsWith(dir)));
  assert.deepEqual([...deployed].sort(), manifests);
  for (const { object } of objects) {
    if (isNamespaced(object)) assert.equal(object.metadata.namespace, 'spire-system', `${object.kind} ${object.metadata.name}`);
    else assert.equal(object.metadata.namespace, undefined, `${object.kind} ${object.metadata.name}`);
  }
  // The seed's Quick Install creates the namespace before `kubectl apply -k`; it usually holds the SPIRE
  // server too, so `kubectl delete -k` must not remove it.
  assert.deepEqual(ofKind(objects, 'Namespace'), []);
});

test('config/crd/bases holds only the seven CRDs, named as kubebuilder names them', async () => {
  const files = (await readdir(join(configDir, 'crd', 'bases'))).sort();
  assert.deepEqual(files, [
    'eksclusterregistry.spire.spiffe.io_eksclusterregistries.yaml',
    'eksclusterregistry.spire.spiffe.io_workloadidentities.yaml',
    'spiffeid.spiffe.io_clusterspiffeids.yaml',
    'spiffeid.spiffe.io_spiffeids.yaml',
    'spire.spiffe.io_clusterfederatedtrustdomains.yaml',
    'spire.spiffe.io_clusterspiffeids.yaml',
    'spire.spiffe.io_clusterstaticentries.yaml',
  ]);
  for (const file of files) {
    const crd = only(await readManifest(join('config', 'crd', 'bases', file)), 'object').object;
    const spec = crd.spec as { group: string; names: { plural: string } };
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, `${spec.names.plural}.${spec.group}`);
    assert.equal(file, `${spec.group}_${spec.names.plural}.yaml`);
  }
});

// The samples of the spiffeid.spiffe.io kinds, which the seed's examples do not cover.
const spiffeIdSamples = ['clusterspiffeid-payments-api.yaml', 'spiffeid-k8s-workload-registrar.yaml', 'spiffeid-tenant-web.yaml'];

// The samples of spire-controller-manager's kinds (spire.spiffe.io).
const scmSamples = ['clusterfederatedtrustdomain-partner.yaml', 'clusterspiffeid-scm-default.yaml', 'clusterstaticentry-database.yaml'];

test("config/samples holds the seed's examples, unchanged, one file each, and the registrar accepts them", async () => {
  const pairs: [sample: string, seed: string][] = [
    ['eksclusterregistry-workload-cluster.yaml', 'eks-cluster-registry.yaml'],
    ['workloadidentity-test-app-identity.yaml', 'workload-identity.yaml'],
    ['example-1-web-app.yaml', 'example-1-web-app.yaml'],
    ['example-2-multi-cluster.yaml', 'example-2-multi-cluster.yaml'],
    ['example-3-cross-account.yaml', 'example-3-cross-account.yaml'],
  ];
  assert.deepEqual((await readdir(join(configDir, 'samples'))).sort(), [...pairs.map(([sample]) => sample), ...spiffeIdSamples, ...scmSamples].sort());
  const all: SourcedManifest[] = [];
  for (const [sample, seed] of pairs) {
    const objects = await readManifest(join('config', 'samples', sample));
    assert.deepEqual(
      objects.map(({ object }) => object),
      (await readSeedFixture(seed)).map(({ object }) => object),
      sample,
    );
    all.push(...objects);
  }
  const parsed = parseResources(all);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  assert.equal(parsed.value.registries.length, 5);
  assert.equal(parsed.value.identities.length, 3);
});

test('the ClusterSpiffeID and SpiffeID samples are accepted by the registrar in the configured trust domain, under the default ID policy but for the retired registrar\'s', async () => {
  const policy = (namespacedIDPrefixTemplate: string) => spiffeIdPolicy(sampleConfig({ spiffeIDPolicy: { namespacedIDPrefixTemplate, clusterDNSNamesInOwnNamespace: true } }));
  for (const sample of spiffeIdSamples) {
    // The retired registrar had no rule on IDs: its sample needs the opt-out (docs/spiffe-ids.md).
    const template = sample === 'spiffeid-k8s-workload-registrar.yaml' ? '' : defaultNamespacedIDPrefixTemplate;
    for (const { object } of await readManifest(join('config', 'samples', sample))) {
      const parsed = object.kind === 'SpiffeID' ? parseSpiffeID(object, 'example.org', policy(template)) : parseClusterSpiffeID(object, 'example.org');
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
    }
  }
});

test("spire-controller-manager's kinds' samples are accepted by the registrar in the configured trust domain", async () => {
  const objects: SourcedManifest[] = [];
  for (const sample of scmSamples) objects.push(...(await readManifest(join('config', 'samples', sample))));
  const parsed = parseResources(objects, { trustDomain: 'example.org' });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  assert.deepEqual(
    parsed.value.clusterSPIFFEIDs.map((object) => [object.metadata.name, object.spec.fallback]),
    [
      ['default', false],
      ['fallback', true],
    ],
  );
  assert.deepEqual(parsed.value.clusterSPIFFEIDs[0]?.spec.clusterSelector, { matchLabels: { type: 'workload' }, matchExpressions: [] });
  assert.equal(parsed.value.clusterStaticEntries.length, 1);
  assert.deepEqual(parsed.value.clusterFederatedTrustDomains.map((object) => object.spec.relationship.trustDomain), ['partner.org']);
});

test("the ConfigMap's config.yaml is accepted by the registrar's configuration parser", async () => {
  const file = join('config', 'manager', 'controller-manager-config.yaml');
  const configMap = only(await readManifest(file), 'ConfigMap').object;
  const text = (configMap.data as Record<string, string>)['config.yaml'];
  assert.ok(text !== undefined, 'data.config.yaml');
  const parsed = parseControllerManagerConfig(text, `${file}: data.config.yaml`);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
  assert.equal(parsed.value.trustDomain, 'example.org');
  assert.equal(parsed.value.entryIDPrefix, 'eks-');
  assert.deepEqual(parsed.value.aws.accountIds, []);
  // The whole file is accepted as well (the loader unwraps a ConfigMap).
  const whole = parseControllerManagerConfig(await readFile(join(repoRoot, file), 'utf8'), file);
  assert.ok(whole.ok, whole.ok ? '' : whole.errors.join('\n'));
  assert.deepEqual(whole.value, parsed.value);
});

test('the Deployment mounts the configuration where its args read it, and its ports and probes are the configured ones', async () => {
  const objects = await defaultObjects();
  const deployment = only(ofKind(objects, 'Deployment'), 'Deployment') as ManifestObject & { spec: DeploymentSpec };
  const configMap = only(ofKind(objects, 'ConfigMap'), 'ConfigMap');
  const config = parseControllerManagerConfig((configMap.data as Record<string, string>)['config.yaml'] ?? '', 'config.yaml');
  assert.ok(config.ok, config.ok ? '' : config.errors.join('\n'));
  const pod = deployment.spec.template.spec;
  const container = only(pod.containers, 'container');

  assert.equal(container.image, 'spire-eks-workload-registrar:latest');
  assert.deepEqual(container.args, ['run', '--config', '/etc/spire-eks-workload-registrar/config.yaml']);
  const mountOf = (path: string): { volume: Volume; mountPath: string } => {
    const mount = container.volumeMounts.find((m) => path.startsWith(`${m.mountPath}/`));
    assert.ok(mount !== undefined, `nothing is mounted at ${path}`);
    const volume = pod.volumes.find((v) => v.name === mount.name);
    assert.ok(volume !== undefined, `volume ${mount.name}`);
    return { volume, mountPath: mount.mountPath };
  };
  const configMount = mountOf('/etc/spire-eks-workload-registrar/config.yaml');
  assert.equal(configMount.volume.configMap?.name, configMap.metadata.name);
  assert.equal(mountOf(config.value.spireServerSocketPath).volume.name, 'spire-server-socket');
  assert.equal(mountOf(`${config.value.webhook.certDir}/tls.crt`).volume.emptyDir !== undefined, true, 'certDir is writable');

  const port = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
  const portNamed = (name: string): number | undefined => container.ports.find((p) => p.name === name)?.containerPort;
  assert.equal(portNamed('metrics'), port(config.value.metrics.bindAddress));
  assert.equal(portNamed('health'), port(config.value.health.healthProbeBindAddress));
  assert.deepEqual(container.livenessProbe.httpGet, { path: `/${config.value.health.livenessEndpointName}`, port: 'health' });
  assert.deepEqual(container.readinessProbe.httpGet, { path: `/${config.value.health.readinessEndpointName}`, port: 'health' });

  assert.equal(pod.serviceAccountName, only(ofKind(objects, 'ServiceAccount'), 'ServiceAccount').metadata.name);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  for (const kind of ['requests', 'limits'] as const) {
    assert.ok(container.resources[kind]?.cpu !== undefined && container.resources[kind]?.memory !== undefined, `resources.${kind}`);
  }
  // The seed's troubleshooting finds the pod with -l app=spire-eks-workload-registrar.
  assert.equal(deployment.spec.template.metadata.labels.app, 'spire-eks-workload-registrar');
});

test("the leader election Role grants the Lease the configuration names, in the configuration's namespace", async () => {
  const objects = await defaultObjects();
  const configMap = only(ofKind(objects, 'ConfigMap'), 'ConfigMap');
  const config = parseControllerManagerConfig((configMap.data as Record<string, string>)['config.yaml'] ?? '', 'config.yaml');
  assert.ok(config.ok);
  const role = only(ofKind(objects, 'Role'), 'Role') as ManifestObject & { rules: { resourceNames?: string[] }[] };
  assert.equal(role.metadata.namespace, config.value.leaderElection.resourceNamespace);
  assert.deepEqual(
    role.rules.flatMap((rule) => rule.resourceNames ?? []),
    [config.value.leaderElection.resourceName],
  );
});

interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string };
  readonly emptyDir?: unknown;
}

interface DeploymentSpec {
  readonly template: {
    readonly metadata: { readonly labels: Record<string, string> };
    readonly spec: {
      readonly serviceAccountName: string;
      readonly securityContext: { readonly runAsNonRoot?: boolean };
      readonly volumes: readonly Volume[];
      readonly containers: readonly {
        readonly image: string;
        readonly args: readonly string[];
        readonly ports: readonly { readonly name: string; readonly containerPort: number }[];
        readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string }[];
        readonly livenessProbe: { readonly httpGet: unknown };
        readonly readinessProbe: { readonly httpGet: unknown };
        readonly securityContext: unknown;
        readonly resources: { readonly requests?: Record<string, string>; readonly limits?: Record<string, string> };
      }[];
    };
  };
}
