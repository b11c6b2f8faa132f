import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { awsIidParentIDTemplate, defaultParentIDTemplate } from './controller-manager-config.ts';
import { parseControllerManagerConfig, readControllerManagerConfig } from './load-config.ts';

const seedConfigMap = new URL('../../test/fixtures/seed/controller-manager-config.yaml', import.meta.url);

function errorsOf(text: string): readonly string[] {
  const result = parseControllerManagerConfig(text, 'config.yaml');
  assert.ok(!result.ok, 'expected errors');
  return result.errors;
}

test("the seed's ConfigMap loads as it is, every key read", async () => {
  const result = await readControllerManagerConfig(seedConfigMap.pathname);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  const config = result.value;
  assert.equal(config.trustDomain, 'example.org');
  assert.equal(config.clusterName, 'management-cluster');
  assert.equal(config.spireServerSocketPath, '/run/spire/sockets/server.sock');
  assert.equal(config.entryIDPrefix, 'eks-');
  assert.equal(config.gcIntervalMs, 600_000);
  assert.deepEqual(
    config.ignoreNamespaces.map((pattern) => pattern.source),
    ['^kube-system$', '^kube-public$', '^kube-node-lease$', '^spire-.*'],
  );
  assert.deepEqual(config.aws, { region: 'us-west-2', accountIds: ['072422391281', '123456789012'], assumeRoleArn: '' });
  assert.equal(config.syncPeriodMs, 30_000);
  assert.deepEqual(config.leaderElection, {
    leaderElect: true,
    resourceName: 'spire-eks-workload-registrar.spire.io',
    resourceNamespace: 'spire-system',
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  });
  assert.deepEqual(config.metrics, { bindAddress: ':8080' });
  assert.deepEqual(config.health, { healthProbeBindAddress: ':8081', readinessEndpointName: 'readyz', livenessEndpointName: 'healthz' });
  assert.deepEqual(config.webhook, { port: 9443, certDir: '/tmp/k8s-webhook-server/serving-certs' });
  assert.equal(config.parentIDTemplate, defaultParentIDTemplate);
});

test('the inner config.yaml of the ConfigMap also loads on its own', async () => {
  const text = await readFile(seedConfigMap, 'utf8');
  const inner = text.split('config.yaml: |\n')[1]?.replace(/^ {4}/gm, '') ?? '';
  const result = parseControllerManagerConfig(inner, 'config.yaml');
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.equal(result.value.entryIDPrefix, 'eks-');
});

test('only trustDomain is required; every other key has its default', () => {
  const result = parseControllerManagerConfig('trustDomain: example.org\n', 'config.yaml');
  assert.ok(result.ok);
  const config = result.value;
  assert.equal(config.clusterName, 'default');
  assert.equal(config.clusterDomain, 'cluster.local');
  assert.equal(config.spireServerSocketPath, '/run/spire/sockets/server.sock');
  assert.equal(config.entryIDPrefix, 'eks-workload-');
  assert.equal(config.parentIDTemplate, defaultParentIDTemplate);
  assert.equal(config.gcIntervalMs, 600_000);
  assert.deepEqual(config.ignoreNamespaces, []);
  assert.deepEqual(config.aws, { region: undefined, accountIds: [], assumeRoleArn: '' });
  assert.equal(config.syncPeriodMs, 36_000_000);
  assert.equal(config.leaderElection.leaderElect, true);
  assert.equal(config.leaderElection.leaseDurationMs, 15_000);
  assert.equal(config.metrics.bindAddress, ':8080');
  assert.equal(config.health.healthProbeBindAddress, ':8081');
  assert.equal(config.webhook.port, 9443);
  assert.deepEqual(errorsOf('clusterName: x\n'), ['config.yaml: trustDomain: required']);
});

test('parentIDTemplate and clusterDomain can be set; a trust domain may be written as a SPIFFE ID', () => {
  const result = parseControllerManagerConfig(`trustDomain: spiffe://example.org\nparentIDTemplate: "${awsIidParentIDTemplate}"\nclusterDomain: corp.local\n`, 'c');
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.equal(result.value.trustDomain, 'example.org');
  assert.equal(result.value.parentIDTemplate, awsIidParentIDTemplate);
  assert.equal(result.value.clusterDomain, 'corp.local');
});

