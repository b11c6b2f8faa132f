import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { main } from './main.ts';

let scratch = '';
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'convert-test-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function run(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (text) => (out += text), stderr: (text) => (err += text), ...(stdin === undefined ? {} : { readStdin: async () => stdin }) });
  return { code, out, err };
}

const scm = `apiVersion: spire.spiffe.io/v1alpha1
kind: ClusterSPIFFEID
metadata:
  name: default
spec:
  spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}"
  podSelector:
    matchLabels:
      spiffe.io/spiffe-id: "true"
---
apiVersion: spire.spiffe.io/v1alpha1
kind: ClusterStaticEntry
metadata:
  name: database
spec:
  spiffeID: spiffe://example.org/db/orders
  parentID: spiffe://example.org/spire/agent/join_token/db-host-1
  selectors: ["unix:uid:999"]
`;

const expected = `apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1
kind: WorkloadIdentity
metadata:
  name: default
spec:
  spiffeIDTemplate: spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}
  podSelector:
    matchLabels:
      spiffe.io/spiffe-id: "true"
---
apiVersion: spire.spiffe.io/v1alpha1
kind: ClusterStaticEntry
metadata:
  name: database
spec:
  spiffeID: spiffe://example.org/db/orders
  parentID: spiffe://example.org/spire/agent/join_token/db-host-1
  selectors:
    - unix:uid:999
`;

test('convert -f FILE writes multi-document YAML: the ClusterSPIFFEID as a WorkloadIdentity, the ClusterStaticEntry as it was', async () => {
  const file = join(scratch, 'scm.yaml');
  await writeFile(file, scm);
  const result = await run(['convert', '-f', file]);
  assert.equal(result.code, 0);
  assert.equal(result.out, expected);
  assert.equal(result.err, `${file}: ClusterStaticEntry database: kept as it is: the registrar applies ClusterStaticEntries unchanged (docs/scm-resources.md)\n`);
  assert.equal(parseAllDocuments(result.out).length, 2);
});

test('convert -f - reads standard input; -f DIR its manifest files, in name order', async () => {
  const fromStdin = await run(['convert', '-f', '-'], scm);
  assert.equal(fromStdin.code, 0);
  assert.equal(fromStdin.out, expected);
  const dir = join(scratch, 'dir');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  const [first, second] = scm.split('---\n');
  await writeFile(join(dir, 'b.yaml'), second ?? '');
  await writeFile(join(dir, 'a.yml'), first ?? '');
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  const fromDir = await run(['convert', '-f', dir]);
  assert.equal(fromDir.code, 0);
  assert.equal(fromDir.out, expected);
});

test('a file that does not parse or cannot be read exits 1 and writes nothing; an object that does not convert does not', async () => {
  const bad = join(scratch, 'bad.yaml');
  await writeFile(bad, 'kind: [unclosed\n');
  const parse = await run(['convert', '-f', bad, '-f', join(scratch, 'missing.yaml')]);
  assert.equal(parse.code, 1);
  assert.equal(parse.out, '');
  assert.match(parse.err, /bad\.yaml: document 1: /);
  assert.match(parse.err, /missing\.yaml: cannot read/);
  const invalid = await run(['convert', '-f', '-'], 'apiVersion: spire.spiffe.io/v1alpha1\nkind: ClusterSPIFFEID\nmetadata: {name: x}\nspec: {spiffeIDTemplate: "spiffe://example.org/x", surprise: 1}\n');
  assert.equal(invalid.code, 0);
  assert.match(invalid.out, /kind: ClusterSPIFFEID/);
  assert.equal(invalid.err, '(stdin): ClusterSPIFFEID x: spec.surprise: unknown field: not converted (kept as it is)\n');
});

test('convert without -f, or with an unknown option, is a usage error; --help prints the usage', async () => {
  assert.equal((await run(['convert'])).code, 1);
  assert.match((await run(['convert', '--bogus'])).err, /^convert: .*bogus/);
  const help = await run(['convert', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: spire-eks-workload-registrar convert -f FILE\|DIR\|- \.\.\./);
  assert.match((await run(['--help'])).out, /^ {2}convert /m);
});
