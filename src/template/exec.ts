// The executor of Go's text/template (exec.go): walks the tree over the data, with the same evaluation
// order, variable scoping, missing-key rules, truth, and error messages with their position and context.
import { type Builtin, BuiltinError, type ParamType, builtins, indirectInterface, isTrue, truth, valueString } from './builtins.ts';
import { BudgetExceeded, CharacterBudget } from './character-budget.ts';
import { printOne, sprintf } from './fmt.ts';
import { byteLength, compareStrings } from './go-string.ts';
import {
  type ActionNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type VariableNode,
  nodeString,
} from './nodes.ts';
import type { Tree } from './parser.ts';
import { TemplateError, internalError } from './template-error.ts';
import { Refusal } from './refusal.ts';
import type {
  GoSlice} from './values.ts';
import {
  GoMap,
  GoNamed,
  GoPointer,
  GoStringMap,
  GoStruct,
  GoUint8,
  InterfaceValue,
  Kind,
  isPlainObject,
  kindOf,
  mapGet,
  mapKeys,
  typeName,
} from './values.ts';

/** What a missing map key yields: no value (printed "<no value>"), the zero value, or an error. */
export const MissingKey = { Invalid: 0, Zero: 1, Error: 2 } as const;
export type MissingKey = (typeof MissingKey)[keyof typeof MissingKey];

/** Execution bounds, so that a template from a custom resource cannot run away. */
export interface ExecLimits {
  /** Nested {{template}} calls. Default: 100 (Go allows 100000). */
  readonly maxTemplateDepth: number;
  /** Characters of output. Default: 1 MiB (1048576). */
  readonly maxOutputLength: number;
  /** Iterations of all {{range}} loops of one execution together. Default: 1000000. */
  readonly maxRangeIterations: number;
  /**
   * Characters of all the strings one execution produces: the results of printf, print, println, html,
   * js and urlquery (padding included), printed values and the output. Bounds memory where the output
   * bound alone would not (a variable doubled in a loop). Default: 4 MiB (4194304), four times the
   * output bound, where an identity template produces well under a kilobyte.
   */
  readonly maxProducedLength: number;
}

export const defaultLimits: ExecLimits = {
  maxTemplateDepth: 100,
  maxOutputLength: 1 << 20,
  maxRangeIterations: 1_000_000,
  maxProducedLength: 1 << 22,
};

/** A parsed set of templates that execute together. */
export interface TemplateSet {
  readonly name: string;
  readonly text: string;
  readonly trees: ReadonlyMap<string, Tree>;
  readonly missingKey: MissingKey;
  readonly limits: ExecLimits;
}

/** The absent final argument: a command that is not fed by a previous pipeline stage. */
const missing: unique symbol = Symbol('missing');
/** The previous pipeline stage's value, or `missing`. */
type Final = unknown;

const Signal = { None: 0, Break: 1, Continue: 2 } as const;
type Signal = (typeof Signal)[keyof typeof Signal];

interface Variable {
  readonly name: string;
  value: unknown;
}

function doublePercent(s: string): string {
  return s.replaceAll('%', '%%');
}

/** Values of []interface{} and map[string]interface{} elements as range hands them out. */
function rangeElement(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object' && !Array.isArray(v) && isPlainObject(v)) return v;
  return new InterfaceValue(v);
}

class State {
  private readonly set: TemplateSet;
  private tmplName: string;
  private node: Node | undefined = undefined;
  private vars: Variable[];
  private depth = 0;
  private rangeIterations = 0;
  private readonly budget: CharacterBudget;
  out = '';
  /** Whether the value evalField returned last sits in an interface{} slot. */
  private lastIface = false;

  constructor(set: TemplateSet, data: unknown) {
    this.set = set;
    this.tmplName = set.name;
    this.vars = [{ name: '$', value: data }];
    this.budget = new CharacterBudget(set.limits.maxProducedLength);
  }

