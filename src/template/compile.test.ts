import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoStructType, TemplateError, compileTemplate, goStringMap, goStringMapView, goStruct } from './index.ts';

const seed = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';

function pod(): unknown {
  return goStruct('registrar.TemplateData', {
    TrustDomain: 'example.org',
    PodMeta: goStruct('v1.ObjectMeta', { Name: 'web-1', Namespace: 'prod', Labels: { app: 'web' } }),
    PodSpec: goStruct('v1.PodSpec', { ServiceAccountName: 'web-sa', NodeName: 'node-1' }),
  });
}

test('renders the seed template over structs and over maps', () => {
  const t = compileTemplate('spiffeID', seed);
  assert.equal(t.name, 'spiffeID');
  assert.equal(t.execute(pod()), 'spiffe://example.org/ns/prod/sa/web-sa');
  const maps = { TrustDomain: 'example.org', PodMeta: { Namespace: 'prod' }, PodSpec: { ServiceAccountName: 'web-sa' } };
  assert.equal(t.execute(maps), 'spiffe://example.org/ns/prod/sa/web-sa');
});

test('an unknown struct field fails as on a Go struct, naming the type and the position', () => {
  const t = compileTemplate('spiffeID', 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Nme }}');
  assert.throws(() => t.execute(pod()), (e: unknown) => {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.name, 'TemplateError');
    assert.equal(e.message, 'template: spiffeID:1:42: executing "spiffeID" at <.PodMeta.Nme>: can\'t evaluate field Nme in type v1.ObjectMeta');
    return true;
  });
});

test('a missing map key prints <no value>, or follows missingKey', () => {
  const data = { m: {} };
  assert.equal(compileTemplate('t', '{{.m.x}}').execute(data), '<no value>');
  assert.equal(compileTemplate('t', '{{.m.x}}', { missingKey: 'zero' }).execute(data), '<no value>');
  assert.throws(() => compileTemplate('t', '{{.m.x}}', { missingKey: 'error' }).execute(data), /map has no entry for key "x"/);
});

test('labels of a struct are a map[string]string: a missing one is "" where Go gives the zero value', () => {
  const data = { P: goStruct('v1.ObjectMeta', { Labels: { app: 'web' } }) };
  assert.equal(compileTemplate('t', '[{{index .P.Labels "tier"}}]').execute(data), '[]');
  assert.equal(compileTemplate('t', '[{{.P.Labels.tier}}]', { missingKey: 'zero' }).execute(data), '[]');
  assert.equal(compileTemplate('t', '[{{.P.Labels.tier}}]').execute(data), '[<no value>]');
  const explicit = { L: goStringMap({ a: '1' }) };
  assert.equal(compileTemplate('t', '{{printf "%T" .L}} [{{index .L "b"}}]').execute(explicit), 'map[string]string []');
  assert.throws(() => goStringMap({ a: 1 } as unknown as Record<string, string>), /every value must be a string/);
});

test('a struct prints its fields in the given order, as Go prints a struct', () => {
  const s = goStruct('v1.PodSpec', { ServiceAccountName: 'sa', NodeName: 'n' });
  assert.equal(compileTemplate('t', '{{.}} {{printf "%+v" .}} {{printf "%#v" .}}').execute(s), '{sa n} {ServiceAccountName:sa NodeName:n} v1.PodSpec{ServiceAccountName:"sa", NodeName:"n"}');
});