test('unknown keys are errors naming the key, nested ones too', () => {
  assert.deepEqual(errorsOf('trustDomain: example.org\ntrustdomain: x\naws:\n  regoin: us-west-2\nleaderElection:\n  leaseDurationSeconds: 15\n'), [
    'config.yaml: aws.regoin: unknown field',
    'config.yaml: leaderElection.leaseDurationSeconds: unknown field',
    'config.yaml: trustdomain: unknown field',
  ]);
});

test('bad values are errors naming the key, all of them at once', () => {
  const text = [
    'trustDomain: Example.ORG',
    'entryIDPrefix: "eks workload"',
    'gcInterval: 10',
    'syncPeriod: 0s',
    'ignoreNamespaces: ["(unclosed"]',
    'aws:',
    '  accountIds: [123]',
    '  assumeRoleArn: admin',
    'metrics:',
    '  bindAddress: "8080"',
    'webhook:',
    '  port: 70000',
    'parentIDTemplate: "{{ .TrustDomain"',
  ].join('\n');
  const errors = errorsOf(text);
  const keys = errors.map((error) => error.split(': ')[1]);
  assert.deepEqual(keys, [
    'trustDomain',
    'entryIDPrefix',
    'parentIDTemplate',
    'gcInterval',
    'ignoreNamespaces[0]',
    'aws.accountIds[0]',
    'aws.assumeRoleArn',
    'syncPeriod',
    'metrics.bindAddress',
    'webhook.port',
  ]);
  assert.match(errors[3] ?? '', /gcInterval: invalid duration 10 \(Go syntax/);
  assert.match(errors[4] ?? '', /ignoreNamespaces\[0\]: invalid regular expression "\(unclosed"/);
  assert.match(errors[5] ?? '', /must be a 12-digit string: quote it in YAML/);
  assert.match(errors[7] ?? '', /syncPeriod: must be a positive duration/);
});

test('an empty or over-long entry ID prefix is refused: the controller owns what starts with it', () => {
  assert.match(errorsOf('trustDomain: example.org\nentryIDPrefix: ""\n')[0] ?? '', /entryIDPrefix: must not be empty/);
  assert.match(errorsOf(`trustDomain: example.org\nentryIDPrefix: ${'a'.repeat(211)}\n`)[0] ?? '', /entryIDPrefix: must be at most 210 characters/);
});

test("leader election timings are checked as client-go checks them", () => {
  assert.deepEqual(errorsOf('trustDomain: example.org\nleaderElection:\n  leaseDuration: 10s\n  renewDeadline: 10s\n  retryPeriod: 9s\n'), [
    'config.yaml: leaderElection.leaseDuration: must be longer than renewDeadline',
    'config.yaml: leaderElection.renewDeadline: must be longer than 1.2 x retryPeriod',
  ]);
});

test('one document is expected; a missing file is an error naming it', async () => {
  assert.deepEqual(errorsOf('trustDomain: a\n---\ntrustDomain: b\n'), ['config.yaml: expected one ControllerManagerConfig document, found 2']);
  const missing = await readControllerManagerConfig('/nonexistent/config.yaml');
  assert.ok(!missing.ok);
  assert.match(missing.errors[0] ?? '', /^\/nonexistent\/config\.yaml: cannot read the configuration: ENOENT/);
});

test('nodeAliasIDTemplate: the default names each cluster; one that cannot make a SPIFFE ID is refused', () => {
  const result = parseControllerManagerConfig('trustDomain: example.org\n', 'config.yaml');
  assert.ok(result.ok);
  assert.equal(result.value.nodeAliasIDTemplate, 'spiffe://{{ .TrustDomain }}/k8s-cluster/{{ .ClusterName }}/nodes');
  const custom = parseControllerManagerConfig('trustDomain: example.org\nnodeAliasIDTemplate: "spiffe://{{ .TrustDomain }}/agents/{{ .ClusterName }}"\n', 'config.yaml');
  assert.ok(custom.ok);
  assert.deepEqual(errorsOf('trustDomain: example.org\nnodeAliasIDTemplate: "spiffe://other.org/{{ .ClusterName }}"\n'), [
    'config.yaml: nodeAliasIDTemplate: config nodeAliasIDTemplate: rendered "spiffe://other.org/example-cluster" for cluster example-cluster: SPIFFE ID "spiffe://other.org/example-cluster" is not in trust domain "example.org"',
  ]);
  assert.match(errorsOf('trustDomain: example.org\nnodeAliasIDTemplate: "{{ .Nodes }}"\n')[0] ?? '', /^config.yaml: nodeAliasIDTemplate: config nodeAliasIDTemplate: template: config nodeAliasIDTemplate:1:3: executing .* can't evaluate field Nodes/);
});

test('a nodeAliasIDTemplate that does not parse is an error naming the key, not an exception', () => {
  assert.deepEqual(errorsOf('trustDomain: example.org\nnodeAliasIDTemplate: "spiffe://example.org/{{ .ClusterName "\n'), [
    'config.yaml: nodeAliasIDTemplate: invalid template: template: config nodeAliasIDTemplate:1: unclosed action',
  ]);
});

test('podController: off by default; a label or an annotation key, not both', () => {
  const result = parseControllerManagerConfig('trustDomain: example.org\n', 'config.yaml');
  assert.ok(result.ok);
  assert.deepEqual(result.value.podController, { enabled: false, podLabel: '', podAnnotation: '' });
  const label = parseControllerManagerConfig('trustDomain: example.org\npodController: {enabled: true, podLabel: spiffe.io/spiffe-id}\n', 'config.yaml');
  assert.ok(label.ok);
  assert.deepEqual(label.value.podController, { enabled: true, podLabel: 'spiffe.io/spiffe-id', podAnnotation: '' });
  assert.deepEqual(errorsOf('trustDomain: example.org\npodController: {enabled: true, podLabel: a, podAnnotation: b}\n'), ['config.yaml: podController.podAnnotation: set podLabel or podAnnotation, not both']);
  assert.match(errorsOf('trustDomain: example.org\npodController: {podLabel: "not a key!"}\n')[0] ?? '', /^config.yaml: podController.podLabel: invalid key "not a key!"/);
});

test('spiffeIDPolicy: by default /ns/<namespace>/ and cluster DNS names of the own namespace; "" and false turn each off; a template that is no policy is refused', () => {
  const result = parseControllerManagerConfig('trustDomain: example.org\n', 'config.yaml');
  assert.ok(result.ok);
  assert.deepEqual(result.value.spiffeIDPolicy, { namespacedIDPrefixTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .Namespace }}/', clusterDNSNamesInOwnNamespace: true });
  const off = parseControllerManagerConfig('trustDomain: example.org\nspiffeIDPolicy: {namespacedIDPrefixTemplate: "", clusterDNSNamesInOwnNamespace: false}\n', 'config.yaml');
  assert.ok(off.ok, off.ok ? '' : off.errors.join('\n'));
  assert.deepEqual(off.value.spiffeIDPolicy, { namespacedIDPrefixTemplate: '', clusterDNSNamesInOwnNamespace: false });
  const partial = parseControllerManagerConfig('trustDomain: example.org\nspiffeIDPolicy: {clusterDNSNamesInOwnNamespace: false}\n', 'config.yaml');
  assert.ok(partial.ok);
  assert.equal(partial.value.spiffeIDPolicy.namespacedIDPrefixTemplate, 'spiffe://{{ .TrustDomain }}/ns/{{ .Namespace }}/');
  assert.match(errorsOf('trustDomain: example.org\nspiffeIDPolicy: {namespacedIDPrefixTemplate: "spiffe://{{ .TrustDomain }}/shared/"}\n')[0] ?? '', /^config.yaml: spiffeIDPolicy.namespacedIDPrefixTemplate: renders "spiffe:\/\/example.org\/shared" for every namespace: it must use \{\{ \.Namespace \}\}/);
  assert.match(errorsOf('trustDomain: example.org\nspiffeIDPolicy: {namespacedIDPrefixTemplate: "spiffe://{{ .Namespace "}\n')[0] ?? '', /^config.yaml: spiffeIDPolicy.namespacedIDPrefixTemplate: invalid template: /);
  assert.match(errorsOf('trustDomain: example.org\nspiffeIDPolicy: {prefix: x}\n')[0] ?? '', /^config.yaml: spiffeIDPolicy.prefix: unknown field/);
});

test("reconcile: spire-controller-manager's rule, every kind on without the key, only those set to true with it", () => {
  const parse = (text: string) => {
    const result = parseControllerManagerConfig(`trustDomain: example.org\n${text}`, 'config.yaml');
    assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    return result.value.reconcile;
  };
  assert.deepEqual(parse(''), { clusterSPIFFEIDs: true, clusterFederatedTrustDomains: true, clusterStaticEntries: true });
  assert.deepEqual(parse('reconcile: {clusterStaticEntries: true}\n'), { clusterSPIFFEIDs: false, clusterFederatedTrustDomains: false, clusterStaticEntries: true });
  assert.deepEqual(parse('reconcile: {}\n'), { clusterSPIFFEIDs: false, clusterFederatedTrustDomains: false, clusterStaticEntries: false });
  assert.deepEqual(errorsOf('trustDomain: example.org\nreconcile: {clusterSpiffeIds: true, clusterStaticEntries: "yes"}\n'), [
    'config.yaml: reconcile.clusterStaticEntries: expected a boolean, got the string "yes"',
    'config.yaml: reconcile.clusterSpiffeIds: unknown field',
  ]);
});

test("entryIDPrefixCleanup: SCM's prefixes (a '.' added, as SCM writes IDs), one or a list; never one that reaches the registrar's own entries", () => {
  const parse = (text: string) => {
    const result = parseControllerManagerConfig(`trustDomain: example.org\n${text}`, 'config.yaml');
    assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    return result.value.entryIDPrefixCleanup;
  };
  assert.deepEqual(parse(''), []);
  assert.deepEqual(parse('entryIDPrefixCleanup: null\n'), []);
  assert.deepEqual(parse('entryIDPrefixCleanup: cluster-a\n'), ['cluster-a.']);
  assert.deepEqual(parse('entryIDPrefixCleanup: [cluster-a, cluster-b., cluster-a]\n'), ['cluster-a.', 'cluster-b.']);
  // SCM's "": its unprefixed entries, whose IDs have no "." (the registrar's own are excluded where it deletes).
  assert.deepEqual(parse('entryIDPrefixCleanup: ""\n'), ['']);
  assert.deepEqual(errorsOf('trustDomain: example.org\nentryIDPrefix: eks-\nentryIDPrefixCleanup: [old, "eks-"]\n'), [
    'config.yaml: entryIDPrefixCleanup[1]: "eks-" (entries "eks-."...) overlaps entryIDPrefix "eks-": the cleanup would reach the registrar\'s own entries',
  ]);
  assert.deepEqual(errorsOf('trustDomain: example.org\nentryIDPrefix: a.b-\nentryIDPrefixCleanup: a\n'), [
    'config.yaml: entryIDPrefixCleanup: "a" (entries "a."...) overlaps entryIDPrefix "a.b-": the cleanup would reach the registrar\'s own entries',
  ]);
  assert.deepEqual(errorsOf('trustDomain: example.org\nentryIDPrefixCleanup: "a/b"\n'), ['config.yaml: entryIDPrefixCleanup: may contain only letters, digits, ".", "-" and "_"']);
});

test('clusterSPIFFEIDLabelSelector and filterByClassName: the labels the ClusterSPIFFEID informer selects on, the class label winning', () => {
  const parse = (text: string) => {
    const result = parseControllerManagerConfig(`trustDomain: example.org\n${text}`, 'config.yaml');
    assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    return result.value.clusterSPIFFEIDCacheLabels;
  };
  assert.deepEqual(parse(''), {});
  assert.deepEqual(parse('clusterSPIFFEIDLabelSelector: {team: a}\n'), { team: 'a' });
  assert.deepEqual(parse('className: fleet\nfilterByClassName: true\nclusterSPIFFEIDLabelSelector: {team: a, spire.spiffe.io/class-name: other}\n'), { team: 'a', 'spire.spiffe.io/class-name': 'fleet' });
  assert.deepEqual(errorsOf('trustDomain: example.org\nfilterByClassName: true\n'), ['config.yaml: filterByClassName: requires className to be set']);
  assert.deepEqual(errorsOf('trustDomain: example.org\nclassName: "a b"\nfilterByClassName: true\n'), [
    'config.yaml: filterByClassName: className "a b" is not a label value, which the spire.spiffe.io/class-name label needs',
  ]);
  assert.deepEqual(errorsOf('trustDomain: example.org\nclusterSPIFFEIDLabelSelector: {"-x": a}\n'), ['config.yaml: clusterSPIFFEIDLabelSelector.-x: Invalid key in record']);
});

test("spire-controller-manager's keys the registrar does not take are refused with the reason, every one at once, beside the other errors", () => {
  const errors = errorsOf(
    [
      'apiVersion: spire.spiffe.io/v1alpha1',
      'kind: ControllerManagerConfig',
      'trustDomain: example.org',
      'validatingWebhookConfigurationName: spire-controller-manager-webhook',
      'logLevel: debug',
      'staticManifestPath: /manifests',
      'leaderElection: {leaderElect: true, resourceLock: leases}',
      'webhook: {port: 9443, host: 0.0.0.0}',
      'frobnicate: 1',
    ].join('\n'),
  );
  assert.deepEqual(errors, [
    'config.yaml: validatingWebhookConfigurationName: not supported: the registrar does not patch a ValidatingWebhookConfiguration; its chart (webhook.enabled) installs one with its certificate (docs/adr/0019)',
    'config.yaml: logLevel: not supported: set the log level with run -v (0-1 info, 2 and above debug)',
    'config.yaml: staticManifestPath: not supported: the registrar reads its objects from the management cluster; plan, diff and apply read manifest files',
    'config.yaml: leaderElection.resourceLock: not supported: the registrar always locks with a Lease (resourceLock: leases); remove the key',
    'config.yaml: webhook.host: not supported: the webhook listens on every address of the pod; remove the key',
    'config.yaml: apiVersion: expected eksclusterregistry.spire.spiffe.io/v1alpha1, not "spire.spiffe.io/v1alpha1": spire-controller-manager\'s config is read with the registrar\'s meanings, so its keys must be checked first (docs/scm-resources.md#configuration)',
    'config.yaml: frobnicate: unknown field',
  ]);
});

test('sharding: off by default; with it, the Lease name must be a label value and entryIDPrefixCleanup is refused', () => {
  const base = 'trustDomain: example.org\n';
  const off = parseControllerManagerConfig(base, 'config.yaml');
  assert.ok(off.ok);
  assert.deepEqual(off.value.sharding, { enabled: false });
  const on = parseControllerManagerConfig(`${base}sharding: { enabled: true }\n`, 'config.yaml');
  assert.ok(on.ok, on.ok ? '' : on.errors.join('\n'));
  assert.deepEqual(on.value.sharding, { enabled: true });
  const long = `r${'e'.repeat(70)}`;
  assert.match(errorsOf(`${base}sharding: { enabled: true }\nleaderElection: { resourceName: ${long} }\n`).join('\n'), /leaderElection\.resourceName.*label value/);
  // Without sharding the name may be any Lease name.
  assert.ok(parseControllerManagerConfig(`${base}leaderElection: { resourceName: ${long} }\n`, 'config.yaml').ok);
  assert.match(errorsOf(`${base}sharding: { enabled: true }\nentryIDPrefixCleanup: spire-controller-manager\n`).join('\n'), /entryIDPrefixCleanup.*cannot be used with sharding/);
});