  // errors

  errorf(format: string, ...args: unknown[]): never {
    const name = doublePercent(this.tmplName);
    let full: string;
    if (this.node === undefined) {
      full = sprintf('template: %s: %s', name, format);
    } else {
      const [location, context] = this.errorContext(this.node);
      full = sprintf('template: %s: executing %q at <%s>: %s', location, name, doublePercent(context), format);
    }
    throw new TemplateError(sprintf(full, ...args));
  }

  private errorContext(n: Node): [string, string] {
    const text = this.set.text.slice(0, n.pos);
    const nl = text.lastIndexOf('\n');
    const byteNum = nl === -1 ? byteLength(text) : byteLength(text.slice(nl + 1));
    let lineNum = 1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) lineNum++;
    return [`${this.set.name}:${lineNum}:${byteNum}`, nodeString(n)];
  }

  // variables

  private mark(): number {
    return this.vars.length;
  }

  private pop(mark: number): void {
    this.vars.length = mark;
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf('undefined variable: %s', name);
  }

  private setTopVar(n: number, value: unknown): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf('undefined variable: %s', name);
  }

  // output

  private write(s: string): void {
    this.out += s;
    if (this.out.length > this.set.limits.maxOutputLength) {
      this.node = undefined;
      this.errorf('output exceeds the limit of %d characters', BigInt(this.set.limits.maxOutputLength));
    }
    this.budget.charge(s.length);
  }

  // walking

  run(root: ListNode): void {
    this.walk(this.vars[0]?.value, root);
  }

  walk(dot: unknown, node: Node): Signal {
    this.node = node;
    switch (node.type) {
      case 'action': {
        if (node.fieldPath !== undefined) {
          const v = fastFieldChain(dot, node.fieldPath);
          if (typeof v === 'string') {
            this.write(v);
            return Signal.None;
          }
        }
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return Signal.None;
      }
      case 'text':
        this.write(node.text);
        return Signal.None;
      case 'list':
        for (const n of node.nodes) {
          const sig = this.walk(dot, n);
          if (sig !== Signal.None) return sig;
        }
        return Signal.None;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node, dot);
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        this.walkTemplate(dot, node);
        return Signal.None;
      case 'break':
        return Signal.Break;
      case 'continue':
        return Signal.Continue;
      default:
        this.errorf('unknown node: %s', nodeString(node));
    }
  }

  private walkIfOrWith(node: BranchNode, dot: unknown): Signal {
    const mark = this.mark();
    const val = this.evalPipeline(dot, node.pipe);
    const [t, ok] = isTrue(indirectInterface(val));
    if (!ok) this.errorf('if/with can\'t use %v', val);
    let sig: Signal = Signal.None;
    if (t) sig = this.walk(node.type === 'with' ? val : dot, node.list);
    else if (node.elseList !== undefined) sig = this.walk(dot, node.elseList);
    this.pop(mark);
    return sig;
  }

  /**
   * Walks a range. A continue in its {{else}} belongs to an enclosing range and is returned; a break
   * there ends only this range, as Go's walkRange recovers walkBreak around all of itself.
   */
  private walkRange(dot: unknown, r: BranchNode): Signal {
    this.node = r;
    const outer = this.mark();
    let val = this.evalPipeline(dot, r.pipe);
    // Go's range looks through a pointer.
    if (val instanceof GoPointer && val.elem !== null) val = val.elem;
    const mark = this.mark();
    const decl = r.pipe.decl;
    // Returns whether the loop goes on.
    const oneIteration = (index: unknown, elem: unknown): boolean => {
      if (++this.rangeIterations > this.set.limits.maxRangeIterations) {
        this.node = r;
        this.errorf('exceeded the limit of %d range iterations', BigInt(this.set.limits.maxRangeIterations));
      }
      if (decl.length > 0) {
        if (r.pipe.isAssign) this.setVar(decl[0]?.ident[0] ?? '', decl.length > 1 ? index : elem);
        else this.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar(decl[1]?.ident[0] ?? '', elem);
        else this.setTopVar(2, index);
      }
      const sig = this.walk(elem, r.list);
      this.pop(mark);
      return sig !== Signal.Break;
    };
    let ran = false;
    switch (kindOf(val)) {
      case Kind.Int:
      case Kind.Uint8: {
        if (decl.length > 1) this.errorf("can't use %v to iterate over more than one variable", val);
        // Go ranges over an integer's own type: the elements of an int32 are int32.
        const named = val instanceof GoNamed ? val : undefined;
        const int = named !== undefined ? named.value : val;
        const n = typeof int === 'bigint' ? int : BigInt((int as GoUint8).value);
        for (let i = 0n; i < n; i++) {
          ran = true;
          const elem = named !== undefined ? new GoNamed(named.typeName, i) : typeof val === 'bigint' ? i : new GoUint8(Number(i));
          if (!oneIteration(undefined, elem)) break;
        }
        break;
      }
      case Kind.Slice: {
        const a = val as readonly unknown[];
        for (let i = 0; i < a.length; i++) {
          ran = true;
          if (!oneIteration(BigInt(i), rangeElement(a[i]))) break;
        }
        break;
      }
      case Kind.TypedSlice: {
        const a = val as GoSlice;
        for (let i = 0; i < a.length; i++) {
          ran = true;
          if (!oneIteration(BigInt(i), a.at(i))) break;
        }
        break;
      }
      case Kind.TypedMap: {
        const m = val as GoMap;
        for (const key of m.keys().sort(compareStrings)) {
          ran = true;
          if (!oneIteration(m.keyTypeName === 'string' ? key : new GoNamed(m.keyTypeName, key), m.get(key))) break;
        }
        break;
      }
      case Kind.Map:
      case Kind.StringMap: {
        const m = val as object;
        const stringMap = m instanceof GoStringMap;
        for (const key of mapKeys(m).sort(compareStrings)) {
          ran = true;
          const elem = mapGet(m, key);
          if (!oneIteration(key, stringMap ? elem : rangeElement(elem))) break;
        }
        break;
      }
      case Kind.Invalid:
        break;
      default:
        this.errorf("range can't iterate over %v", val);
    }
    let sig: Signal = Signal.None;
    if (!ran && r.elseList !== undefined) sig = this.walk(dot, r.elseList);
    this.pop(outer);
    return sig === Signal.Continue ? sig : Signal.None;
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.node = t;
    const tmpl = this.set.trees.get(t.name);
    if (tmpl === undefined) this.errorf('template %q not defined', t.name);
    if (this.depth === this.set.limits.maxTemplateDepth) {
      this.errorf('exceeded maximum template depth (%v)', BigInt(this.set.limits.maxTemplateDepth));
    }
    const newDot = this.evalPipeline(dot, t.pipe);
    const savedVars = this.vars;
    const savedName = this.tmplName;
    this.depth++;
    this.tmplName = t.name;
    this.vars = [{ name: '$', value: newDot }];
    this.walk(newDot, tmpl.root);
    this.vars = savedVars;
    this.tmplName = savedName;
    this.depth--;
  }

  // evaluation

  evalPipeline(dot: unknown, pipe: PipeNode | undefined): unknown {
    if (pipe === undefined) return undefined;
    this.node = pipe;
    let value: unknown = missing;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A value in an interface{} slot is the concrete value inside it (nil: no value).
      if (value instanceof InterfaceValue) value = value.value;
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0] ?? '', value);
      else this.vars.push({ name: v.ident[0] ?? '', value });
    }
    return value;
  }

  private notAFunction(args: readonly Node[] | undefined, final: Final): void {
    if ((args !== undefined && args.length > 1) || final !== missing) {
      this.errorf("can't give argument to non-function %s", nodeString((args as Node[])[0] as Node));
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const firstWord = cmd.args[0] as Node;
    switch (firstWord.type) {
      case 'field':
        return this.evalFieldNode(dot, firstWord, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, firstWord, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, firstWord, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, firstWord);
      case 'variable':
        return this.evalVariableNode(dot, firstWord, cmd.args, final);
    }
    this.node = firstWord;
    this.notAFunction(cmd.args, final);
    switch (firstWord.type) {
      case 'bool':
        return firstWord.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
        break;
      case 'number':
        return this.idealConstant(firstWord);
      case 'string':
        return firstWord.text;
    }
    this.errorf("can't evaluate command %q", nodeString(firstWord));
  }

  private idealConstant(c: NumberNode): unknown {
    this.node = c;
    if (c.isComplex) return c.complex;
    if (c.isFloat && !isHexInt(c.text) && !c.text.startsWith("'") && /[.eEpP]/.test(c.text)) return c.float64;
    if (c.isInt) return c.int64;
    if (c.isUint) this.errorf('%s overflows int', c.text);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly Node[] | undefined, final: Final): unknown {
    this.node = field;
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly Node[] | undefined, final: Final): unknown {
    this.node = chain;
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === 'nil') this.errorf('indirection through explicit nil in %s', nodeString(chain));
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: readonly Node[] | undefined, final: Final): unknown {
    this.node = variable;
    const value = this.varValue(variable.ident[0] ?? '');
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      this.lastIface = value instanceof InterfaceValue || value === null;
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: readonly string[], args: readonly Node[] | undefined, final: Final): unknown {
    let iface = receiver === null;
    if (receiver instanceof InterfaceValue) {
      receiver = receiver.value;
      iface = true;
    }
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(ident[i] as string, undefined, missing, receiver, iface);
      iface = this.lastIface;
    }
    return this.evalField(ident[n - 1] as string, args, final, receiver, iface);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: readonly Node[] | undefined, final: Final): unknown {
    this.node = node;
    const name = node.ident;
    const fn = builtins.get(name);
    if (fn === undefined) this.errorf('%q is not a defined function', name);
    this.lastIface = false;
    return this.evalCall(dot, fn, cmd, name, args, final);
  }

  /** evalField: a struct field or map element of `receiver`, which sits in an interface{} if `iface`. */
  private evalField(fieldName: string, args: readonly Node[] | undefined, final: Final, receiver: unknown, iface: boolean): unknown {
    if (receiver === undefined) {
      if (this.set.missingKey === MissingKey.Error) this.errorf('nil data; no entry for key %q', fieldName);
      this.lastIface = false;
      return undefined;
    }
    if (receiver === null) this.errorf('nil pointer evaluating %s.%s', 'interface {}', fieldName);
    // The arguments a method would get: the command's other words and the previous stage's value.
    const numIn = (args !== undefined ? args.length - 1 : 0) + (final !== missing ? 1 : 0);
    const hasArgs = numIn > 0;
    if (typeof receiver === 'object') {
      // Go names the static type in its messages: interface {} for a value held in one.
      if (receiver instanceof GoPointer) return this.evalPointerField(fieldName, numIn, receiver, iface ? 'interface {}' : receiver.typeName);
      if (receiver instanceof GoStruct) return this.evalStructField(fieldName, numIn, receiver, iface ? 'interface {}' : receiver.typeName);
      if (receiver instanceof GoMap) {
        const call = Object.hasOwn(receiver.calls, fieldName) ? receiver.calls[fieldName] : undefined;
        if (call !== undefined) return this.callMethod(fieldName, numIn, () => call(receiver));
        if (receiver.methods.has(fieldName)) refuseMethod(fieldName, receiver.typeName);
        if (receiver.keyTypeName === 'string') {
          if (hasArgs) this.errorf('%s is not a method but has arguments', fieldName);
          this.lastIface = false;
          const value = receiver.get(fieldName);
          return value !== undefined ? value : this.missingKey(fieldName, receiver.zero);
        }
      } else if (receiver instanceof GoStringMap) {
        if (hasArgs) this.errorf('%s is not a method but has arguments', fieldName);
        this.lastIface = false;
        const value = receiver.get(fieldName);
        if (value !== undefined) return value;
        return this.missingKey(fieldName, '');
      } else if (!Array.isArray(receiver) && isPlainObject(receiver)) {
        if (hasArgs) this.errorf('%s is not a method but has arguments', fieldName);
        this.lastIface = true;
        const d = Object.getOwnPropertyDescriptor(receiver, fieldName);
        if (d !== undefined && d.enumerable) {
          if (!('value' in d)) return mapGet(receiver, fieldName); // reports the accessor
          return d.value === undefined ? null : d.value;
        }
        return this.missingKey(fieldName, null);
      }
    }
    this.errorf("can't evaluate field %s in type %s", fieldName, iface ? 'interface {}' : typeName(receiver));
  }

  /** A field through a pointer, which Go follows; its messages name the pointer type. */
  private evalPointerField(fieldName: string, numIn: number, p: GoPointer, typ: string): unknown {
    const t = p.elemType;
    if (p.elem instanceof GoStruct) return this.evalStructField(fieldName, numIn, p.elem, typ);
    if (t?.methods?.has(fieldName)) refuseMethod(fieldName, typ);
    if (p.elem === null && (t === undefined || t.fieldIndex(fieldName) !== undefined || t.promoted?.[fieldName] !== undefined)) {
      this.errorf('nil pointer evaluating %s.%s', typ, fieldName);
    }
    this.errorf("can't evaluate field %s in type %s", fieldName, typ);
  }

  private evalStructField(fieldName: string, numIn: number, s: GoStruct, typ: string): unknown {
    const call = s.type.calls?.[fieldName];
    if (call !== undefined) return this.callMethod(fieldName, numIn, () => call(s));
    if (s.type.methods?.has(fieldName)) refuseMethod(fieldName, typ);
    const value = s.field(fieldName);
    if (value !== undefined) {
      if (numIn > 0) this.errorf('%s has arguments but cannot be invoked as function', fieldName);
      this.lastIface = value === null;
      return value;
    }
    if (s.type.unexported?.has(fieldName)) this.errorf('%s is an unexported field of struct type %s', fieldName, typ);
    this.errorf("can't evaluate field %s in type %s", fieldName, typ);
  }

  /** A method without arguments (a getter of the Kubernetes types), called as Go's evalCall would. */
  private callMethod(name: string, numIn: number, call: () => unknown): unknown {
    if (numIn !== 0) this.errorf('wrong number of args for %s: want 0 got %d', name, BigInt(numIn));
    this.lastIface = false;
    return call();
  }

  private missingKey(fieldName: string, zero: unknown): unknown {
    switch (this.set.missingKey) {
      case MissingKey.Zero:
        return zero;
      case MissingKey.Error:
        this.errorf('map has no entry for key %q', fieldName);
        break;
    }
    return undefined;
  }

  private evalCall(dot: unknown, fun: Builtin, node: Node, name: string, allArgs: readonly Node[] | undefined, final: Final): unknown {
    const args = allArgs !== undefined ? allArgs.slice(1) : [];
    const numParams = fun.params.length;
    const numIn = args.length + (final !== missing ? 1 : 0);
    let numFixed = args.length;
    if (fun.variadic) {
      numFixed = numParams - 1;
      if (numIn < numFixed) {
        this.errorf('wrong number of args for %s: want at least %d got %d', name, BigInt(numParams - 1), BigInt(args.length));
      }
    } else if (numIn !== numParams) {
      this.errorf('wrong number of args for %s: want %d got %d', name, BigInt(numParams), BigInt(numIn));
    }
    if (name === 'and' || name === 'or') {
      let v: unknown = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== missing) v = this.validateType(final, 'value');
      return v;
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fun.params[i] as ParamType, args[i] as Node));
    if (fun.variadic) {
      const elem = fun.params[numParams - 1] as ParamType;
      for (; i < args.length; i++) argv.push(this.evalArg(dot, elem, args[i] as Node));
    }
    if (final !== missing) {
      let t = fun.params[numParams - 1] as ParamType;
      if (fun.variadic && numIn - 1 < numFixed) t = fun.params[numIn - 1] as ParamType;
      argv.push(this.validateType(final, t));
    }
    if (name === 'call') argv.unshift(args.length === 0 ? valueString(final) : nodeString(args[0] as Node));
    try {
      return fun.fn(argv, this.budget);
    } catch (e) {
      if (!(e instanceof BuiltinError) && !(e instanceof BudgetExceeded) && !(e instanceof Refusal)) throw e;
      this.node = node;
      if (e instanceof BudgetExceeded || e instanceof Refusal) this.errorf('%s', e.message);
      this.errorf('error calling %s: %v', name, e.message);
    }
  }

  /** validateType: the value as a parameter of type `typ` (undefined: no type, as for a chain's head). */
  private validateType(value: unknown, typ: ParamType | undefined): unknown {
    if (value === undefined) {
      if (typ === 'any') return null;
      if (typ === 'string') this.errorf('invalid value; expected %s', typ);
      return undefined;
    }
    if (typ === 'string') {
      const v = value instanceof InterfaceValue ? value.value : value;
      if (typeof v !== 'string') this.errorf('wrong type for value; expected %s; got %s', typ, v === null ? 'interface {}' : typeName(v));
      return v;
    }
    return value;
  }

  private evalArg(dot: unknown, typ: ParamType | undefined, n: Node): unknown {
    this.node = n;
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'string') this.errorf('cannot assign nil to %s', typ);
        return typ === 'any' ? null : undefined;
      case 'field':
        return this.validateType(this.boxed(this.evalFieldNode(dot, n, [n], missing), typ), typ);
      case 'variable':
        return this.validateType(this.boxed(this.evalVariableNode(dot, n, undefined, missing), typ), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, undefined, missing), typ);
      case 'chain':
        return this.validateType(this.boxed(this.evalChainNode(dot, n, undefined, missing), typ), typ);
    }
    if (typ === 'string') {
      this.node = n;
      if (n.type === 'string') return n.text;
      this.errorf('expected string; found %s', nodeString(n));
    }
    this.node = n;
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    this.errorf("can't handle assignment of %s to empty interface argument", nodeString(n));
  }

  /** A field's value as a reflect.Value parameter sees it: still inside its interface{} if it was in one. */
  private boxed(v: unknown, typ: ParamType | undefined): unknown {
    if (typ !== 'value' || !this.lastIface || v === undefined || v === null || v instanceof InterfaceValue) return v;
    return new InterfaceValue(v);
  }

  private printValue(n: ActionNode, v: unknown): void {
    this.node = n;
    // printableValue: Go follows a pointer, and calls String() of *T on an addressable T.
    if (v instanceof GoPointer && v.elem !== null) v = v.elem;
    if (v instanceof GoStruct && v.type.stringer !== undefined && (v.type.stringer.receiver === 'value' || v.addressable)) {
      this.write(v.type.stringer.string(v));
      return;
    }
    if (v === undefined) {
      this.write('<no value>');
      return;
    }
    if (typeof v === 'string') {
      this.write(v);
      return;
    }
    if (kindOf(v) === Kind.Unsupported) this.errorf("can't print %s of type %s", nodeString(n), typeName(v));
    let printed: string;
    try {
      printed = printOne(v, this.budget);
    } catch (e) {
      if (e instanceof Refusal) this.errorf('%s', e.message);
      throw e;
    }
    this.write(printed);
  }
}

