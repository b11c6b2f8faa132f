import { TemplateError } from './template-error.ts';

// The Go values a template sees, and how JavaScript values stand for them.
//
//   undefined          no value (an invalid reflect.Value: a missing map key, an unset pipeline)
//   null               nil (a nil interface{}, as JSON null decodes)
//   string, boolean    string, bool
//   number             float64 (as Go decodes JSON numbers)
//   bigint             int (must fit in 64 bits)
//   Array              []interface {}
//   plain object       map[string]interface {} (own data properties only; getters are never called)
//   GoStringMap        map[string]string
//   GoStruct           a struct of a named type with a fixed list of fields
//   GoUint8, GoComplex uint8 (a byte of a string, from `index`), complex128 (from constants like 1+2i)
//
// Anything else (functions, class instances, symbols) is an unsupported value: templates can print its
// kind in an error but never look inside it or call it.

/** A Go struct value: a named type whose fields are fixed. */
export class GoStruct {
  readonly typeName: string;
  readonly fieldNames: readonly string[];
  /**
   * Field values by name, in a record without a prototype that holds only data properties (built by
   * goStruct): `fields[name]` is undefined exactly when there is no such field. Structs of one type share
   * one shape, which keeps field access fast.
   */
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(typeName: string, fieldNames: readonly string[], fields: Readonly<Record<string, unknown>>) {
    this.typeName = typeName;
    this.fieldNames = fieldNames;
    this.fields = fields;
  }
}

/** A map[string]string, as Kubernetes' Labels and Annotations are. */
export class GoStringMap {
  readonly entries: ReadonlyMap<string, string>;

  constructor(entries: ReadonlyMap<string, string>) {
    this.entries = entries;
  }
}

/** A uint8 (byte). */
export class GoUint8 {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }
}

/** A complex128. */
export class GoComplex {
  readonly re: number;
  readonly im: number;

  constructor(re: number, im: number) {
    this.re = re;
    this.im = im;
  }
}

/**
 * A value held in an interface{}-typed slot (an element of []interface {} or map[string]interface {})
 * that `range` hands to dot or to a variable. Go reports field access on it against the static type
 * "interface {}", so the engine keeps the distinction there; it never leaves the executor.
 */
export class InterfaceValue {
  readonly value: unknown;

  constructor(value: unknown) {
    this.value = value;
  }
}

/** Kinds, as reflect.Kind classifies the values above. */
export const Kind = {
  Invalid: 0,
  Nil: 1,
  Bool: 2,
  String: 3,
  Float: 4,
  Int: 5,
  Uint8: 6,
  Complex: 7,
  Slice: 8,
  Map: 9,
  StringMap: 10,
  Struct: 11,
  Unsupported: 12,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Whether v is a plain object: a Go map[string]interface {}. */
export function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return Kind.Invalid;
    case 'string':
      return Kind.String;
    case 'number':
      return Kind.Float;
    case 'boolean':
      return Kind.Bool;
    case 'bigint':
      return Kind.Int;
    case 'object':
      if (v === null) return Kind.Nil;
      if (Array.isArray(v)) return Kind.Slice;
      if (v instanceof GoStruct) return Kind.Struct;
      if (v instanceof GoStringMap) return Kind.StringMap;
      if (v instanceof GoUint8) return Kind.Uint8;
      if (v instanceof GoComplex) return Kind.Complex;
      if (isPlainObject(v)) return Kind.Map;
      return Kind.Unsupported;
    default:
      return Kind.Unsupported;
  }
}

/** The Go type of a value, as reflect.Type.String() prints it. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case Kind.Invalid:
      return '<invalid>';
    case Kind.Nil:
      return 'interface {}';
    case Kind.Bool:
      return 'bool';
    case Kind.String:
      return 'string';
    case Kind.Float:
      return 'float64';
    case Kind.Int:
      return 'int';
    case Kind.Uint8:
      return 'uint8';
    case Kind.Complex:
      return 'complex128';
    case Kind.Slice:
      return '[]interface {}';
    case Kind.Map:
      return 'map[string]interface {}';
    case Kind.StringMap:
      return 'map[string]string';
    case Kind.Struct:
      return (v as GoStruct).typeName;
    default:
      return `unsupported JavaScript ${v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v}`;
  }
}

/**
 * Looks up an own data property of a plain object. Inherited properties (`constructor`, `__proto__`,
 * `toString`) are not keys of the map, and an accessor property is reported, never called.
 */
