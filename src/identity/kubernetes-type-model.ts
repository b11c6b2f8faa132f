// The shape of src/identity/kubernetes-types.ts (generated from k8s.io/api by test/tools/gotemplate) and
// the parser of its type spellings.

export interface KubeFieldDescription {
  /** The Go field name templates use. */
  readonly name: string;
  /** The JSON key, or '' for an embedded struct whose fields sit in the parent's object. */
  readonly json: string;
  /** Go's spelling of the type; see parseKubeType. */
  readonly type: string;
  readonly embedded?: boolean;
  /** Its number in the protobuf message: the order in which the String() k8s.io/api generates lists fields. */
  readonly proto?: number;
}

/** The types with their own JSON form and printing, modelled by hand in kubernetes-values.ts. */
export type KubeSpecial = 'quantity' | 'time' | 'microTime' | 'intOrString' | 'fieldsV1' | 'goTime';

export interface KubeStructDescription {
  /** As Go prints it: `v1.PodSpec`. */
  readonly name: string;
  /** The Go package path. */
  readonly package: string;
  readonly special?: KubeSpecial;
  readonly fields: readonly KubeFieldDescription[];
  readonly unexported?: readonly string[];
  readonly methods?: readonly string[];
  readonly promoted?: Readonly<Record<string, readonly number[]>>;
}

export type KubeScalarKind = 'string' | 'bool' | 'int' | 'float';

/** A Go type as the value model needs it; `name` is how Go prints the type. */
export type KubeType =
  | { readonly kind: 'scalar'; readonly name: string; readonly scalar: KubeScalarKind }
  | { readonly kind: 'pointer'; readonly name: string; readonly elem: KubeType }
  | { readonly kind: 'slice'; readonly name: string; readonly elem: KubeType }
  | { readonly kind: 'map'; readonly name: string; readonly key: KubeType; readonly elem: KubeType }
  | { readonly kind: 'struct'; readonly name: string };

const scalarKinds: Readonly<Record<string, KubeScalarKind>> = {
  string: 'string',
  bool: 'bool',
  int: 'int',
  int8: 'int',
  int16: 'int',
  int32: 'int',
  int64: 'int',
  uint: 'int',
  uint8: 'int',
  uint16: 'int',
  uint32: 'int',
  uint64: 'int',
  float32: 'float',
  float64: 'float',
};

/**
 * Parses a generated type spelling: `string`, `types.UID:string` (a named scalar and its kind), `*T`,
 * `[]T`, `map[K]V`, `v1.ResourceList=map[...]...` (a named slice or map), or a struct's name.
 */
export function parseKubeType(spelling: string): KubeType {
  const named = /^([\w.]+)=(.*)$/.exec(spelling);
  if (named !== null) return { ...parseKubeType(named[2] as string), name: named[1] as string };
  if (spelling.startsWith('*')) {
    const elem = parseKubeType(spelling.slice(1));
    return { kind: 'pointer', name: `*${elem.name}`, elem };
  }
  if (spelling.startsWith('[]')) {
    const elem = parseKubeType(spelling.slice(2));
    return { kind: 'slice', name: `[]${elem.name}`, elem };
  }
  if (spelling.startsWith('map[')) {
    const close = spelling.indexOf(']');
    const key = parseKubeType(spelling.slice(4, close));
    const elem = parseKubeType(spelling.slice(close + 1));
    return { kind: 'map', name: `map[${key.name}]${elem.name}`, key, elem };
  }
  const [name = '', kind] = spelling.split(':');
  const scalar = scalarKinds[kind ?? name];
  if (scalar !== undefined) return { kind: 'scalar', name, scalar };
  if (kind !== undefined) throw new TypeError(`kubernetes type ${spelling}: unknown kind ${kind}`);
  return { kind: 'struct', name };
}
