import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate } from '../template/compile.ts';
import { nodeFromKubernetes, podFromKubernetes } from './cluster-objects.ts';
import { podViewReach } from './template-object.ts';
import { type Reach, pruneObject, reachWithin, templateReach } from './template-reach.ts';

function reach(...templates: string[]) {
  return templateReach(templates.map((t, i) => compileTemplate(`t${i}`, t)));
}

/** A reach as nested plain objects: true where kept whole, '[]' for the elements. */
function shape(r: Reach): unknown {
  if (r.all) return true;
  const out: Record<string, unknown> = {};
  for (const [k, v] of r.keys) out[k] = shape(v);
  if (r.elements !== undefined) out['[]'] = shape(r.elements);
  return out;
}

// The templates of the seed's examples and spire-controller-manager's defaults.
const seedTemplates = [
  'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
  'spiffe://{{ .TrustDomain }}/{{ .ClusterName }}/{{ .Namespace }}/{{ .ServiceAccount }}',
  'k8s:pod-label:app:{{ index .PodMeta.Labels "app" }}',
  '{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}',
  'spiffe://{{ .TrustDomain }}/node/{{ .NodeMeta.Name }}/{{ .InstanceID }}',
];

const pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u1', labels: { app: 'web' }, resourceVersion: '9', managedFields: [{ manager: 'kubelet' }] },
  spec: {
    serviceAccountName: 'web-sa',
    containers: [
      { name: 'app', image: 'web:1', env: [{ name: 'A', value: 'x' }], resources: { limits: { cpu: '1' } } },
      { name: 'envoy', image: 'envoy:1', args: ['--x'] },
    ],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready' }] },
};

test("the seed's templates reach nothing beyond the view the informers keep today, so pods keep no JSON", () => {
  const r = reach(...seedTemplates);
  assert.ok(reachWithin(r.pod, podViewReach));
  assert.deepEqual(shape(r.pod), { metadata: { namespace: true, labels: true, name: true }, spec: { serviceAccountName: true } });
  assert.deepEqual(shape(r.node), { metadata: { name: true }, spec: { providerID: true } });
  assert.equal(podFromKubernetes(pod, r.pod).templateObject, undefined);
  assert.equal(nodeFromKubernetes({ metadata: { name: 'n', uid: 'n1' } }, r.node).templateObject, undefined);
});

test('range over containers keeps the fields read of each container, and the length of the list', () => {
  const r = reach('{{ range .PodSpec.Containers }}{{ .Name }}={{ .Image }};{{ end }}');
  assert.deepEqual(shape(r.pod), { spec: { containers: { '[]': { name: true, image: true } } } });
  const kept = podFromKubernetes(pod, r.pod).templateObject;
  assert.deepEqual(kept?.spec, { serviceAccountName: 'web-sa', containers: [{ name: 'app', image: 'web:1' }, { name: 'envoy', image: 'envoy:1' }] });
  assert.deepEqual(Object.keys(kept ?? {}), ['metadata', 'spec']);
  assert.equal((kept?.metadata as Record<string, unknown>).managedFields, undefined);
});

test('index, with, variables, else branches, pipelines and {{template}} calls are followed', () => {
  assert.deepEqual(shape(reach('{{ (index .PodSpec.Containers 0).Image }}').pod), { spec: { containers: { '[]': { image: true } } } });
  assert.deepEqual(shape(reach('{{ with index .PodSpec.Containers 1 }}{{ .Args }}{{ else }}{{ .PodMeta.UID }}{{ end }}').pod), {
    spec: { containers: { '[]': { args: true } } },
    metadata: { uid: true },
  });
  assert.deepEqual(shape(reach('{{ $c := .PodSpec.Containers }}{{ range $i, $e := $c }}{{ $e.Name }}{{ end }}').pod), { spec: { containers: { '[]': { name: true } } } });
  assert.deepEqual(shape(reach('{{ .PodSpec.Volumes | len }}').pod), { spec: { volumes: {} } });
  assert.deepEqual(shape(reach('{{ define "c" }}{{ .Name }}{{ end }}{{ range .PodSpec.Containers }}{{ template "c" . }}{{ end }}').pod), { spec: { containers: { '[]': { name: true } } } });
  assert.deepEqual(shape(reach('{{ (index .PodMeta.GetOwnerReferences 0).Kind }}').pod), { metadata: { ownerReferences: { '[]': { kind: true } } } });
  // An embedded struct's fields sit in its parent's JSON object.
  assert.deepEqual(shape(reach('{{ range .PodSpec.EphemeralContainers }}{{ .Image }}{{ .EphemeralContainerCommon.Name }}{{ end }}').pod), {
    spec: { ephemeralContainers: { '[]': { image: true, name: true } } },
  });
});

test('a value printed, compared or handed to a function is kept whole; a map is kept whole', () => {
  assert.deepEqual(shape(reach('{{ (index .PodSpec.Containers 0).Resources.Limits.cpu }}').pod), { spec: { containers: { '[]': { resources: { limits: true } } } } });
  assert.deepEqual(shape(reach('{{ printf "%v" (index .PodSpec.Containers 0).Env }}').pod), { spec: { containers: { '[]': { env: true } } } });
  assert.deepEqual(shape(reach('{{ if eq .PodSpec.RestartPolicy "Always" }}x{{ end }}').pod), { spec: { restartPolicy: true } });
  assert.deepEqual(shape(reach('{{ .PodSpec }}').pod), { spec: true });
  assert.equal(reach('{{ . }}').pod.all, true);
  assert.equal(reach('{{ printf "%v" $ }}').node.all, true);
});

test('truth keeps a pointer by its presence and a scalar whole', () => {
  assert.deepEqual(shape(reach('{{ if .PodSpec.SecurityContext }}s{{ end }}{{ if .PodSpec.HostNetwork }}h{{ end }}').pod), {
    spec: { securityContext: {}, hostNetwork: true },
  });
});

test('pruneObject keeps what the reach says and shares the rest', () => {
  const r = reach('{{ range .PodSpec.Containers }}{{ .Resources }}{{ end }}').pod;
  const pruned = pruneObject(pod, r) as typeof pod;
  assert.deepEqual(pruned, { spec: { containers: [{ resources: { limits: { cpu: '1' } } }, {}] } });
  assert.equal(pruned.spec.containers[0]?.resources, pod.spec.containers[0]?.resources);
});
