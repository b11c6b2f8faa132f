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
//   GoPointer, GoSlice, GoMap   a pointer, slice or map of a named Kubernetes type (src/identity/kubernetes-values.ts)
//   GoUint8, GoComplex uint8 (a byte of a string, from `index`), complex128 (from constants like 1+2i)
//
// Anything else (functions, class instances, symbols) is an unsupported value: templates can print its
// kind in an error but never look inside it or call it.

/** A Go struct value: a named type whose fields are fixed. */
export class GoStruct {
  readonly type: GoStructType;
  /** Whether Go could take its address (reached through a pointer or a slice): then *T's String() prints it. */
  readonly addressable: boolean;
  #values: readonly unknown[] | undefined;
  readonly #read: ((index: number) => unknown) | undefined;

  /** `values` in the order of the type's field names, or `read`, which yields one field when it is looked at. */
  constructor(type: GoStructType, values: readonly unknown[] | ((index: number) => unknown), addressable = false) {
    this.type = type;
    this.addressable = addressable;
    if (typeof values === 'function') this.#read = values;
    else this.#values = values;
  }

  get typeName(): string {
    return this.type.typeName;
  }

  get fieldNames(): readonly string[] {
    return this.type.fieldNames;
  }

  /** The field values, in the order of the type's field names. */
  get values(): readonly unknown[] {
    if (this.#values !== undefined) return this.#values;
    const read = this.#read as (index: number) => unknown;
    return this.type.fieldNames.map((_, i) => read(i));
  }

  /** The value of the field at `index` of the type's field names. */
  fieldAt(index: number): unknown {
    return this.#values !== undefined ? this.#values[index] : (this.#read as (index: number) => unknown)(index);
  }

  /** The value of the field `name` (promoted from an embedded struct too); undefined exactly when the type has no such field. */
  field(name: string): unknown {
    const index = this.type.fieldIndex(name);
    if (index !== undefined) return this.fieldAt(index);
    const path = this.type.promoted?.[name];
    if (path === undefined || path.length === 0) return undefined;
    let v = this.fieldAt(path[0] as number);
    for (const i of path.slice(1)) v = (v as GoStruct).fieldAt(i);
    return v;
  }
}

/**
 * A scalar of a type other than the engine's defaults for its kind (string, bool, int, float64): a typed
 * int (`int32`) or a named type (`types.UID`, `v1.RestartPolicy`). It behaves as its value, and Go's
 * messages, %T and fmt's bad-verb forms name its type.
 */
export class GoNamed {
  readonly typeName: string;
  readonly value: string | bigint | boolean | number;

  constructor(typeName: string, value: string | bigint | boolean | number) {
    this.typeName = typeName;
    this.value = value;
  }
}

/** The value of a GoNamed; any other value as it is. */
export function underlying(v: unknown): unknown {
  return v instanceof GoNamed ? v.value : v;
}

/** A Go pointer to a value of a named type (`*v1.PodSpec`); `elem` is null for nil. */
export class GoPointer {
  readonly typeName: string;
  readonly elem: unknown;
  /** The struct type pointed to, if it is one: Go's messages depend on whether it has the field. */
  readonly elemType: GoStructType | undefined;

  constructor(typeName: string, elem: unknown, elemType?: GoStructType) {
    this.typeName = typeName;
    this.elem = elem;
    this.elemType = elemType;
  }
}

/** A slice of a named element type (`[]v1.Container`), read one element at a time. */
export class GoSlice {
  readonly typeName: string;
  readonly length: number;
  readonly #at: (index: number) => unknown;

  constructor(typeName: string, length: number, at: (index: number) => unknown) {
    this.typeName = typeName;
    this.length = length;
    this.#at = at;
  }

  at(index: number): unknown {
    return this.#at(index);
  }
}

/** A map of a named type whose values are not all strings (`v1.ResourceList`); its keys are strings underneath. */
export class GoMap {
  readonly typeName: string;
  /** Whether the key type is string itself: only then does `.key` or `index m "key"` look a key up (Go's assignability). */
  readonly keyTypeName: string;
  readonly #entries: ReadonlyMap<string, unknown>;
  /** The zero value of the element type. */
  readonly zero: unknown;
  /** The methods of the map type, which Go would call for `.Name`; the registrar refuses those not in `calls`. */
  readonly methods: ReadonlySet<string>;
  readonly calls: Readonly<Record<string, (receiver: GoMap) => unknown>>;

  constructor(
    typeName: string,
    keyTypeName: string,
    entries: ReadonlyMap<string, unknown>,
    zero: unknown,
    methods: ReadonlySet<string> = new Set(),
    calls: Readonly<Record<string, (receiver: GoMap) => unknown>> = {},
  ) {
    this.typeName = typeName;
    this.keyTypeName = keyTypeName;
    this.#entries = entries;
    this.zero = zero;
    this.methods = methods;
    this.calls = calls;
  }

  get size(): number {
    return this.#entries.size;
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  get(key: string): unknown {
    return this.#entries.get(key);
  }
}

/** How a struct type prints through fmt.Stringer: String() on T (value) or on *T only (pointer). */
export interface GoStringer {
  readonly receiver: 'value' | 'pointer';
  string(s: GoStruct): string;
  /**
   * How %v prints a value whose fields are internals the engine holds no fields for (resource.Quantity),
   * where Go does not call String(); undefined where Go prints a memory address among them. Absent: its
   * fields print as any struct's.
   */
  readonly internals?: (s: GoStruct) => string | undefined;
  /** What String() returns on a nil *T; undefined where it panics (Go's fmt then prints "<nil>"). */
  readonly nilString?: string;
}

/** What a struct type has besides its fields, for the Kubernetes types (src/identity/kubernetes-types.ts). */
export interface GoStructTypeExtras {
  /** Methods of *T: Go calls them for `.Name`; the registrar refuses those not in `calls` (see docs/templates.md). */
  readonly methods?: readonly string[];
  /** The methods without arguments the engine calls, by name: each returns the method's result for a value. */
  readonly calls?: Readonly<Record<string, (receiver: GoStruct) => unknown>>;
  readonly unexported?: readonly string[];
  /** Fields promoted from embedded structs, by index path. */
  readonly promoted?: Readonly<Record<string, readonly number[]>>;
  readonly stringer?: GoStringer;
}

/** A map[string]string, as Kubernetes' Labels and Annotations are. */
export class GoStringMap {
  #entries: ReadonlyMap<string, string> | undefined;
  readonly #record: object | undefined;

