// Which fields of a pod and its node the templates can reach, worked out from their parse trees, so that
// the informers keep only those (memory stays bounded with tens of thousands of pods). The analysis
// follows field chains, `range`, `with`, `index`, variables and {{template}} calls through the generated
// type model; a value a template prints, compares or hands to a function is kept whole. It may keep more
// than a template reads, never less (test/template/kubernetes.test.ts renders pruned and whole objects alike).
import type { Node, PipeNode } from '../template/nodes.ts';
import type { Tree } from '../template/parser.ts';
import { kubernetesStructs } from './kubernetes-types.ts';
import { type KubeType, parseKubeType } from './kubernetes-type-model.ts';

/** What to keep of a JSON value: all of it, or some object keys, and of an array the same of each element. */
export interface Reach {
  all: boolean;
  readonly keys: Map<string, Reach>;
  elements: Reach | undefined;
}

/** The reach of a set of templates into the pod and the node of their data. */
export interface TemplateReach {
  readonly pod: Reach;
  readonly node: Reach;
}

export function emptyReach(): Reach {
  return { all: false, keys: new Map(), elements: undefined };
}

/** Keeps all of an object (a one-shot dump for `plan`, where nothing is cached for long). */
export function wholeReach(): Reach {
  return { all: true, keys: new Map(), elements: undefined };
}

type Root = 'pod' | 'node';

/** An abstract value: where in the pod or node JSON it comes from, and its Go type. */
type Loc = { readonly kind: 'data' } | { readonly kind: 'object'; readonly root: Root; readonly path: readonly string[]; readonly type: KubeType };
type Locs = readonly Loc[];

const structs = new Map(kubernetesStructs.map((d) => [d.name, d]));

/** The registrar's template data: its fields that are (parts of) the pod and node. */
const dataFields: Readonly<Record<string, { root: Root; path: readonly string[]; type: string }>> = {
  PodMeta: { root: 'pod', path: ['metadata'], type: '*v1.ObjectMeta' },
  PodSpec: { root: 'pod', path: ['spec'], type: '*v1.PodSpec' },
  NodeMeta: { root: 'node', path: ['metadata'], type: '*v1.ObjectMeta' },
  NodeSpec: { root: 'node', path: ['spec'], type: '*v1.NodeSpec' },
  Namespace: { root: 'pod', path: ['metadata', 'namespace'], type: 'string' },
  ServiceAccount: { root: 'pod', path: ['spec', 'serviceAccountName'], type: 'string' },
  InstanceID: { root: 'node', path: ['spec', 'providerID'], type: 'string' },
};

function deref(t: KubeType): KubeType {
  return t.kind === 'pointer' ? deref(t.elem) : t;
}

/** The JSON path and type of a struct field by Go name (promoted through embedded structs too). */
function structField(structName: string, name: string): { path: string[]; type: KubeType } | undefined {
  const d = structs.get(structName);
  if (d === undefined || d.special !== undefined) return undefined;
  const direct = d.fields.find((f) => f.name === name);
  const indexes = direct !== undefined ? [d.fields.indexOf(direct)] : d.promoted?.[name];
  if (indexes === undefined) return undefined;
  const path: string[] = [];
  let current = d;
  let type: KubeType | undefined;
  for (const i of indexes) {
    const f = current.fields[i];
    if (f === undefined) return undefined;
    if (f.json !== '') path.push(f.json);
    type = parseKubeType(f.type);
    const next = structs.get(deref(type).name);
    if (next !== undefined) current = next;
  }
  return type === undefined ? undefined : { path, type };
}

class Analysis {
  readonly reach: TemplateReach = { pod: emptyReach(), node: emptyReach() };
  readonly #trees: ReadonlyMap<string, Tree>;
  readonly #calls = new Set<string>();

  constructor(trees: ReadonlyMap<string, Tree>) {
    this.#trees = trees;
  }

