// Random templates over the registrar's template data that walk the generated type model: field chains
// to any depth, index into slices and maps, range, with, if, len, comparisons and printf, with some
// fields that do not exist and indexes out of range, so that Go's errors are drawn as well as output.
import { kubernetesStructs } from '../../src/identity/kubernetes-types.ts';
import { type KubeType, parseKubeType } from '../../src/identity/kubernetes-type-model.ts';
import type { Random } from './random-template.ts';

const structs = new Map(kubernetesStructs.map((d) => [d.name, d]));
const roots: readonly [string, KubeType][] = [
  ['.PodMeta', parseKubeType('*v1.ObjectMeta')],
  ['.PodSpec', parseKubeType('*v1.PodSpec')],
  ['.NodeMeta', parseKubeType('*v1.ObjectMeta')],
  ['.NodeSpec', parseKubeType('*v1.NodeSpec')],
];
/** Fields realistic pods fill (kubernetes-pods.ts): drawn more often than the rest. */
const filled = new Set(['Containers', 'InitContainers', 'EphemeralContainers', 'OwnerReferences', 'Tolerations', 'Resources', 'Limits', 'Requests', 'SecurityContext', 'Capabilities', 'LivenessProbe', 'ReadinessProbe', 'HTTPGet', 'TCPSocket', 'Port', 'Ports', 'Env', 'Volumes', 'EmptyDir', 'SizeLimit', 'ConfigMap', 'Labels', 'Annotations', 'Taints', 'Name', 'Image', 'Kind', 'UID', 'CreationTimestamp', 'DeletionTimestamp', 'Priority', 'RunAsUser', 'Command', 'ContainerPort', 'NodeSelector', 'ProviderID', 'PodCIDR']);
const mapKeys = ['app', 'cpu', 'memory', 'team', 'owner', 'kubernetes.io/os'];

function deref(t: KubeType): KubeType {
  return t.kind === 'pointer' ? t.elem : t;
}

/** An expression reaching into `type` from `expr`, and the type it has. */
function walk(r: Random, expr: string, type: KubeType, steps: number): [string, KubeType] {
  const t = deref(type);
  if (steps === 0) return [expr, type];
  if (t.kind === 'struct') {
    const d = structs.get(t.name);
    if (d === undefined || d.fields.length === 0 || d.special === 'quantity' || d.special === 'goTime') return [expr, type];
    if (r.chance(0.04)) return [`${expr}.Nope`, type];
    const preferred = d.fields.filter((f) => filled.has(f.name));
    const f = r.pick(preferred.length > 0 && r.chance(0.8) ? preferred : d.fields);
    return walk(r, `${expr}.${f.name}`, parseKubeType(f.type), steps - 1);
  }
  if (t.kind === 'slice') return walk(r, `(index ${expr} ${r.int(3)})`, t.elem, steps - 1);
  if (t.kind === 'map') return walk(r, r.chance(0.5) ? `(index ${expr} ${JSON.stringify(r.pick(mapKeys))})` : `${expr}.${r.pick(mapKeys).replace(/\W/g, '')}`, t.elem, steps - 1);
  return [expr, type];
}

function path(r: Random): [string, KubeType] {
  const [root, type] = r.pick(roots);
  return walk(r, root, type, 1 + r.int(5));
}

/** A random template over the Kubernetes types. */
export function kubernetesTemplate(r: Random): string {
  const [expr, type] = path(r);
  const t = deref(type);
  switch (r.int(9)) {
    case 0:
      return `{{ with ${expr} }}[{{ . }}]{{ else }}none{{ end }}`;
    case 1: {
      if (t.kind !== 'slice' && t.kind !== 'map') return `{{ ${expr} }}`;
      const [inner] = walk(r, '$e', t.elem, 1 + r.int(2));
      return `{{ range $i, $e := ${expr} }}{{ $i }}={{ ${inner} }};{{ else }}empty{{ end }}`;
    }
    case 2:
      return `{{ len ${expr} }}`;
    case 3:
      return `{{ if ${expr} }}yes{{ else }}no{{ end }}`;
    case 4:
      return `{{ printf "${r.pick(['%v', '%s', '%d', '%q', '%T', '%t', '%x'])}" ${expr} }}`;
    case 5:
      return `{{ eq ${expr} ${r.pick(['"app"', '0', 'true', '"ReplicaSet"'])} }}`;
    case 6:
      return `{{ ${expr} | print }}`;
    default:
      return `{{ ${expr} }}/{{ ${path(r)[0]} }}`;
  }
}