export function mapLookup(m: object, key: string): { found: boolean; value: unknown } {
  const d = Object.getOwnPropertyDescriptor(m, key);
  if (d === undefined || !d.enumerable) return notFound;
  if (!('value' in d)) throw new TemplateError(`template: data property ${JSON.stringify(key)} is an accessor; only data properties are read`);
  return { found: true, value: d.value };
}

const notFound = { found: false, value: undefined };

/** The own enumerable keys of a map value (a plain object or a map[string]string). */
export function mapKeys(m: object): string[] {
  if (m instanceof GoStringMap) return [...m.entries.keys()];
  return Object.keys(m);
}

/** The element under a key that is known to exist. */
export function mapGet(m: object, key: string): unknown {
  if (m instanceof GoStringMap) return m.entries.get(key);
  return mapLookup(m, key).value;
}

/** The length of a map value. */
export function mapSize(m: object): number {
  return m instanceof GoStringMap ? m.entries.size : Object.keys(m).length;
}

function toStringMap(v: unknown): GoStringMap | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !isPlainObject(v)) return undefined;
  const entries = new Map<string, string>();
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
    if (!d.enumerable) continue;
    if (!('value' in d) || typeof d.value !== 'string') return undefined;
    entries.set(k, d.value);
  }
  return new GoStringMap(entries);
}

/**
 * The prototype of struct field records: empty and frozen, with no prototype of its own, so that a
 * record has no inherited properties (not even `__proto__`). Unlike Object.create(null), a record built
 * on it keeps V8's fast properties, and records with the same fields share one shape.
 */
const noInheritedProperties: object = Object.freeze(Object.create(null) as object);

/**
 * A Go struct type with a fixed list of fields: builds its values from the field values alone, without
 * reading any object's properties (the identity engine builds several structs per pod, and scanning a
 * record's property descriptors for each was a fifth of planning time). Structs of one type share its
 * list of field names and the shape of their field records.
 */
export class GoStructType {
  readonly typeName: string;
  readonly fieldNames: readonly string[];

  constructor(typeName: string, fieldNames: readonly string[]) {
    if (new Set(fieldNames).size !== fieldNames.length) throw new TypeError(`goStructType ${typeName}: a field is named twice`);
    this.typeName = typeName;
    this.fieldNames = Object.freeze([...fieldNames]);
  }

  /**
   * A value of this type: `values[i]` is the field `fieldNames[i]`, converted as goStruct converts its
   * fields (a plain object of strings becomes a map[string]string, undefined becomes nil).
   */
  struct(values: readonly unknown[]): unknown {
    const names = this.fieldNames;
    if (values.length !== names.length) throw new TypeError(`goStructType ${this.typeName}: ${names.length} fields, ${values.length} values`);
    const record = Object.create(noInheritedProperties) as Record<string, unknown>;
    for (let index = 0; index < names.length; index++) record[names[index] as string] = fieldValue(values[index]);
    return new GoStruct(this.typeName, names, record);
  }
}

function fieldValue(value: unknown): unknown {
  if (typeof value !== 'object') return value ?? null;
  return toStringMap(value) ?? value ?? null;
}

/**
 * A value that behaves as a Go struct of type `typeName` with the given fields, in the given order: a
 * template that names another field fails ("can't evaluate field X in type T"), and `%v` prints the
 * field values in this order between braces, as Go prints a struct (`{web-7f9c default map[app:web]}`).
 * A field whose value is a plain object of strings becomes a map[string]string, as Kubernetes' Labels
 * and Annotations are; `goStringMap` says so explicitly. For many structs of one type, GoStructType is
 * faster.
 */
export function goStruct(typeName: string, fields: Record<string, unknown>): unknown {
  const names: string[] = [];
  const values: unknown[] = [];
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(fields))) {
    if (!d.enumerable) continue;
    if (!('value' in d)) throw new TypeError(`goStruct ${typeName}: field ${name} is an accessor`);
    names.push(name);
    values.push(d.value);
  }
  return new GoStructType(typeName, names).struct(values);
}

/** A map[string]string value: a missing key yields "" under missingkey=zero and from `index`. */
export function goStringMap(entries: Record<string, string>): unknown {
  const m = toStringMap(entries);
  if (m === undefined) throw new TypeError('goStringMap: every value must be a string');
  return m;
}
