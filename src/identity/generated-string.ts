// The String() method that k8s.io/api and k8s.io/apimachinery generate (gogo protobuf's stringer) for
// their struct types: `&Container{Name:app,Image:web:1,...,}`, fields in protobuf order. Go's fmt calls it
// for a pointer to such a struct and for an addressable one that an action prints.
import { sprintf } from '../template/fmt.ts';
import { Refusal } from '../template/refusal.ts';
import { compareStrings } from '../template/go-string.ts';
import { type GoMap, type GoPointer, type GoSlice, GoStringMap, type GoStruct } from '../template/values.ts';
import { kubernetesStructs } from './kubernetes-types.ts';
import { type KubeStructDescription, type KubeType, parseKubeType } from './kubernetes-type-model.ts';

const descriptions = new Map(kubernetesStructs.map((d) => [d.name, d]));

interface StringField {
  readonly index: number;
  readonly name: string;
  readonly type: KubeType;
}

const orders = new Map<string, readonly StringField[]>();

function fieldsInProtoOrder(d: KubeStructDescription): readonly StringField[] {
  let order = orders.get(d.name);
  if (order === undefined) {
    order = d.fields
      .map((f, index) => ({ index, name: f.name, type: parseKubeType(f.type), proto: f.proto ?? 0 }))
      .sort((a, b) => a.proto - b.proto)
      .map(({ index, name, type }) => ({ index, name, type }));
    orders.set(d.name, order);
  }
  return order;
}

function shortName(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}

/** A struct of the model that has the generated String() (not a hand-modelled one such as Time). */
function generated(typeName: string): KubeStructDescription | undefined {
  const d = descriptions.get(typeName);
  return d !== undefined && d.special === undefined ? d : undefined;
}

/** `&T{Field:value,...,}`: what the generated String() of `s` returns. */
export function generatedString(s: GoStruct): string {
  const d = generated(s.typeName);
  if (d === undefined) throw new TypeError(`${s.typeName} has no generated String()`);
  let out = `&${shortName(d.name)}{`;
  for (const f of fieldsInProtoOrder(d)) out += `${f.name}:${fieldString(d, f.type, s.fieldAt(f.index))},`;
  return out + '}';
}

/** A struct by value, as its String() with the leading & taken off (`strings.Replace(s, "&", "", 1)`). */
function valueString(s: GoStruct): string {
  return generatedString(s).slice(1);
}

/** fmt's %v, renamed as the generated code renames a type of another package (`v1.LabelSelector`). */
function foreignString(value: unknown, typeName: string): string {
  return sprintf('%v', value).replace(shortName(typeName), typeName);
}

function fieldString(owner: KubeStructDescription, type: KubeType, value: unknown): string {
  switch (type.kind) {
    case 'scalar':
      return sprintf('%v', value);
    case 'pointer': {
      const p = value as GoPointer;
      const elem = type.elem;
      if (elem.kind !== 'struct') return p.elem === null ? 'nil' : `*${sprintf('%v', p.elem)}`;
      const d = generated(elem.name);
      if (d !== undefined && d.package === owner.package) return p.elem === null ? 'nil' : generatedString(p.elem as GoStruct);
      return foreignString(p, elem.name);
    }
    case 'struct': {
      const d = generated(type.name);
      if (d !== undefined && d.package === owner.package) return valueString(value as GoStruct);
      return foreignString(value, type.name);
    }
    case 'slice': {
      const elem = type.elem;
      if (elem.kind !== 'struct') return sprintf('%v', value);
      const d = generated(elem.name);
      if (d === undefined || d.package !== owner.package) throw new Refusal(`Go prints a ${type.name} of another package in its own way here; the registrar does not`);
      const a = value as GoSlice;
      let out = `[]${shortName(elem.name)}{`;
      for (let i = 0; i < a.length; i++) out += `${valueString(a.at(i) as GoStruct)},`;
      return out + '}';
    }
    case 'map': {
      let out = `${type.name.startsWith('map[') ? type.name : shortName(type.name)}{`;
      if (value instanceof GoStringMap) {
        for (const k of [...value.entries.keys()].sort(compareStrings)) out += sprintf('%v: %v,', k, value.entries.get(k));
      } else {
        const m = value as GoMap;
        for (const k of m.keys().sort(compareStrings)) out += sprintf('%v: %v,', k, m.get(k));
      }
      return out + '}';
    }
  }
}
