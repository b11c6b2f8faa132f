// The builtin functions of text/template (funcs.go). Arguments arrive as reflect.Values would: undefined
// is the invalid Value, null a nil interface, InterfaceValue an interface holding a value.
import type { CharacterBudget } from './character-budget.ts';
import { htmlEscape, jsEscape, urlQueryEscape } from './escapers.ts';
import { sprint, sprintf, sprintfWithin, sprintln } from './fmt.ts';
import { Refusal } from './refusal.ts';
import { byteAt, byteLength, compareStrings, sliceBytes } from './go-string.ts';
import {
  type GoComplex,
  type GoMap,
  GoNamed,
  GoPointer,
  GoSlice,
  GoStringMap,
  GoStruct,
  GoUint8,
  InterfaceValue,
  Kind,
  kindOf,
  mapLookup,
  mapSize,
  typeName,
  underlying,
} from './values.ts';

/** An error a builtin returns; the executor reports it as "error calling NAME: MESSAGE". */
export class BuiltinError extends Error {}

/** Parameter types: reflect.Value, interface{} (any) and string. */
export type ParamType = 'value' | 'any' | 'string';

export interface Builtin {
  /** Fixed parameter types; with `variadic`, the last is the element type of the ... parameter. */
  readonly params: readonly ParamType[];
  readonly variadic: boolean;
  /** The builtin; a string it makes counts against the execution's `budget`. */
  readonly fn: (args: unknown[], budget: CharacterBudget) => unknown;
}

/** indirectInterface: the concrete value inside an interface; nil becomes the invalid value. */
export function indirectInterface(v: unknown): unknown {
  if (v instanceof InterfaceValue) return v.value;
  return v === null ? undefined : v;
}

/** isTrue: whether a value is non-zero, and whether it has a truth value at all. */
export function isTrue(v: unknown): [boolean, boolean] {
  v = underlying(v);
  switch (kindOf(v)) {
    case Kind.Invalid:
      return [false, true];
    case Kind.Nil:
      return [false, true];
    case Kind.Bool:
      return [v as boolean, true];
    case Kind.String:
      return [(v as string).length > 0, true];
    case Kind.Float:
      return [(v as number) !== 0, true];
    case Kind.Int:
      return [(v as bigint) !== 0n, true];
    case Kind.Uint8:
      return [(v as GoUint8).value !== 0, true];
    case Kind.Complex:
      return [(v as GoComplex).re !== 0 || (v as GoComplex).im !== 0, true];
    case Kind.Slice:
      return [(v as unknown[]).length > 0, true];
    case Kind.Map:
    case Kind.StringMap:
      return [mapSize(v as object) > 0, true];
    case Kind.Struct:
      return [true, true];
    case Kind.Pointer:
      return [(v as GoPointer).elem !== null, true];
    case Kind.TypedSlice:
      return [(v as GoSlice).length > 0, true];
    case Kind.TypedMap:
      return [(v as GoMap).size > 0, true];
    default:
      return [false, false];
  }
}

export function truth(v: unknown): boolean {
  return isTrue(indirectInterface(v))[0];
}

function indexArg(index: unknown, cap: number): number {
  let x: bigint;
  if (index instanceof GoNamed && typeof index.value === 'bigint') x = index.value;
  else if (typeof index === 'bigint') x = index;
  else if (index instanceof GoUint8) x = BigInt(index.value);
  else if (index === undefined) throw new BuiltinError('cannot index slice/array with nil');
  else throw new BuiltinError(`cannot index slice/array with type ${index instanceof InterfaceValue || index === null ? 'interface {}' : typeName(index)}`);
  if (x < 0n || x > BigInt(cap)) throw new BuiltinError(sprintf('index out of range: %d', x));
  return Number(x);
}

