import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate } from '../template/compile.ts';
import { kubernetesPointer } from './kubernetes-values.ts';

function render(template: string, spec: unknown): string {
  return compileTemplate('t', template).execute(kubernetesPointer('v1.PodSpec', spec));
}

test('a field is read from the JSON only when a template looks at it', () => {
  const spec = {
    nodeName: 'node-1',
    get containers(): never {
      throw new Error('containers were read');
    },
  };
  assert.equal(render('{{ .NodeName }}', spec), 'node-1');
  assert.throws(() => render('{{ len .Containers }}', spec), /containers were read/);
});

test('absent fields are zero values; absent pointers are nil', () => {
  assert.equal(render('{{ .NodeName }}|{{ .HostNetwork }}|{{ .Containers }}|{{ len .Volumes }}|{{ .Priority }}|{{ .Overhead }}', {}), '|false|[]|0|<nil>|map[]');
  assert.equal(render('{{ .SecurityContext }}', {}), 'nil');
});

test('typed ints, bools and int-or-string ports are the Go values', () => {
  const spec = { priority: 7, containers: [{ name: 'a', ports: [{ containerPort: 80 }], livenessProbe: { tcpSocket: { port: 'http' } } }] };
  assert.equal(render('{{ .Priority }} {{ with index .Containers 0 }}{{ (index .Ports 0).ContainerPort }} {{ .LivenessProbe.TCPSocket.Port }}{{ end }}', spec), '7 80 http');
  assert.equal(render('{{ printf "%T %T" .Containers .Priority }}', spec), '[]v1.Container *int32');
});

test('methods of the Kubernetes types are refused, with the position', () => {
  assert.throws(() => render('{{ .String }}', {}), /t:1:3: executing "t" at <\.String>: String is a method of \*v1\.PodSpec; the registrar evaluates fields, not methods/);
});