  #node(loc: Loc & { kind: 'object' }): Reach {
    let r = this.reach[loc.root];
    for (const key of loc.path) {
      if (r.all) return r;
      if (key === '[]') r = r.elements ??= emptyReach();
      else {
        let next = r.keys.get(key);
        if (next === undefined) r.keys.set(key, (next = emptyReach()));
        r = next;
      }
    }
    return r;
  }

  /** Keeps the value whole: it is printed, compared or handed to a function. */
  use(locs: Locs): void {
    for (const loc of locs) {
      if (loc.kind === 'data') {
        this.reach.pod.all = this.reach.node.all = true;
      } else {
        this.#node(loc).all = true;
      }
    }
  }

  /** Keeps what the value's truth depends on: a struct or slice by being there (and its length), anything else whole. */
  truth(locs: Locs): void {
    for (const loc of locs) {
      if (loc.kind !== 'object') continue;
      const t = deref(loc.type);
      if (t.kind === 'struct' && structs.get(t.name)?.special === undefined) this.#node(loc);
      else if (t.kind === 'slice') this.#node(loc);
      else this.use([loc]);
    }
  }

  field(locs: Locs, name: string): Locs {
    const out: Loc[] = [];
    for (const loc of locs) {
      if (loc.kind === 'data') {
        const f = dataFields[name];
        if (f !== undefined) out.push({ kind: 'object', root: f.root, path: f.path, type: parseKubeType(f.type) });
        continue;
      }
      const t = deref(loc.type);
      if (t.kind === 'struct') {
        // ObjectMeta's getters (GetName) read their field.
        const getter = t.name === 'v1.ObjectMeta' && name.startsWith('Get') ? structField(t.name, name.slice(3)) : undefined;
        const f = getter ?? structField(t.name, name);
        if (f !== undefined) {
          const next: Loc = { kind: 'object', root: loc.root, path: [...loc.path, ...f.path], type: f.type };
          this.#node(next);
          out.push(next);
        } else {
          // A special type's field (a Quantity's Format) or an error: keep the value.
          this.use([loc]);
        }
      } else if (t.kind === 'map') {
        this.use([loc]);
      }
    }
    return out;
  }

  /** The elements of slices; a map is kept whole (its values are then whole too). */
  elements(locs: Locs): Locs {
    const out: Loc[] = [];
    for (const loc of locs) {
      if (loc.kind !== 'object') continue;
      const t = deref(loc.type);
      if (t.kind === 'slice') {
        const next: Loc = { kind: 'object', root: loc.root, path: [...loc.path, '[]'], type: t.elem };
        this.#node(next);
        out.push(next);
      } else {
        this.use([loc]);
      }
    }
    return out;
  }

  tree(name: string, dot: Locs): void {
    const key = `${name}\0${JSON.stringify(dot)}`;
    const tree = this.#trees.get(name);
    if (tree === undefined || this.#calls.has(key)) return;
    this.#calls.add(key);
    this.walk(tree.root, dot, [['$', dot]]);
  }

  walk(node: Node, dot: Locs, vars: [string, Locs][]): void {
    switch (node.type) {
      case 'list':
        for (const n of node.nodes) this.walk(n, dot, vars);
        return;
      case 'action': {
        const v = this.pipe(node.pipe, dot, vars);
        if (node.pipe.decl.length === 0) this.use(v);
        return;
      }
      case 'if':
      case 'with': {
        const mark = vars.length;
        const v = this.pipe(node.pipe, dot, vars);
        this.truth(v);
        this.walk(node.list, node.type === 'with' ? v : dot, vars);
        if (node.elseList !== undefined) this.walk(node.elseList, dot, vars);
        vars.length = mark;
        return;
      }
      case 'range': {
        const mark = vars.length;
        const v = this.pipe(node.pipe, dot, vars, true);
        const elems = this.elements(v);
        const decl = node.pipe.decl;
        if (decl.length > 0) vars.splice(mark, vars.length - mark, ...decl.map((d, i): [string, Locs] => [d.ident[0] ?? '', decl.length === 2 && i === 0 ? [] : elems]));
        this.walk(node.list, elems, vars);
        if (node.elseList !== undefined) this.walk(node.elseList, dot, vars);
        vars.length = mark;
        return;
      }
      case 'template':
        this.tree(node.name, this.pipe(node.pipe, dot, vars));
        return;
      default:
        return;
    }
  }

  pipe(pipe: PipeNode | undefined, dot: Locs, vars: [string, Locs][], ranged = false): Locs {
    if (pipe === undefined) return [];
    let value: Locs | undefined;
    for (const cmd of pipe.cmds) value = this.command(cmd.args, dot, vars, value);
    const result = value ?? [];
    // A range's variables are its elements, bound by the caller.
    if (!ranged) {
      for (const d of pipe.decl) {
        const name = d.ident[0] ?? '';
        const existing = pipe.isAssign ? vars.findLast(([n]) => n === name) : undefined;
        if (existing !== undefined) existing[1] = [...existing[1], ...result];
        else vars.push([name, result]);
      }
    }
    return result;
  }

  command(args: readonly Node[], dot: Locs, vars: [string, Locs][], final: Locs | undefined): Locs {
    const [first, ...rest] = args;
    if (first === undefined) return [];
    if (first.type === 'identifier') return this.call(first.ident, rest.map((a) => this.arg(a, dot, vars)).concat(final === undefined ? [] : [final]));
    // A field with arguments or a fed value is an error in Go, or a refused method call; keep what they name.
    for (const a of rest) this.use(this.arg(a, dot, vars));
    if (final !== undefined) this.use(final);
    return this.arg(first, dot, vars);
  }

  call(name: string, args: readonly Locs[]): Locs {
    switch (name) {
      case 'index': {
        let item = args[0] ?? [];
        for (const key of args.slice(1)) {
          this.use(key);
          item = this.elements(item);
        }
        return item;
      }
      case 'len':
        for (const a of args) this.truth(a);
        return [];
      case 'and':
      case 'or':
        for (const a of args) this.truth(a);
        return args.flat();
      case 'not':
        for (const a of args) this.truth(a);
        return [];
      default:
        for (const a of args) this.use(a);
        return [];
    }
  }

  arg(n: Node, dot: Locs, vars: [string, Locs][]): Locs {
    switch (n.type) {
      case 'dot':
        return dot;
      case 'field':
        return n.ident.reduce((locs, name) => this.field(locs, name), dot);
      case 'variable': {
        const v = vars.findLast(([name]) => name === n.ident[0])?.[1] ?? [];
        return n.ident.slice(1).reduce((locs, name) => this.field(locs, name), v);
      }
      case 'chain':
        return n.field.reduce((locs, name) => this.field(locs, name), this.arg(n.node, dot, vars));
      case 'pipe':
        return this.pipe(n, dot, vars);
      case 'identifier':
        return this.call(n.ident, []);
      default:
        return [];
    }
  }
}