/**
 * The value of a field chain on dot when every step is a present struct field or map key; undefined
 * otherwise, and then the general path evaluates the action (with Go's errors and missing-key rules).
 */
function fastFieldChain(dot: unknown, path: readonly string[]): unknown {
  let v = dot;
  for (const name of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    if (v instanceof GoPointer) {
      v = v.elem;
      if (typeof v !== 'object' || v === null) return undefined;
    }
    if (v instanceof GoStruct) {
      if (v.type.methods?.has(name)) return undefined;
      v = v.field(name);
    } else if (v instanceof GoStringMap) {
      v = v.get(name);
    } else if (!Array.isArray(v) && isPlainObject(v)) {
      const d = Object.getOwnPropertyDescriptor(v, name);
      if (d === undefined || !d.enumerable || !('value' in d)) return undefined;
      v = d.value;
    } else {
      return undefined;
    }
  }
  // A named string type (types.UID) prints as its string.
  return v instanceof GoNamed && typeof v.value === 'string' ? v.value : v;
}

function refuseMethod(name: string, typ: string): never {
  throw new Refusal(`${name} is a method of ${typ}; the registrar evaluates fields, not methods`);
}

function isHexInt(s: string): boolean {
  return s.length > 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && !/[pP]/.test(s);
}

/** A template that is only text and field chains ({{ .A.B }}), as a list of text and field paths. */
type FlatTemplate = readonly (string | readonly string[])[];

