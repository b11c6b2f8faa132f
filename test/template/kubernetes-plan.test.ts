// `plan` over dumps of realistic pods with identities whose templates reach containers, owner references
// and security contexts: each pod's entry has the SPIFFE ID and selectors that Go renders from the same
// templates over the same Pod and Node JSON decoded into corev1 (the "random plan scenarios").
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { clusterSnapshotFromObjects } from '../../src/identity/cluster-snapshot.ts';
import { planEntries } from '../../src/reconcile/plan-entries.ts';
import { sampleConfig, sampleIdentity, sampleRegistry } from '../fixtures/fleet-objects.ts';
import { type GoResult, renderWithGo } from './go-template-tool.ts';
import { objects } from './kubernetes-pods.ts';

const config = sampleConfig();
const registry = sampleRegistry('east');
const spiffeIDTemplate = 'spiffe://{{ .TrustDomain }}/{{ .ClusterName }}/{{ .PodMeta.Namespace }}/{{ (index .PodSpec.Containers 0).Name }}{{ with .PodMeta.OwnerReferences }}/{{ (index . 0).Kind }}{{ end }}';
const selectorTemplate = 'k8s:container-image:{{ (index .PodSpec.Containers 0).Image }}{{ with (index .PodSpec.Containers 0).SecurityContext }}{{ with .RunAsUser }}/uid-{{ . }}{{ end }}{{ end }}';
const identity = sampleIdentity('by-container', { spiffeIDTemplate, workloadSelectorTemplates: [selectorTemplate] });

type Json = Record<string, unknown>;
type KubeObject = Json & { readonly metadata: Json; readonly spec: Json };

// Pods with their own UIDs and names (fast-check may repeat them), each on a node of the dump; every
// other one keeps its generated deletionTimestamp (terminating: no entry).
const samples = fc.sample(objects, { seed: 11, numRuns: 80 }).map(({ pod, node }, i) => {
  const p = pod as KubeObject;
  const n = node as KubeObject;
  const metadata: Json = { ...p.metadata, uid: `pod-${i}`, name: `pod-${i}` };
  if (i % 2 === 0) delete metadata['deletionTimestamp'];
  return {
    pod: { ...p, metadata, spec: { ...p.spec, nodeName: `node-${i}` } },
    node: { ...n, metadata: { ...n.metadata, name: `node-${i}`, uid: `node-uid-${i}` } },
  };
});
const cluster = { trustDomain: config.trustDomain, clusterName: registry.spec.clusterName, clusterDomain: config.clusterDomain };

let go: GoResult[] = [];
before(async () => {
  go = await renderWithGo(
    samples.flatMap((s) =>
      [spiffeIDTemplate, selectorTemplate].map((template) => ({ template, data: { $registrarData: { pod: s.pod, node: s.node, cluster: { ...cluster, applicationName: identity.spec.applicationName } } } })),
    ),
  );
});

it('the entries planned for pods reaching containers carry what Go renders for each pod', () => {
  const { snapshot, errors } = clusterSnapshotFromObjects(samples.flatMap((s) => [s.pod, s.node]));
  assert.deepEqual(errors, []);
  const plan = planEntries({ config, registries: [registry], identities: [identity], snapshots: new Map([['east', snapshot]]) });
  assert.deepEqual(plan.errors, []);
  let compared = 0;
  for (const [i, s] of samples.entries()) {
    const entry = plan.entries.find((e) => e.selectors.some((sel) => sel.type === 'k8s' && sel.value === `pod-uid:${s.pod.metadata.uid}`));
    const eligible = s.pod.metadata.deletionTimestamp === undefined;
    assert.equal(entry !== undefined, eligible, `pod ${i} has an entry exactly when it is not terminating`);
    if (entry === undefined) continue;
    const [spiffeId, selector] = [go[2 * i], go[2 * i + 1]].map((r) => (r !== undefined && 'output' in r ? r.output.toString() : assert.fail(`Go failed: ${JSON.stringify(r)}`)));
    assert.equal(entry.spiffeId, spiffeId);
    assert.ok(entry.selectors.some((sel) => `${sel.type}:${sel.value}` === selector), `${selector} in ${JSON.stringify(entry.selectors)}`);
    compared++;
  }
  assert.ok(compared > 40, `only ${compared} pods compared`);
});
