// The bad-input corpus (test/fixtures/bad-input/, issue 14): every file is one bad input with the refusal
// it must get, in `# expect: TEXT` lines (each a substring of the refusal). A test per file; see the
// corpus README for the folders and what each proves. BAD_INPUT_PRINT=1 prints each refusal in full.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../../src/api/manifests.ts';
import { parseResources } from '../../src/api/resources.ts';
import { spiffeIdPolicy } from '../../src/api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { parseControllerManagerConfig } from '../../src/config/load-config.ts';
import { clusterSnapshotFromObjects } from '../../src/identity/cluster-snapshot.ts';
import { kubeconfigCredentials } from '../../src/kube/kubeconfig.ts';
import { planEntries } from '../../src/reconcile/plan-entries.ts';

const corpus = fileURLToPath(new URL('../fixtures/bad-input/', import.meta.url));
const print = process.env.BAD_INPUT_PRINT === '1';

/** `# NAME: value` header lines of a corpus file. */
function header(text: string, name: string): string[] {
  const prefix = `# ${name}: `;
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length).trim());
}

function files(folder: string): string[] {
  return readdirSync(join(corpus, folder))
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort();
}

function expectRefusal(file: string, text: string, refusal: string): void {
  if (print) process.stdout.write(`# ${file}:\n${refusal.replace(/^/gm, '#   ')}\n`);
  const expected = header(text, 'expect');
  assert.ok(expected.length > 0, `${file} has no "# expect:" line`);
  for (const part of expected) assert.ok(refusal.includes(part), `${file}: the refusal does not say ${JSON.stringify(part)}; it says:\n${refusal}`);
}

const config = (() => {
  const parsed = parseControllerManagerConfig('trustDomain: example.org\nentryIDPrefix: eks-bad-input-\n', 'config.yaml');
  assert.ok(parsed.ok);
  return parsed.value;
})();

const registryYaml = `apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1
kind: EKSClusterRegistry
metadata: { name: prod }
spec: { clusterName: prod-eks, region: us-west-2, accountId: "123456789012", enabled: true }
`;

/** A sound identity beside the bad one: its entries must all still be planned. */
const soundIdentityYaml = `apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1
kind: WorkloadIdentity
metadata: { name: sound, creationTimestamp: "2020-01-01T00:00:00Z" }
spec:
  applicationName: sound
  namespace: shop
  spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/sound/{{ .PodMeta.Name }}"
  podSelector: { matchLabels: { app: web } }
  workloadSelectorTemplates: ["k8s:ns:{{ .PodMeta.Namespace }}", "k8s:pod-name:{{ .PodMeta.Name }}"]
`;

/** The cluster `prod`: namespace shop, two nodes, three web pods. */
function shopObjects(): Record<string, unknown>[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'ns-shop' } },
    ...[1, 2].map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${n}`, uid: `node-uid-${n}` }, spec: { providerID: `aws:///us-west-2a/i-000${n}` } })),
    ...[0, 1, 2].map((i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${i}`, namespace: 'shop', uid: `pod-uid-${i}`, labels: { app: 'web', tier: 'front', zone: 'a' } },
      spec: { nodeName: `node-${(i % 2) + 1}`, serviceAccountName: 'web', containers: [{ name: 'app', image: 'web:1' }] },
      status: { phase: 'Running' },
    })),
  ];
}

function resourcesOf(yaml: string, source: string): ReturnType<typeof parseResources> {
  const manifests = parseManifests(yaml, source);
  assert.deepEqual(manifests.errors, []);
  return parseResources(
    manifests.objects.map((object) => ({ object, source })),
    { trustDomain: 'example.org', spiffeIdPolicy: spiffeIdPolicy(config) },
  );
}

for (const name of files('resources')) {
  test(`bad input: resources/${name} is refused, naming the object and field`, () => {
    const file = `resources/${name}`;
    const text = readFileSync(join(corpus, file), 'utf8');
    const result = resourcesOf(text, file);
    assert.equal(result.ok, false, `${file} was accepted`);
    if (!result.ok) expectRefusal(file, text, result.errors.join('\n'));
  });
}

for (const name of files('configs')) {
  test(`bad input: configs/${name} is refused, naming the key`, () => {
    const file = `configs/${name}`;
    const text = readFileSync(join(corpus, file), 'utf8');
    const result = parseControllerManagerConfig(text, file);
    assert.equal(result.ok, false, `${file} was accepted`);
    if (!result.ok) expectRefusal(file, text, result.errors.join('\n'));
  });
}

for (const name of files('templates')) {
  test(`bad input: templates/${name} fails alone, naming identity, field, cluster and pod; the sound identity's entries stay planned`, () => {
    const file = `templates/${name}`;
    const text = readFileSync(join(corpus, file), 'utf8');
    const resources = resourcesOf(`${registryYaml}---\n${soundIdentityYaml}---\n${text}`, file);
    if (!resources.ok) {
      // Refused when the object is validated: the webhook and the controller refuse it the same way.
      expectRefusal(file, text, resources.errors.join('\n'));
      return;
    }
    const { snapshot, errors } = clusterSnapshotFromObjects(shopObjects());
    assert.deepEqual(errors, []);
    const started = performance.now();
    const plan = planEntries({ config, ...resources.value, snapshots: new Map([['prod', snapshot]]) });
    const seconds = (performance.now() - started) / 1000;
    // The engine's bounds stop each render; 3 pods x the iteration bound take seconds on a loaded 2-core machine.
    assert.ok(seconds < 30, `${file}: planning 3 pods took ${seconds.toFixed(1)} s`);
    const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
    assert.ok(heapMiB < 512, `${file}: heap ${heapMiB.toFixed(0)} MiB after planning`);
    expectRefusal(file, text, plan.errors.map((error) => error.message).join('\n'));
    const sound = plan.entries.filter((entry) => entry.identities.includes('sound'));
    assert.equal(sound.length, 3, `${file}: the sound identity's entries`);
    // The pods it failed for keep whatever entries they have: a broken template takes no identity away.
    assert.deepEqual(plan.keepPodUids, ['pod-uid-0', 'pod-uid-1', 'pod-uid-2']);
  });
}