function flatTemplate(set: TemplateSet): FlatTemplate | undefined {
  const root = set.trees.get(set.name)?.root;
  if (root === undefined) return undefined;
  const parts: (string | readonly string[])[] = [];
  for (const node of root.nodes) {
    if (node.type === 'text') parts.push(node.text);
    else if (node.type === 'action' && node.fieldPath !== undefined) parts.push(node.fieldPath);
    else return undefined;
  }
  return parts;
}

/** A flat template's output; undefined where `execute` must decide (a field not a present string, a bound passed). */
function renderFlat(parts: FlatTemplate, data: unknown, limit: number): string | undefined {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = fastFieldChain(data, part);
    if (typeof value !== 'string') return undefined;
    out += value;
    // At every field: many long fields could otherwise exceed the longest string V8 can hold.
    if (out.length > limit) return undefined;
  }
  return out.length > limit ? undefined : out;
}

/**
 * An executor of the set's main template: `execute`, or, for a template that is only text and field
 * chains (most identity templates), a loop that skips the executor's state and tree walk while every
 * field is a present string, and otherwise falls back to `execute` (which also reports every error).
 */
export function executor(set: TemplateSet): (data: unknown) => string {
  const parts = flatTemplate(set);
  if (parts === undefined) return (data) => execute(set, data);
  // The output is all the loop produces; past either bound, `execute` reports the error.
  const limit = Math.min(set.limits.maxOutputLength, set.limits.maxProducedLength);
  return (data) => {
    let out: string | undefined;
    try {
      out = renderFlat(parts, data, limit);
    } catch {
      // `execute` reports what failed (a Proxy in the data, say) as a TemplateError.
    }
    return out ?? execute(set, data);
  };
}

/**
 * Executes the template set's main template over `data`, returning Go's output as a Go string. Throws
 * TemplateError, and nothing else, whatever the template and data.
 */
export function execute(set: TemplateSet, data: unknown): string {
  const root = set.trees.get(set.name);
  // reflect.ValueOf(nil) is the invalid value, not a nil interface.
  const s: State = new State(set, data === null ? undefined : data);
  if (root === undefined) s.errorf('%q is an incomplete or empty template', set.name);
  try {
    s.run(root.root);
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    if (e instanceof BudgetExceeded || e instanceof Refusal) s.errorf('%s', e.message);
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new TemplateError(`template: ${set.name}: exceeded the maximum nesting depth of execution`);
    }
    s.errorf('%s', internalError(e));
  }
  return s.out;
}