function index(args: unknown[]): unknown {
  let item = indirectInterface(args[0]);
  if (item === undefined) throw new BuiltinError('index of untyped nil');
  for (const raw of args.slice(1)) {
    const idx = indirectInterface(raw);
    if (item instanceof InterfaceValue) item = item.value;
    if (item === null) throw new BuiltinError('index of nil pointer');
    switch (kindOf(item)) {
      case Kind.Slice: {
        const a = item as unknown[];
        const x = indexArg(idx, a.length);
        if (x >= a.length) throw new BuiltinError('reflect: slice index out of range');
        item = a[x] ?? null;
        break;
      }
      case Kind.TypedSlice: {
        const a = item as GoSlice;
        const x = indexArg(idx, a.length);
        if (x >= a.length) throw new BuiltinError('reflect: slice index out of range');
        item = a.at(x);
        break;
      }
      case Kind.TypedMap: {
        const m = item as GoMap;
        if (idx === undefined) throw new BuiltinError(`value is nil; should be of type ${m.keyTypeName}`);
        // Go's prepareArg: a key must be of the map's key type (a string is not a v1.ResourceName).
        if (typeName(idx) !== m.keyTypeName || kindOf(idx) !== Kind.String) throw new BuiltinError(`value has type ${typeName(idx)}; should be ${m.keyTypeName}`);
        const found = m.get(underlying(idx) as string);
        item = found === undefined ? m.zero : found;
        break;
      }
      case Kind.String: {
        const s = underlying(item) as string;
        const x = indexArg(idx, byteLength(s));
        if (x >= byteLength(s)) throw new BuiltinError('reflect: string index out of range');
        item = new GoUint8(byteAt(s, x));
        break;
      }
      case Kind.Map:
      case Kind.StringMap: {
        const m = item as object;
        if (idx === undefined) throw new BuiltinError('value is nil; should be of type string');
        if (typeof idx !== 'string') throw new BuiltinError(`value has type ${typeName(idx)}; should be string`);
        if (m instanceof GoStringMap) {
          item = m.get(idx) ?? '';
        } else {
          const found = mapLookup(m, idx);
          item = found.found ? found.value : null;
        }
        break;
      }
      default:
        throw new BuiltinError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(args: unknown[]): unknown {
  const item = indirectInterface(args[0]);
  const indexes = args.slice(1);
  if (item === undefined) throw new BuiltinError('slice of untyped nil');
  if (indexes.length > 3) throw new BuiltinError(sprintf('too many slice indexes: %d', BigInt(indexes.length)));
  let cap: number;
  const kind = kindOf(item);
  if (kind === Kind.String) {
    if (indexes.length === 3) throw new BuiltinError('cannot 3-index slice a string');
    cap = byteLength(underlying(item) as string);
  } else if (kind === Kind.Slice) {
    cap = (item as unknown[]).length;
  } else if (kind === Kind.TypedSlice) {
    cap = (item as GoSlice).length;
  } else {
    throw new BuiltinError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, cap, 0];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, cap);
  });
  const [i0 = 0, i1 = 0, i2 = 0] = idx;
  if (i0 > i1) throw new BuiltinError(sprintf('invalid slice index: %d > %d', BigInt(i0), BigInt(i1)));
  if (indexes.length === 3 && i1 > i2) throw new BuiltinError(sprintf('invalid slice index: %d > %d', BigInt(i1), BigInt(i2)));
  // Not counted against the budget: a substring is no longer than its input, and Go's shares its bytes.
  if (kind === Kind.String) return sliceBytes(underlying(item) as string, i0, i1);
  if (item instanceof GoSlice) return new GoSlice(item.typeName, i1 - i0, (i) => item.at(i0 + i));
  return (item as unknown[]).slice(i0, i1);
}

function length(args: unknown[]): unknown {
  let item = args[0];
  if (item instanceof InterfaceValue) item = item.value;
  // Go's len looks through pointers.
  while (item instanceof GoPointer) {
    if (item.elem === null) throw new BuiltinError('len of nil pointer');
    item = item.elem;
  }
  if (item === null) throw new BuiltinError('len of nil pointer');
  switch (kindOf(item)) {
    case Kind.TypedSlice:
      return BigInt((item as GoSlice).length);
    case Kind.TypedMap:
      return BigInt((item as GoMap).size);
    case Kind.Slice:
      return BigInt((item as unknown[]).length);
    case Kind.Map:
    case Kind.StringMap:
      return BigInt(mapSize(item as object));
    case Kind.String:
      return BigInt(byteLength(underlying(item) as string));
    case Kind.Invalid:
      throw new BuiltinError('reflect: call of reflect.Value.Type on zero Value');
  }
  throw new BuiltinError(`len of type ${typeName(item)}`);
}

// Comparison.

