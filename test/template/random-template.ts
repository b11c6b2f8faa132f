// Generates random templates and data for the randomized differential test. The grammar covers the
// language (actions, pipelines, variables, control structures, definitions, builtins, printf formats)
// and produces as many errors as successes; a fixed seed makes a run reproducible.
import type { GoCase } from './go-template-tool.ts';

/** A small, fast, seedable generator (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

const keys = ['a', 'b', 'c', 'Name', 'x', 'list', 'm'];
const strings = ['', 'a', 'abc', 'Hello, World', 'héllo', '😀', '<b>&"\'', 'with space', '%d', '0', 'true', 'a\tb\nc', 'Z', 'é'];
const numbers = [0, 1, -1, 2, 3, 0.5, -2.5, 1e6, 1e21, 1e-7, 100, 42, 3.14159, 0.1];

function randomData(r: Random, depth: number): unknown {
  const roll = r.int(depth > 2 ? 6 : 10);
  switch (roll) {
    case 0:
    case 1:
      return r.pick(strings);
    case 2:
      return r.pick(numbers);
    case 3:
      return r.chance(0.5);
    case 4:
      return r.chance(0.3) ? null : { $int: r.int(7) - 2 };
    case 5:
      return r.pick(strings);
    case 6:
    case 7: {
      const n = r.int(4);
      return Array.from({ length: n }, () => randomData(r, depth + 1));
    }
    case 8:
      if (r.chance(0.15)) return randomStruct(r);
      return randomObject(r, depth);
    default:
      return randomObject(r, depth);
  }
}

function randomObject(r: Random, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (depth === 0) {
    // The top level has most keys, so that more templates get past their first field.
    for (const k of keys) if (r.chance(0.8)) o[k] = randomData(r, 1);
    return o;
  }
  const n = r.int(5);
  for (let i = 0; i < n; i++) o[r.pick(keys)] = randomData(r, depth + 1);
  return o;
}

function randomStruct(r: Random): unknown {
  if (r.chance(0.5)) {
    return { $goStruct: 'v1.PodSpec', fields: { ServiceAccountName: r.pick(strings), NodeName: r.pick(strings) } };
  }
  const labels: Record<string, string> = {};
  for (let i = r.int(3); i > 0; i--) labels[r.pick(keys)] = r.pick(strings);
  return {
    $goStruct: 'v1.ObjectMeta',
    fields: { Name: r.pick(strings), Namespace: r.pick(strings), UID: 'u', Labels: labels, Annotations: {} },
  };
}

const fieldNames = [...keys, 'Labels', 'Namespace', 'ServiceAccountName', 'NodeName', 'missing'];
const functions = ['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'println', 'printf', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'html', 'js', 'urlquery', 'call'];
const arity: Record<string, number> = { not: 1, len: 1, eq: 2, ne: 2, lt: 2, le: 2, gt: 2, ge: 2, index: 2, slice: 2 };
const verbs = ['v', 'v', 's', 'd', 'q', 'x', 'X', 'o', 'b', 'c', 't', 'f', 'e', 'g', 'G', 'E', 'U', 'T', '%', 'z'];

class TemplateGenerator {
  private readonly r: Random;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private readonly defined: string[] = [];
  /** Inside a definition no template is invoked, so no template can recurse (Go would never stop). */
  private inDefinition = false;

  constructor(r: Random) {
    this.r = r;
  }

  constant(): string {
    const r = this.r;
    switch (r.int(9)) {
      case 0:
        return String(r.int(10) - 3);
      case 1:
        return r.pick(['0x1F', '0o17', '017', '0b101', '1_000', "'a'", "'\\n'", '1e3', '0x1p2', '2.5', '-0.5', '.5', '1i', '1+2i']);
      case 2:
      case 3:
        return JSON.stringify(r.pick(strings));
      case 4:
        return '`raw ' + r.pick(['x', 'é', '%v']) + '`';
      case 5:
        return r.pick(['true', 'false']);
      case 6:
        return 'nil';
      case 7:
        return this.format();
      default:
        return String(r.int(4));
    }
  }

  format(): string {
    const r = this.r;
    let f = '';
    for (let i = r.int(3) + 1; i > 0; i--) {
      if (r.chance(0.4)) f += r.pick(['x', '-', ' ', '=', 'é']);
      f += '%';
      if (r.chance(0.3)) f += r.pick(['-', '+', '#', ' ', '0', '-0', '+#']);
      if (r.chance(0.3)) f += String(r.int(8));
      if (r.chance(0.25)) f += '.' + String(r.int(4));
      if (r.chance(0.05)) f += r.pick(['[1]', '[2]', '*']);
      f += r.pick(verbs);
    }
    return JSON.stringify(f);
  }

  field(): string {
    let s = '';
    for (let i = this.r.int(3) + 1; i > 0; i--) s += '.' + this.r.pick(fieldNames);
    return s;
  }

  operand(depth: number): string {
    const r = this.r;
    switch (r.int(depth > 2 ? 4 : 8)) {
      case 0:
      case 1:
        return this.field();
      case 2:
        return this.constant();
      case 3: {
        const v = r.pick(this.vars);
        return r.chance(0.5) ? v : v + this.field();
      }
      case 4:
        return '.';
      case 5:
      case 6:
        return '(' + this.pipeline(depth + 1) + ')';
      default:
        return '(' + this.pipeline(depth + 1) + ')' + (r.chance(0.3) ? this.field() : '');
    }
  }

  command(depth: number, stage = 0): string {
    const r = this.r;
    if (r.chance(stage === 0 ? 0.45 : 0.1)) return stage === 0 ? this.operand(depth) : this.field();
    const fn = r.pick(functions);
    const args: string[] = [];
    // Mostly the arity the function wants (one less in a later stage, which receives the pipeline's value).
    let n = r.chance(0.1) ? r.int(4) : (arity[fn] ?? 1 + r.int(3)) - (stage > 0 ? 1 : 0);
    if (fn === 'printf' && r.chance(0.8)) {
      args.push(this.format());
      n = r.int(3);
    }
    for (let i = 0; i < n; i++) args.push(this.operand(depth + 1));
    return [fn, ...args].join(' ');
  }

  pipeline(depth: number): string {
    const r = this.r;
    const cmds = [this.command(depth)];
    for (let i = r.chance(0.3) ? r.int(2) + 1 : 0; i > 0; i--) cmds.push(this.command(depth, cmds.length));
    return cmds.join(' | ');
  }

  declaring(): { text: string; name?: string } {
    const r = this.r;
    if (r.chance(0.2)) {
      const name = '$' + r.pick(['x', 'y', 'v']);
      if (r.chance(0.3) && this.vars.includes(name)) return { text: `${name} = ${this.pipeline(0)}` };
      return { text: `${name} := ${this.pipeline(0)}`, name };
    }
    return { text: this.pipeline(0) };
  }

  text(): string {
    return this.r.pick(['', 'x', ' ', '\n', ' - ', 'é', 'a b', '\t', '}', '{ ']);
  }

  open(): string {
    return this.r.chance(0.15) ? '{{- ' : '{{';
  }

  close(): string {
    return this.r.chance(0.15) ? ' -}}' : '}}';
  }

  list(depth: number): string {
    let s = '';
    for (let i = this.r.int(depth === 0 ? 3 : 2) + 1; i > 0; i--) s += this.text() + this.item(depth);
    return s;
  }

  scoped(body: () => string): string {
    const mark = this.vars.length;
    const s = body();
    this.vars.length = mark;
    return s;
  }

  item(depth: number): string {
    const r = this.r;
    const o = (): string => this.open();
    const cl = (): string => this.close();
    switch (depth > 2 ? r.int(3) : r.int(12)) {
      case 0:
      case 1: {
        const d = this.declaring();
        if (d.name !== undefined) this.vars.push(d.name);
        return o() + d.text + cl();
      }
      case 2:
        return r.chance(0.1) ? o() + '/* comment */' + cl() : this.text();
      case 3:
      case 4:
        return this.scoped(() => {
          let s = o() + 'if ' + this.declaring().text + cl() + this.list(depth + 1);
          if (r.chance(0.3)) s += o() + 'else if ' + this.pipeline(0) + cl() + this.list(depth + 1);
          if (r.chance(0.4)) s += o() + 'else' + cl() + this.list(depth + 1);
          return s + o() + 'end' + cl();
        });
      case 5:
        return this.scoped(() => {
          let s = o() + 'with ' + this.pipeline(0) + cl() + this.list(depth + 1);
          if (r.chance(0.3)) s += o() + 'else with ' + this.pipeline(0) + cl() + this.list(depth + 1);
          if (r.chance(0.3)) s += o() + 'else' + cl() + this.list(depth + 1);
          return s + o() + 'end' + cl();
        });
      case 6:
      case 7:
        return this.scoped(() => {
          let head = this.r.chance(0.3) ? String(r.int(4)) : this.operand(1);
          if (r.chance(0.4)) {
            this.vars.push('$i', '$e');
            head = '$i, $e := ' + head;
          } else if (r.chance(0.3)) {
            this.vars.push('$e');
            head = '$e := ' + head;
          }
          this.rangeDepth++;
          let s = o() + 'range ' + head + cl() + this.list(depth + 1);
          if (r.chance(0.3)) s += o() + 'if ' + this.pipeline(0) + '}}{{' + r.pick(['break', 'continue']) + '}}{{end' + cl();
          this.rangeDepth--;
          if (r.chance(0.3)) s += o() + 'else' + cl() + this.list(depth + 1);
          return s + o() + 'end' + cl();
        });
      case 8: {
        if (this.inDefinition) return this.text();
        const name = r.pick(['T1', 'T2', 'b']);
        if (this.defined.includes(name) || r.chance(0.2)) {
          return o() + 'template ' + JSON.stringify(name) + (r.chance(0.7) ? ' ' + this.pipeline(0) : '') + cl();
        }
        this.defined.push(name);
        return o() + 'block ' + JSON.stringify(name) + ' ' + this.pipeline(0) + cl() + this.scopedFresh(() => this.list(depth + 1)) + '{{end}}';
      }
      case 9:
        return this.rangeDepth > 0 && r.chance(0.5) ? o() + r.pick(['break', 'continue']) + cl() : this.text();
      default:
        return o() + this.pipeline(0) + cl();
    }
  }

  /** A definition's body sees only $. */
  scopedFresh(body: () => string): string {
    const saved = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    this.inDefinition = true;
    const s = body();
    this.inDefinition = false;
    this.vars = saved;
    this.rangeDepth = savedRange;
    return s;
  }

  template(): string {
    let s = this.list(0);
    if (this.r.chance(0.2)) {
      const name = this.r.pick(['T1', 'T2']);
      if (!this.defined.includes(name)) {
        this.defined.push(name);
        s += `{{define "${name}"}}` + this.scopedFresh(() => this.list(1)) + '{{end}}';
      }
    }
    return s;
  }
}