/** The fields of pod and node that the templates (each a main template name and its parse trees) can reach. */
export function templateReach(templates: Iterable<{ readonly name: string; readonly trees: ReadonlyMap<string, Tree> }>): TemplateReach {
  const total: TemplateReach = { pod: emptyReach(), node: emptyReach() };
  for (const t of templates) {
    const reach = oneTemplateReach(t.name, t.trees);
    mergeReach(total.pod, reach.pod);
    mergeReach(total.node, reach.node);
  }
  return total;
}

// By parse trees, which the compile cache shares between equal templates: a cluster's reach is asked
// for again at every identity change, for every identity that targets it.
const reaches = new WeakMap<ReadonlyMap<string, Tree>, { readonly name: string; readonly reach: TemplateReach }>();

function oneTemplateReach(name: string, trees: ReadonlyMap<string, Tree>): TemplateReach {
  const known = reaches.get(trees);
  if (known !== undefined && known.name === name) return known.reach;
  const a = new Analysis(trees);
  a.tree(name, [{ kind: 'data' }]);
  reaches.set(trees, { name, reach: a.reach });
  return a.reach;
}

/** Adds `from` into `into`. */
export function mergeReach(into: Reach, from: Reach): void {
  if (from.all) into.all = true;
  if (into.all) return;
  for (const [key, r] of from.keys) {
    let target = into.keys.get(key);
    if (target === undefined) into.keys.set(key, (target = emptyReach()));
    mergeReach(target, r);
  }
  if (from.elements !== undefined) mergeReach((into.elements ??= emptyReach()), from.elements);
}

/** Whether `inner` keeps nothing that `outer` does not. */
export function reachWithin(inner: Reach, outer: Reach): boolean {
  if (outer.all) return true;
  if (inner.all) return false;
  for (const [key, r] of inner.keys) {
    const o = outer.keys.get(key);
    if (o === undefined || !reachWithin(r, o)) return false;
  }
  return inner.elements === undefined || (outer.elements !== undefined && reachWithin(inner.elements, outer.elements));
}

/** A reach as a string, equal for equal reaches (a cluster's connection is keyed by it). */
export function reachKey(reach: Reach): string {
  if (reach.all) return '*';
  const keys = [...reach.keys.keys()].sort().map((k) => `${JSON.stringify(k)}:${reachKey(reach.keys.get(k) as Reach)}`);
  return `{${keys.join(',')}${reach.elements === undefined ? '' : `,[]:${reachKey(reach.elements)}`}}`;
}

/** The JSON `value` with only what `reach` keeps: strings and maps are shared with it, not copied. */
export function pruneObject(value: unknown, reach: Reach): unknown {
  if (reach.all || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const elements = reach.elements ?? emptyReach();
    return value.map((e: unknown) => pruneObject(e, elements));
  }
  const out: Record<string, unknown> = {};
  for (const [key, r] of reach.keys) {
    if (Object.hasOwn(value, key)) out[key] = pruneObject((value as Record<string, unknown>)[key], r);
  }
  return out;
}
