import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from './main.ts';

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (t) => (out += t), stderr: (t) => (err += t) }, out: () => out, err: () => err };
}

const seed = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';
const data = JSON.stringify({ TrustDomain: 'example.org', PodMeta: { Namespace: 'prod' }, PodSpec: { ServiceAccountName: 'web' } });

test('template render prints the rendered template', async () => {
  const c = capture();
  assert.equal(await main(['template', 'render', '--template', seed, '--data', data], c.io), 0);
  assert.equal(c.out(), 'spiffe://example.org/ns/prod/sa/web');
  assert.equal(c.err(), '');
});

test('template render reads the template and the data from files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'template-render-'));
  writeFileSync(join(dir, 't.tmpl'), '{{range $k, $v := .}}{{$k}}={{$v}} {{end}}');
  writeFileSync(join(dir, 'd.json'), '{"b": 2.5, "a": [1, "x"]}');
  const c = capture();
  const code = await main(['template', 'render', '--template-file', join(dir, 't.tmpl'), '--data-file', join(dir, 'd.json')], c.io);
  assert.equal(code, 0, c.err());
  assert.equal(c.out(), 'a=[1 x] b=2.5 ');
});

test('JSON objects are maps: a missing key follows --missingkey', async () => {
  for (const [missingkey, expected] of [['default', '<no value>'], ['zero', '<no value>'], ['invalid', '<no value>']]) {
    const c = capture();
    assert.equal(await main(['template', 'render', '--template', '{{.nope}}', '--data', '{}', '--missingkey', missingkey as string], c.io), 0);
    assert.equal(c.out(), expected);
  }
  const c = capture();
  assert.equal(await main(['template', 'render', '--template', '{{.nope}}', '--data', '{}', '--missingkey', 'error'], c.io), 1);
  assert.equal(c.err(), 'template: template:1:2: executing "template" at <.nope>: map has no entry for key "nope"\n');
});

test('without data, dot is nil', async () => {
  const c = capture();
  assert.equal(await main(['template', 'render', '--template', '{{.}} {{printf "%v" .}}'], c.io), 0);
  assert.equal(c.out(), '<no value> <nil>');
});

test('a parse error is printed to stderr with exit code 1', async () => {
  const c = capture();
  assert.equal(await main(['template', 'render', '--template', 'a\n{{if .x}}'], c.io), 1);
  assert.equal(c.err(), 'template: template:2: unexpected EOF\n');
  assert.equal(c.out(), '');
});

test('an execution error is printed to stderr with exit code 1', async () => {
  const c = capture();
  assert.equal(await main(['template', 'render', '--template', '{{ .a.b }}', '--data', '{"a": "text"}'], c.io), 1);
  assert.equal(c.err(), 'template: template:1:5: executing "template" at <.a.b>: can\'t evaluate field b in type interface {}\n');
});

test('usage errors name what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['template'], /unknown or missing verb \(want render\)/],
    [['template', 'draw'], /unknown or missing verb "draw"/],
    [['template', 'render'], /exactly one of --template and --template-file/],
    [['template', 'render', '--template', 'x', '--template-file', 'y'], /exactly one of --template and --template-file/],
    [['template', 'render', '--template', 'x', '--data', '{}', '--data-file', 'y'], /at most one of --data and --data-file/],
    [['template', 'render', '--template', 'x', '--missingkey', 'maybe'], /--missingkey must be default, zero or error, not "maybe"/],
    [['template', 'render', '--template', 'x', '--data', '{'], /the data is not JSON/],
    [['template', 'render', '--template-file', '/nonexistent/t.tmpl'], /ENOENT/],
    [['template', 'render', '--template', 'x', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const c = capture();
    assert.equal(await main(args, c.io), 1, args.join(' '));
    assert.match(c.err(), message);
  }
});

test('template --help shows the usage', async () => {
  const c = capture();
  assert.equal(await main(['template', '--help'], c.io), 0);
  assert.match(c.out(), /template render \(--template TEXT \| --template-file PATH\)/);
});
