import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifests } from './manifests.ts';

test('multi-document YAML yields each object; empty documents are skipped', () => {
  const { objects, errors } = parseManifests('---\nkind: A\n---\n# only a comment\n---\nkind: B\n', 'f.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(objects, [{ kind: 'A' }, { kind: 'B' }]);
});

test('kind: List is flattened, as kubectl prints it', () => {
  const text = 'apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Node\n  metadata: {name: n}\n';
  const { objects } = parseManifests(text, 'dump.yaml');
  assert.deepEqual(objects, [
    { kind: 'Pod', metadata: { name: 'a' } },
    { kind: 'Node', metadata: { name: 'n' } },
  ]);
});

test('a typed list from the API gives its items their kind and apiVersion', () => {
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'a' } }] });
  const { objects, errors } = parseManifests(text, 'pods.json');
  assert.deepEqual(errors, []);
  assert.deepEqual(objects, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }]);
});

test('JSON is read directly, a top-level array too', () => {
  const { objects } = parseManifests('[{"kind":"A"},{"kind":"B"}]', 'f.json');
  assert.deepEqual(objects, [{ kind: 'A' }, { kind: 'B' }]);
});

test('YAML 1.2: yes/no stay strings and a quoted account ID keeps its leading zero', () => {
  const { objects } = parseManifests('a: yes\nb: "072422391281"\nc: 072422391281\n', 'f.yaml');
  assert.deepEqual(objects, [{ a: 'yes', b: '072422391281', c: 72422391281 }]);
});

test('syntax errors name the file and the document; other documents still load', () => {
  const { objects, errors } = parseManifests('kind: A\n---\nkind: [unclosed\n---\nkind: C\n', 'bad.yaml');
  assert.deepEqual(objects, [{ kind: 'A' }, { kind: 'C' }]);
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? '', /^bad\.yaml: document 2: /);
});

test('a document that is not a map is an error', () => {
  const { errors } = parseManifests('- a\n- b\n', 'list.yaml');
  assert.deepEqual(errors, ['list.yaml: document 1: expected a Kubernetes object (a map), got a list']);
});