for (const name of files('workload-objects')) {
  test(`bad input: workload-objects/${name}: odd objects of a workload cluster are read or refused, never fatal`, () => {
    const file = `workload-objects/${name}`;
    const text = readFileSync(join(corpus, file), 'utf8');
    const manifests = parseManifests(text, file);
    assert.deepEqual(manifests.errors, []);
    const objects = manifests.objects.map((object) => structuredClone(object) as Record<string, unknown>);
    // A pod with thousands of labels is made here rather than stored: `# labels: N` adds N labels to each pod.
    const [labelCount] = header(text, 'labels').map(Number);
    if (labelCount !== undefined) {
      for (const object of objects) {
        if (object.kind !== 'Pod') continue;
        const metadata = object.metadata as { labels: Record<string, string> };
        for (let i = 0; i < labelCount; i++) metadata.labels[`example.com/label-${i}`] = `value-${i}`;
      }
    }
    const resources = resourcesOf(`${registryYaml}---\n${soundIdentityYaml}`, file);
    assert.ok(resources.ok);
    const { snapshot, errors } = clusterSnapshotFromObjects([...shopObjects(), ...objects]);
    const plan = planEntries({ config, ...resources.value, snapshots: new Map([['prod', snapshot]]) });
    const problems = [...errors.map((error) => `cluster prod: ${error}`), ...plan.errors.map((error) => error.message)].join('\n');
    if (print) process.stdout.write(`# ${file}: ${plan.entries.length} entries\n${problems.replace(/^/gm, '#   ')}\n`);
    for (const part of header(text, 'expect')) assert.ok(problems.includes(part), `${file}: no problem says ${JSON.stringify(part)}; they say:\n${problems}`);
    if (header(text, 'expect').length === 0) assert.equal(problems, '', `${file}: unexpected problems`);
    const [entries] = header(text, 'expect-entries').map(Number);
    assert.ok(entries !== undefined, `${file} has no "# expect-entries:" line`);
    assert.equal(plan.entries.length, entries, `${file}: entries planned`);
  });
}

for (const name of files('kubeconfigs')) {
  test(`bad input: kubeconfigs/${name} is refused when credentials are read, naming the file and what to do`, { timeout: 60_000 }, async () => {
    const file = `kubeconfigs/${name}`;
    const path = join(corpus, file);
    const text = readFileSync(path, 'utf8');
    // Some problems are found when the file is read, others when a credential is asked for: either is a refusal.
    const refusal = await Promise.resolve().then(async () => kubeconfigCredentials(path)()).then(
      () => assert.fail(`${file}: credentials were read`),
      (error: unknown) => (error as Error).message,
    );
    expectRefusal(file, text, refusal.replaceAll(corpus, ''));
  });
}

test('the missing kubeconfig file is refused, naming the path', async () => {
  const path = join(corpus, 'kubeconfigs', 'no-such-file.yaml');
  const refusal = await Promise.resolve().then(async () => kubeconfigCredentials(path)()).then(
    () => assert.fail('credentials were read'),
    (error: unknown) => (error as Error).message,
  );
  assert.match(refusal, /no-such-file\.yaml/);
  assert.match(refusal, /ENOENT|no such file|cannot read/i);
});