const BasicKind = { Invalid: 0, Bool: 1, Complex: 2, Int: 3, Float: 4, String: 5, Uint: 6 } as const;
type BasicKind = (typeof BasicKind)[keyof typeof BasicKind];

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case Kind.Bool:
      return BasicKind.Bool;
    case Kind.Int:
      return BasicKind.Int;
    case Kind.Uint8:
      return BasicKind.Uint;
    case Kind.Float:
      return BasicKind.Float;
    case Kind.Complex:
      return BasicKind.Complex;
    case Kind.String:
      return BasicKind.String;
  }
  return BasicKind.Invalid;
}

/** reflect.Kind names for the comparison rules: both map types are Map. */
function reflectKind(v: unknown): string {
  switch (kindOf(v)) {
    case Kind.Invalid:
    case Kind.Nil:
      return 'invalid';
    case Kind.Map:
    case Kind.StringMap:
    case Kind.TypedMap:
      return 'map';
    case Kind.Slice:
    case Kind.TypedSlice:
      return 'slice';
    case Kind.Pointer:
      return 'ptr';
    case Kind.Struct:
      return 'struct';
    default:
      return 'other:' + typeName(v);
  }
}

function comparable(v: unknown): boolean {
  switch (kindOf(v)) {
    case Kind.Slice:
    case Kind.Map:
    case Kind.StringMap:
    case Kind.TypedSlice:
    case Kind.TypedMap:
    case Kind.Unsupported:
      return false;
    case Kind.Struct:
      return (v as GoStruct).values.every((f) => f === null || comparable(f));
    default:
      return true;
  }
}

function goEqual(a: unknown, b: unknown): boolean {
  if (a instanceof GoPointer || b instanceof GoPointer) {
    // Go compares addresses; the registrar's values have none (docs/templates.md).
    throw new Refusal('comparing two pointers compares memory addresses in Go; the registrar does not');
  }
  if (a instanceof GoStruct && b instanceof GoStruct) {
    if (a.typeName !== b.typeName) return false;
    for (const name of a.fieldNames) if (!goEqual(a.field(name), b.field(name))) return false;
    return true;
  }
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  if (ka === Kind.Uint8) return (a as GoUint8).value === (b as GoUint8).value;
  if (ka === Kind.Complex) return (a as GoComplex).re === (b as GoComplex).re && (a as GoComplex).im === (b as GoComplex).im;
  return typeName(a) === typeName(b) && underlying(a) === underlying(b);
}

function intOf(v: unknown): bigint {
  const u = underlying(v);
  return typeof u === 'bigint' ? u : BigInt((u as GoUint8).value);
}

function isNilValue(v: unknown): boolean {
  return v === undefined || v === null || (v instanceof GoPointer && v.elem === null);
}

function eq(args: unknown[]): unknown {
  const arg1 = indirectInterface(args[0]);
  const rest = args.slice(1);
  if (rest.length === 0) throw new BuiltinError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const raw of rest) {
    const arg = indirectInterface(raw);
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 === BasicKind.Int && k2 === BasicKind.Uint) t = intOf(arg1) >= 0n && intOf(arg1) === intOf(arg);
      else if (k1 === BasicKind.Uint && k2 === BasicKind.Int) t = intOf(arg) >= 0n && intOf(arg1) === intOf(arg);
      else if (arg1 !== undefined && arg !== undefined) {
        throw new BuiltinError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg)}`);
      }
    } else {
      switch (k1) {
        case BasicKind.Bool:
        case BasicKind.Float:
        case BasicKind.Int:
        case BasicKind.String:
          t = underlying(arg1) === underlying(arg);
          break;
        case BasicKind.Uint:
        case BasicKind.Complex:
          t = goEqual(arg1, arg);
          break;
        default: {
          const r1 = reflectKind(arg1);
          const r2 = reflectKind(arg);
          if (!(r1 === r2 || r1 === 'invalid' || r2 === 'invalid')) {
            throw new BuiltinError(sprintf('non-comparable types %s: %v, %s: %v', arg1, typeName(arg1), typeName(arg), arg));
          }
          if (isNilValue(arg1) || isNilValue(arg)) {
            t = isNilValue(arg) === isNilValue(arg1);
          } else {
            if (!comparable(arg)) throw new BuiltinError(sprintf('non-comparable type %s: %v', arg, typeName(arg)));
            t = goEqual(arg1, arg);
          }
        }
      }
    }
    if (t) return true;
  }
  return false;
}

function lt(args: unknown[]): boolean {
  const arg1 = indirectInterface(args[0]);
  const k1 = basicKind(arg1);
  if (k1 === BasicKind.Invalid) throw new BuiltinError('invalid type for comparison');
  const arg2 = indirectInterface(args[1]);
  const k2 = basicKind(arg2);
  if (k2 === BasicKind.Invalid) throw new BuiltinError('invalid type for comparison');
  if (k1 !== k2) {
    if (k1 === BasicKind.Int && k2 === BasicKind.Uint) return intOf(arg1) < 0n || intOf(arg1) < intOf(arg2);
    if (k1 === BasicKind.Uint && k2 === BasicKind.Int) return intOf(arg2) >= 0n && intOf(arg1) < intOf(arg2);
    throw new BuiltinError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg2)}`);
  }
  switch (k1) {
    case BasicKind.Bool:
    case BasicKind.Complex:
      throw new BuiltinError('invalid type for comparison');
    case BasicKind.String:
      return compareStrings(underlying(arg1) as string, underlying(arg2) as string) < 0;
    case BasicKind.Uint:
      return intOf(arg1) < intOf(arg2);
    default:
      return (underlying(arg1) as number | bigint) < (underlying(arg2) as number | bigint);
  }
}

