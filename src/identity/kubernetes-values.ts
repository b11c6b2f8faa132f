// Kubernetes objects as Go templates see them: their JSON (as the API server sends it) read lazily into
// the engine's Go values by the generated type model (kubernetes-types.ts), one field when a template
// looks at it, so that the controller's caches hold only JSON (pruned, see template-reach.ts).
import { GoMap, GoNamed, GoPointer, GoSlice, GoStruct, GoStructType, type GoStringer, goStringMapView, underlying } from '../template/values.ts';
import { Refusal } from '../template/refusal.ts';
import { TemplateError } from '../template/template-error.ts';
import { generatedString } from './generated-string.ts';
import { goTimeString, zeroTimeString } from './go-time.ts';
import { kubernetesStructs, kubernetesTypeMethods } from './kubernetes-types.ts';
import { type KubeScalarKind, type KubeStructDescription, type KubeType, parseKubeType } from './kubernetes-type-model.ts';
import { parseQuantity, quantityString } from './quantity.ts';

/** A struct whose String() is its decoded text (a Quantity, a Time). */
class TextStruct extends GoStruct {
  readonly text: string;
  /** What %v prints of its internal fields (a Quantity); undefined where Go prints an address among them. */
  readonly internals: string | undefined;

  constructor(type: GoStructType, values: readonly unknown[], addressable: boolean, text: string, internals?: string) {
    super(type, values, addressable);
    this.text = text;
    this.internals = internals;
  }
}

const textStringer = (receiver: GoStringer['receiver']): GoStringer => ({ receiver, string: (s) => (s as TextStruct).text });

const stringers: Readonly<Partial<Record<NonNullable<KubeStructDescription['special']>, GoStringer>>> = {
  // resource.Quantity's String() has a pointer receiver; its fields are unexported internals.
  quantity: { ...textStringer('pointer'), nilString: '<nil>', internals: (s) => (s as TextStruct).internals },
  // metav1.Time's String() is time.Time's, promoted, on the value.
  time: textStringer('value'),
  microTime: textStringer('value'),
  goTime: textStringer('value'),
  intOrString: {
    receiver: 'pointer',
    string: (s) => (underlying(s.field('Type')) === 1n ? (s.field('StrVal') as string) : String(underlying(s.field('IntVal')))),
  },
};

/** The String() that k8s.io/api generates for its types: on a nil pointer it gives "nil". */
const generatedStringer: GoStringer = { receiver: 'pointer', nilString: 'nil', string: generatedString };

function stringerOf(description: KubeStructDescription): GoStringer | undefined {
  if (description.special !== undefined) return stringers[description.special];
  return description.methods?.includes('String') ? generatedStringer : undefined;
}

interface StructModel {
  readonly description: KubeStructDescription;
  readonly type: GoStructType;
  readonly fields: readonly { readonly json: string; readonly embedded: boolean; readonly type: KubeType }[];
}

const descriptions = new Map(kubernetesStructs.map((d) => [d.name, d]));
const models = new Map<string, StructModel>();

function structModel(name: string): StructModel {
  let model = models.get(name);
  if (model !== undefined) return model;
  const description = descriptions.get(name);
  if (description === undefined) throw new TypeError(`no Kubernetes struct type ${name} in kubernetes-types.ts`);
  const type = new GoStructType(
    name,
    description.fields.map((f) => f.name),
    {
      methods: description.methods ?? [],
      ...(name === 'v1.ObjectMeta' && { calls: objectMetaCalls(description) }),
      ...(description.unexported && { unexported: description.unexported }),
      ...(description.promoted && { promoted: description.promoted }),
      ...(stringerOf(description) && { stringer: stringerOf(description) }),
    },
  );
  model = { description, type, fields: description.fields.map((f) => ({ json: f.json, embedded: f.embedded === true, type: parseKubeType(f.type) })) };
  models.set(name, model);
  return model;
}

/** The struct type `name` of the generated model (`v1.ObjectMeta`). */
export function kubernetesStructType(name: string): GoStructType {
  return structModel(name).type;
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const noFields: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The value of Go type `type` decoded from `raw`, as encoding/json decodes an object the API server sent
 * (absent or null: the zero value). `addressable`: reached through a pointer or a slice, as Go's
 * addressability decides which String() methods print it.
 */
export function kubernetesValue(type: KubeType, raw: unknown, addressable: boolean): unknown {
  switch (type.kind) {
    case 'scalar':
      return scalarValue(type.name, type.scalar, raw);
    case 'pointer': {
      const elemType = type.elem.kind === 'struct' ? kubernetesStructType(type.elem.name) : undefined;
      return new GoPointer(type.name, raw === undefined || raw === null ? null : kubernetesValue(type.elem, raw, true), elemType);
    }
    case 'slice': {
      const items: readonly unknown[] = Array.isArray(raw) ? raw : [];
      const elem = type.elem;
      return new GoSlice(type.name, items.length, (i) => kubernetesValue(elem, items[i], true));
    }
    case 'map': {
      const record = isRecord(raw) ? raw : noFields;
      if (type.name === 'map[string]string') return goStringMapView(record as Readonly<Record<string, string>>);
      const entries = new Map(Object.entries(record).map(([k, v]) => [k, kubernetesValue(type.elem, v, false)]));
      const calls = type.name === 'v1.ResourceList' ? resourceListCalls(record) : {};
      return new GoMap(type.name, type.key.name, entries, kubernetesValue(type.elem, undefined, false), new Set(kubernetesTypeMethods[type.name] ?? []), calls);
    }
    case 'struct':
      return structValue(structModel(type.name), raw, addressable);
  }
  throw new TypeError(`kubernetes type ${JSON.stringify(type)}`);
}

/** The engine's own string, bool, int and float64 stand for Go's; any other scalar type is a GoNamed. */
const engineScalarNames: Readonly<Record<KubeScalarKind, string>> = { string: 'string', bool: 'bool', int: 'int', float: 'float64' };

function scalarValue(name: string, kind: KubeScalarKind, raw: unknown): unknown {
  let value: string | boolean | bigint | number;
  switch (kind) {
    case 'string':
      value = typeof raw === 'string' ? raw : '';
      break;
    case 'bool':
      value = raw === true;
      break;
    case 'int':
      value = typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw) : 0n;
      break;
    case 'float':
      value = typeof raw === 'number' ? raw : 0;
      break;
  }
  return name === engineScalarNames[kind] ? value : new GoNamed(name, value);
}