/** A template of the everyday kind: text, fields, index, printf, if/with/range over what exists. */
function simpleTemplate(r: Random): string {
  const fields = ['.a', '.b', '.c', '.Name', '.x', '.list', '.m', '.m.a', '.a.b', '$.Name'];
  const pieces: string[] = [];
  for (let i = r.int(4) + 1; i > 0; i--) {
    const f = r.pick(fields);
    pieces.push(
      r.pick([
        `{{${f}}}`,
        `{{printf ${r.pick(['"%v"', '"%s"', '"%q"', '"%d"', '"%5.2f"', '"%x"', '"%T"', '"%+v"'])} ${f}}}`,
        `{{if ${f}}}yes{{else}}no{{end}}`,
        `{{with ${f}}}[{{.}}]{{end}}`,
        `{{range $k, $v := ${f}}}{{$k}}={{$v}};{{else}}-{{end}}`,
        `{{index . ${JSON.stringify(r.pick(keys))}}}`,
        `{{or ${f} "none"}}`,
        `{{len (print ${f})}}`,
        `{{html ${f}}}{{js ${f}}}{{urlquery ${f}}}`,
        `{{eq (printf "%v" ${f}) "1"}}`,
        `{{${f} | print "p"}}`,
      ]) + r.pick(['', '/', '\n', ' ']),
    );
  }
  return pieces.join('');
}

/** The i-th random case of a seed; the same seed and index always give the same case. */
export function randomCase(seed: number, i: number): GoCase {
  const r = new Random((seed * 1000003 + i * 7919) >>> 0);
  // Half the cases are the kind users write: a few actions and conditionals; the rest use everything.
  const template = r.chance(0.5) ? new TemplateGenerator(r).template() : simpleTemplate(r);
  const data = r.chance(0.9) ? randomObject(r, 0) : randomData(r, 0);
  const missingkey = r.pick(['default', 'default', 'default', 'default', 'zero', 'zero', 'error'] as const);
  if (r.chance(0.05)) {
    // The same template with other delimiters (stray braces in its text stay text).
    return { template: template.replaceAll('{{', '<%').replaceAll('}}', '%>'), data, missingkey, leftDelim: '<%', rightDelim: '%>' };
  }
  return { template, data, missingkey };
}
