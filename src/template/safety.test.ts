// Templates come from users' custom resources: they must not reach JavaScript internals or run code, and
// their recursion, nesting, output and loops are bounded with a clear error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileUncached } from './compile.ts';
import { defaultLimits } from './exec.ts';
import { TemplateError, compileTemplate, goStruct } from './index.ts';
import { maxControlDepth, maxExpressionDepth } from './parser.ts';

function render(text: string, data: unknown = null): string {
  return compileTemplate('t', text).execute(data);
}

test('inherited properties are not map keys: .constructor, .__proto__, .toString', () => {
  assert.equal(render('{{.constructor}}|{{.__proto__}}|{{.toString}}|{{.hasOwnProperty}}|{{.valueOf}}', {}), '<no value>|<no value>|<no value>|<no value>|<no value>');
  assert.equal(render('{{index . "constructor"}}|{{index . "__proto__"}}', {}), '<no value>|<no value>');
  assert.equal(render('{{len .}} {{range $k, $v := .}}{{$k}}{{end}}', {}), '0 ');
  assert.equal(render('{{.constructor.name}}', {}), '<no value>');
});

test('an own __proto__ key is an ordinary key', () => {
  const data: unknown = JSON.parse('{"__proto__": "own", "constructor": "c"}');
  assert.equal(render('{{index . "__proto__"}} {{.constructor}}', data), 'own c');
});

test('structs have only their fields: prototype names are unknown fields', () => {
  const s = goStruct('v1.PodSpec', { NodeName: 'n' });
  for (const name of ['constructor', '__proto__', 'toString', 'fields', 'typeName', 'fieldNames']) {
    assert.throws(() => render(`{{.${name}}}`, s), { message: `template: t:1:2: executing "t" at <.${name}>: can't evaluate field ${name} in type v1.PodSpec` });
  }
});