const quantityPointer = parseKubeType('*resource.Quantity');

/**
 * v1.ResourceList's methods without arguments (`.Resources.Limits.Cpu`): a pointer to the quantity under
 * their resource name, or to a zero quantity of their default format.
 */
function resourceListCalls(record: Readonly<Record<string, unknown>>): Record<string, () => unknown> {
  const named = (name: string, defaultFormat: string) => () => {
    if (Object.hasOwn(record, name)) return kubernetesValue(quantityPointer, record[name], true);
    const zero = structModel('resource.Quantity');
    const format = kubernetesValue((zero.fields[0] as StructModel['fields'][number]).type, defaultFormat, false);
    return new GoPointer('*resource.Quantity', new TextStruct(zero.type, [format], true, '0', `{{0 0} {<nil>}  ${defaultFormat}}`), zero.type);
  };
  return {
    Cpu: named('cpu', 'DecimalSI'),
    Memory: named('memory', 'BinarySI'),
    Storage: named('storage', 'BinarySI'),
    StorageEphemeral: named('ephemeral-storage', 'BinarySI'),
    Pods: named('pods', 'DecimalSI'),
  };
}

/** metav1.ObjectMeta's getters (GetName returns Name, ...): the methods of the type that only read a field. */
function objectMetaCalls(description: KubeStructDescription): Record<string, (s: GoStruct) => unknown> {
  const calls: Record<string, (s: GoStruct) => unknown> = {};
  for (const method of description.methods ?? []) {
    const field = method.slice(3);
    if (method.startsWith('Get') && description.fields.some((f) => f.name === field)) calls[method] = (s) => s.field(field);
  }
  return calls;
}

function structValue(model: StructModel, raw: unknown, addressable: boolean): GoStruct {
  switch (model.description.special) {
    case 'quantity':
      return quantityValue(model, raw, addressable);
    case 'time':
    case 'microTime':
      return timeValue(model, raw, addressable);
    case 'intOrString':
      return new GoStruct(
        model.type,
        model.fields.map((f, i) => kubernetesValue(f.type, typeof raw === 'string' ? [1, 0, raw][i] : [0, raw, ''][i], addressable)),
        addressable,
      );
    case 'fieldsV1':
      return new GoStruct(
        model.type,
        () => {
          throw new Refusal('managedFields (v1.FieldsV1) hold raw JSON; the registrar does not decode them');
        },
        addressable,
      );
  }
  const object = isRecord(raw) ? raw : noFields;
  const fields = model.fields;
  return new GoStruct(
    model.type,
    (i) => {
      const f = fields[i] as StructModel['fields'][number];
      const fieldRaw = f.json === '' ? (f.embedded ? object : undefined) : object[f.json];
      return kubernetesValue(f.type, fieldRaw, addressable);
    },
    addressable,
  );
}

function quantityValue(model: StructModel, raw: unknown, addressable: boolean): GoStruct {
  const format = (model.fields[0] as StructModel['fields'][number]).type;
  if (raw === undefined || raw === null) return new TextStruct(model.type, [kubernetesValue(format, '', false)], addressable, '0', '{{0 0} {<nil>}  }');
  const q = parseQuantity(String(raw));
  if (q === undefined) throw new TemplateError(`template: quantities must match the regular expression of resource.Quantity: ${JSON.stringify(raw)}`);
  return new TextStruct(model.type, [kubernetesValue(format, q.format, false)], addressable, quantityString(q), q.internals);
}

function timeValue(model: StructModel, raw: unknown, addressable: boolean): GoStruct {
  const text = typeof raw === 'string' ? goTimeString(raw) : zeroTimeString;
  if (text === undefined) throw new TemplateError(`template: a time is not RFC 3339: ${JSON.stringify(raw)}`);
  const goTime = new TextStruct(structModel('time.Time').type, [], addressable, text);
  return new TextStruct(model.type, [goTime], addressable, text);
}

/** A pointer to the struct `typeName` over the JSON object `raw`, as SCM's template data holds &pod.Spec. */
export function kubernetesPointer(typeName: string, raw: unknown): unknown {
  let type = pointerTypes.get(typeName);
  if (type === undefined) pointerTypes.set(typeName, (type = parseKubeType(`*${typeName}`)));
  return kubernetesValue(type, raw, true);
}

// Parsed once: the template data of every pod points at the same few types.
const pointerTypes = new Map<string, KubeType>();