function le(args: unknown[]): boolean {
  return lt(args) || (eq(args) as boolean);
}

// Printing and escaping.

function unbox(v: unknown): unknown {
  return v instanceof InterfaceValue ? v.value : v;
}

/** evalArgs: the arguments as fmt.Sprint prints them, with "<no value>" for missing ones. */
function evalArgs(args: unknown[], budget: CharacterBudget): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : unbox(a))), budget);
}

/**
 * An escaping builtin: escaping never shrinks a string and at most multiplies it by six, so the input
 * must fit before the result is built, and the result is counted after.
 */
function escaping(escape: (s: string) => string): Builtin['fn'] {
  return (args, budget) => {
    const s = evalArgs(args, budget);
    budget.ensure(s.length);
    const escaped = escape(s);
    budget.charge(escaped.length);
    return escaped;
  };
}

/** reflect.Value.String() of the value `call` was handed through the pipeline. */
export function valueString(v: unknown): string {
  if (v instanceof InterfaceValue) v = v.value;
  if (v === undefined || v === null) return '<invalid Value>';
  if (kindOf(v) === Kind.String) return underlying(v) as string;
  return `<${typeName(v)} Value>`;
}

function call(args: unknown[]): unknown {
  const name = args[0] as string;
  const fn = indirectInterface(args[1]);
  if (fn === undefined) throw new BuiltinError('call of nil');
  // Template data holds no Go functions, and JavaScript functions are never called.
  throw new BuiltinError(`non-function ${name} of type ${typeName(fn)}`);
}

const V: ParamType = 'value';

export const builtins: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['and', { params: [V, V], variadic: true, fn: () => undefined }], // short-circuit: evalCall
  ['or', { params: [V, V], variadic: true, fn: () => undefined }], // short-circuit: evalCall
  ['call', { params: [V, V], variadic: true, fn: call }],
  ['html', { params: ['any'], variadic: true, fn: escaping(htmlEscape) }],
  ['js', { params: ['any'], variadic: true, fn: escaping(jsEscape) }],
  ['urlquery', { params: ['any'], variadic: true, fn: escaping(urlQueryEscape) }],
  ['index', { params: [V, V], variadic: true, fn: index }],
  ['slice', { params: [V, V], variadic: true, fn: slice }],
  ['len', { params: [V], variadic: false, fn: length }],
  ['not', { params: [V], variadic: false, fn: (a) => !truth(a[0]) }],
  ['print', { params: ['any'], variadic: true, fn: (a, budget) => sprint(a.map(unbox), budget) }],
  ['printf', { params: ['string', 'any'], variadic: true, fn: (a, budget) => sprintfWithin(budget, a[0] as string, a.slice(1).map(unbox)) }],
  ['println', { params: ['any'], variadic: true, fn: (a, budget) => sprintln(a.map(unbox), budget) }],
  ['eq', { params: [V, V], variadic: true, fn: eq }],
  ['ne', { params: [V, V], variadic: false, fn: (a) => !(eq(a) as boolean) }],
  ['lt', { params: [V, V], variadic: false, fn: lt }],
  ['le', { params: [V, V], variadic: false, fn: le }],
  ['gt', { params: [V, V], variadic: false, fn: (a) => !le(a) }],
  ['ge', { params: [V, V], variadic: false, fn: (a) => !lt(a) }],
]);