test('arrays and strings expose no JavaScript properties', () => {
  assert.throws(() => render('{{.length}}', [1]), /can't evaluate field length in type \[\]interface \{\}/);
  assert.throws(() => render('{{.length}}', 'abc'), /can't evaluate field length in type string/);
  assert.throws(() => render('{{.map}}', []), /can't evaluate field map in type/);
});

test('getters are never called', () => {
  let called = false;
  const data = {
    get secret(): string {
      called = true;
      return 'leaked';
    },
  };
  assert.throws(() => render('{{.secret}}', data), (e: unknown) => e instanceof TemplateError && /accessor/.test(e.message));
  assert.throws(() => render('{{index . "secret"}}', data), /accessor/);
  assert.throws(() => render('{{range .}}{{.}}{{end}}', data), /accessor/);
  assert.throws(() => render('{{printf "%v" .}}', data), /accessor/);
  assert.equal(called, false);
  assert.throws(() => goStruct('v1.X', { get Name(): string { called = true; return 'x'; } }), /accessor/);
  assert.equal(called, false);
});

test('functions in data are never called, not even by call', () => {
  let called = false;
  const f = (): string => {
    called = true;
    return 'ran';
  };
  assert.throws(() => render('{{call .f}}', { f }), { message: 'template: t:1:2: executing "t" at <call .f>: error calling call: non-function .f of type unsupported JavaScript function' });
  assert.throws(() => render('{{.f}}', { f }), /can't print \{\{\.f\}\} of type unsupported JavaScript function/);
  assert.throws(() => render('{{.f.name}}', { f }), /can't evaluate field name in type interface \{\}/);
  assert.throws(() => render('{{$f := .f}}{{$f.name}}', { f }), /can't evaluate field name in type unsupported JavaScript function/);
  assert.equal(render('{{printf "%v" .f}}', { f }), '?unsupported JavaScript function?');
  assert.equal(called, false);
});

test('class instances are opaque', () => {
  class Secret {
    readonly token = 'x';
  }
  assert.throws(() => render('{{$s := .s}}{{$s.token}}', { s: new Secret() }), /can't evaluate field token in type unsupported JavaScript object/);
  assert.throws(() => render('{{index .s "token"}}', { s: new Map([['token', 'x']]) }), /can't index item of type unsupported JavaScript object/);
});

test('recursion through {{template}} stops at the depth bound', () => {
  assert.throws(() => render('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}'), {
    message: `template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (${defaultLimits.maxTemplateDepth})`,
  });
  // Within the bound, recursion works.
  assert.equal(render('{{define "r"}}{{if .}}{{len .}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .}}', 'abcd'), '4321');
});

test('parenthesized expressions nest at most maxExpressionDepth deep', () => {
  const nested = (n: number): string => '{{' + '('.repeat(n) + '1' + ')'.repeat(n) + '}}';
  assert.equal(render(nested(maxExpressionDepth)), '1');
  assert.throws(() => render(nested(maxExpressionDepth + 1)), { message: 'template: t:1: max expression depth exceeded' });
});

test('control structures nest at most maxControlDepth deep', () => {
  const nested = (n: number): string => '{{if 1}}'.repeat(n) + 'x' + '{{end}}'.repeat(n);
  assert.equal(render(nested(maxControlDepth)), 'x');
  assert.throws(() => render(nested(maxControlDepth + 1)), { message: 'template: t:1: max nesting depth exceeded' });
  const elseIfs = '{{if 0}}' + '{{else if 0}}'.repeat(maxControlDepth) + '{{end}}';
  assert.throws(() => render(elseIfs), /max nesting depth exceeded/);
});

test('output is bounded', () => {
  const limits = { ...defaultLimits, maxOutputLength: 100 };
  const t = compileUncached('t', '{{range .}}0123456789{{end}}', 'default', '', '', limits);
  assert.equal(t.execute(Array(10).fill(0)).length, 100);
  assert.throws(() => t.execute(Array(11).fill(0)), { message: 'template: t: output exceeds the limit of 100 characters' });
  assert.throws(() => render('{{range 200000}}0123456789{{end}}'), /output exceeds the limit of 1048576 characters/);
  // Templates of only text and field chains take a shorter path, under the same bound.
  const flat = compileUncached('t', '0123456789{{.a}}', 'default', '', '', limits);
  assert.equal(flat.execute({ a: 'x'.repeat(90) }).length, 100);
  assert.throws(() => flat.execute({ a: 'x'.repeat(91) }), { message: 'template: t: output exceeds the limit of 100 characters' });
});

test('range iterations are bounded, counting every loop of an execution', () => {
  const limits = { ...defaultLimits, maxRangeIterations: 10 };
  const t = compileUncached('t', '{{range .}}{{range .}}{{end}}{{end}}', 'default', '', '', limits);
  assert.equal(t.execute([[1, 2, 3], [4, 5, 6]]), '');
  assert.throws(() => t.execute([[1, 2, 3, 4], [5, 6, 7, 8, 9]]), /exceeded the limit of 10 range iterations/);
  assert.throws(() => render('{{range 2000000}}{{end}}'), /exceeded the limit of 1000000 range iterations/);
});

test('deeply nested data fails with an error instead of overflowing the stack', () => {
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.throws(() => render('{{.}}', deep), (e: unknown) => e instanceof TemplateError);
});

test('a failure the engine does not foresee is a TemplateError naming the template, the action and the cause', () => {
  const trap = new Proxy({}, {
    getOwnPropertyDescriptor() {
      throw new TypeError('trapped');
    },
  });
  // Text and fields only (the executor's fast loop), and the general path.
  assert.throws(() => render('x{{.a.b}}', { a: trap }), { name: 'TemplateError', message: 'template: t:1:3: executing "t" at <{{.a.b}}>: internal error: TypeError: trapped' });
  assert.throws(() => render('{{if .a.b}}{{end}}', { a: trap }), { name: 'TemplateError', message: 'template: t:1:7: executing "t" at <.a.b>: internal error: TypeError: trapped' });
});

test('the compile cache is bounded', () => {
  const first = compileTemplate('bounded', '{{0}}');
  for (let i = 1; i <= 1000; i++) compileTemplate('bounded', `{{${i}}}`);
  assert.notEqual(compileTemplate('bounded', '{{0}}'), first);
});