test('a GoStructType builds the same structs as goStruct, from the values in field order', () => {
  const objectMeta = new GoStructType('v1.ObjectMeta', ['Name', 'Namespace', 'Labels', 'Owner']);
  const typed = objectMeta.struct(['web-1', 'prod', { app: 'web' }, undefined]);
  const literal = goStruct('v1.ObjectMeta', { Name: 'web-1', Namespace: 'prod', Labels: { app: 'web' }, Owner: undefined });
  const t = compileTemplate('t', '{{printf "%#v" .}} [{{index .Labels "tier"}}] {{eq .Name "web-1"}} {{.Nope}}');
  assert.throws(() => t.execute(typed), /can't evaluate field Nope in type v1.ObjectMeta/);
  const shown = compileTemplate('t', '{{printf "%#v" .}} [{{index .Labels "tier"}}] {{.Owner}}');
  assert.equal(shown.execute(typed), shown.execute(literal));
  assert.equal(shown.execute(typed), 'v1.ObjectMeta{Name:"web-1", Namespace:"prod", Labels:map[string]string{"app":"web"}, Owner:interface {}(nil)} [] <no value>');
  assert.throws(() => objectMeta.struct(['web-1']), /4 fields, 1 values/);
  assert.throws(() => new GoStructType('v1.X', ['A', 'A']), /named twice/);
});

test('a map[string]string view behaves as goStringMap, reading its record only when a template looks into it', () => {
  const t = compileTemplate('t', '[{{index .L "b"}}] {{.L.a}} {{len .L}} {{range $k, $v := .L}}{{$k}}={{$v}};{{end}} {{printf "%#v" .L}}');
  const shown = t.execute({ L: goStringMapView({ b: '2', a: '1' }) });
  assert.equal(shown, t.execute({ L: goStringMap({ b: '2', a: '1' }) }));
  assert.equal(shown, '[2] 1 2 a=1;b=2; map[string]string{"a":"1", "b":"2"}');
  const broken = { L: goStringMapView({ a: 1 } as unknown as Record<string, string>) };
  assert.equal(compileTemplate('t', '{{.L.b}}').execute(broken), '<no value>');
  assert.throws(() => compileTemplate('t', '{{.L.a}}').execute(broken), (e: unknown) => e instanceof TemplateError && /value under key "a" is not a string/.test(e.message));
  assert.throws(() => compileTemplate('t', '{{len .L}}').execute(broken), TemplateError);
});

test('a template of only text and field chains renders every value as the general executor does', () => {
  const text = 'a/{{.s}}/{{.n}}/{{.m.k}}/{{.x}}/{{.P.Name}}';
  const flat = compileTemplate('t', text);
  // The same template with an action that is not a field chain, which the general executor runs.
  const general = compileTemplate('t', `${text}{{if true}}{{end}}`);
  const meta = goStruct('v1.ObjectMeta', { Name: 'web' });
  for (const data of [{ s: 's', n: 3, m: {}, x: null, P: meta }, { s: 's', n: 'n', m: { k: 'k' }, x: 'x', P: meta }]) {
    assert.equal(flat.execute(data), general.execute(data));
  }
  assert.equal(flat.execute({ s: 's', n: 3, m: {}, x: null, P: meta }), 'a/s/3/<no value>/<no value>/web');
  assert.throws(() => flat.execute({ P: goStruct('v1.ObjectMeta', {}) }), /executing "t" at <.P.Name>: can't evaluate field Name/);
  assert.equal(compileTemplate('t', 'text only').execute(null), 'text only');
});

test('numbers are float64 and bigints are ints, as Go has them', () => {
  const t = compileTemplate('t', '{{printf "%v %d" .f .f}} {{printf "%v %d" .i .i}} {{eq .i 3}}');
  assert.equal(t.execute({ f: 3, i: 3n }), '3 %!d(float64=3) 3 3 true');
});

test('parse errors are TemplateErrors with the template name and line', () => {
  assert.throws(() => compileTemplate('dns', 'a\n{{if .x}}'), (e: unknown) => e instanceof TemplateError && e.message === 'template: dns:2: unexpected EOF');
  assert.throws(() => compileTemplate('dns', '{{nosuch 1}}'), { message: 'template: dns:1: function "nosuch" not defined' });
});

test('custom delimiters', () => {
  assert.equal(compileTemplate('t', '<<.a>> {{.a}}', { leftDelim: '<<', rightDelim: '>>' }).execute({ a: 1 }), '1 {{.a}}');
});

test('compiled templates are cached by name, text and options', () => {
  const a = compileTemplate('cached', '{{.}}');
  assert.equal(compileTemplate('cached', '{{.}}'), a);
  assert.notEqual(compileTemplate('cached', '{{.}}', { missingKey: 'zero' }), a);
  assert.notEqual(compileTemplate('cached2', '{{.}}'), a);
  assert.notEqual(compileTemplate('cached', '{{ . }}'), a);
});

test('execute returns well-formed text: a byte that is not UTF-8 becomes U+FFFD', () => {
  const t = compileTemplate('t', '{{slice "é" 0 1}}|{{"\\xff"}}');
  assert.equal(t.execute(null), '\uFFFD|\uFFFD');
  assert.equal(t.executeRaw(null), '\uDCC3|\uDCFF');
});

test('executions are independent: variables and output do not leak between them', () => {
  const t = compileTemplate('t', '{{$x := .}}{{range .}}{{$x = .}}{{end}}{{$x}}');
  assert.equal(t.execute([1, 2]), '2');
  assert.equal(t.execute([]), '[]');
});
