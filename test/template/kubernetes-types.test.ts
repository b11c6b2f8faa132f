// The committed type model (src/identity/kubernetes-types.ts) is what the generator in test/tools/gotemplate
// prints today from k8s.io/api: regenerate it with `go run . kube-types > ../../../src/identity/kubernetes-types.ts`
// in test/tools/gotemplate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { goTemplateBinary } from './go-template-tool.ts';

it('src/identity/kubernetes-types.ts equals a fresh generation from k8s.io/api', async () => {
  const { stdout } = await promisify(execFile)(await goTemplateBinary(), ['kube-types'], { maxBuffer: 16 << 20 });
  const committed = readFileSync(new URL('../../src/identity/kubernetes-types.ts', import.meta.url), 'utf8');
  assert.ok(stdout.includes("name: 'v1.PodSpec'") && stdout.includes("kubernetesVersion = 'v0.35.4'"), 'the generator printed the model of k8s.io/api v0.35.4');
  assert.equal(committed, stdout);
});