  /** `entries`, or `record`: a record of strings, read only when a template looks into it (goStringMapView). */
  constructor(entries: ReadonlyMap<string, string> | undefined, record?: object) {
    this.#entries = entries;
    this.#record = record;
  }

  get entries(): ReadonlyMap<string, string> {
    return (this.#entries ??= recordEntries(this.#record ?? {}));
  }

  /** The value under `key`, or undefined; a view reads that key alone. */
  get(key: string): string | undefined {
    if (this.#entries !== undefined || this.#record === undefined) return this.#entries?.get(key);
    const d = Object.getOwnPropertyDescriptor(this.#record, key);
    return d === undefined || !d.enumerable ? undefined : viewValue(key, d);
  }
}

function viewValue(key: string, d: PropertyDescriptor): string {
  if (!('value' in d) || typeof d.value !== 'string') {
    throw new TemplateError(`template: the map[string]string value under key ${JSON.stringify(key)} is not a string`);
  }
  return d.value;
}

function recordEntries(record: object): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(record))) if (d.enumerable) entries.set(k, viewValue(k, d));
  return entries;
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
  Pointer: 13,
  TypedSlice: 14,
  TypedMap: 15,
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
      if (v instanceof GoNamed) return kindOf(v.value);
      if (Array.isArray(v)) return Kind.Slice;
      if (v instanceof GoStruct) return Kind.Struct;
      if (v instanceof GoStringMap) return Kind.StringMap;
      if (v instanceof GoPointer) return Kind.Pointer;
      if (v instanceof GoSlice) return Kind.TypedSlice;
      if (v instanceof GoMap) return Kind.TypedMap;
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
  if (v instanceof GoNamed) return v.typeName;
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
    case Kind.Pointer:
    case Kind.TypedSlice:
    case Kind.TypedMap:
      return (v as GoPointer | GoSlice | GoMap).typeName;
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
 * The prototype of records keyed by field name: empty and frozen, with no prototype of its own, so that a
 * record has no inherited properties (not even `__proto__`). Unlike Object.create(null), a record built
 * on it keeps V8's fast properties.
 */
const noInheritedProperties: object = Object.freeze(Object.create(null) as object);

/**
 * A Go struct type with a fixed list of fields. Its structs hold their field values in an array and
 * share the type's index of field names: building one reads no object's properties (the identity engine
 * builds several structs per pod, and scanning a record's property descriptors for each was a fifth of
 * planning time) and copies nothing into a record.
 */
export class GoStructType {
  readonly typeName: string;
  readonly fieldNames: readonly string[];
  readonly methods: ReadonlySet<string> | undefined;
  readonly unexported: ReadonlySet<string> | undefined;
  readonly promoted: Readonly<Record<string, readonly number[]>> | undefined;
  readonly stringer: GoStringer | undefined;
  readonly calls: Readonly<Record<string, (receiver: GoStruct) => unknown>> | undefined;
  // Positions by field name, in a record with no inherited properties (faster to read than a Map).
  readonly #indexes: Readonly<Record<string, number>>;

  constructor(typeName: string, fieldNames: readonly string[], extras: GoStructTypeExtras = {}) {
    if (new Set(fieldNames).size !== fieldNames.length) throw new TypeError(`goStructType ${typeName}: a field is named twice`);
    this.typeName = typeName;
    this.fieldNames = Object.freeze([...fieldNames]);
    this.methods = extras.methods === undefined ? undefined : new Set(extras.methods);
    this.unexported = extras.unexported === undefined ? undefined : new Set(extras.unexported);
    this.promoted = extras.promoted === undefined ? undefined : Object.assign(Object.create(noInheritedProperties) as object, extras.promoted);
    this.stringer = extras.stringer;
    this.calls = extras.calls === undefined ? undefined : Object.assign(Object.create(noInheritedProperties) as object, extras.calls);
    const indexes = Object.create(noInheritedProperties) as Record<string, number>;
    for (const [index, name] of fieldNames.entries()) indexes[name] = index;
    this.#indexes = indexes;
  }

  /** The position of the field `name`, or undefined when the type has no such field. */
  fieldIndex(name: string): number | undefined {
    return this.#indexes[name];
  }

  /**
   * A value of this type: `values[i]` is the field `fieldNames[i]`, converted as goStruct converts its
   * fields (a plain object of strings becomes a map[string]string, undefined becomes nil).
   */
  struct(values: readonly unknown[]): unknown {
    if (values.length !== this.fieldNames.length) throw new TypeError(`goStructType ${this.typeName}: ${this.fieldNames.length} fields, ${values.length} values`);
    return new GoStruct(this, values.map(fieldValue));
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

/**
 * A map[string]string over `record`, which must hold only strings and not change: it is read only when a
 * template looks into it, and then only as far as it looks (a pod's annotations, which few templates
 * read, need not be copied for every pod). A value that is not a string fails that template.
 */
export function goStringMapView(record: Readonly<Record<string, string>>): unknown {
  return new GoStringMap(undefined, record);
}
