// Renders the seed's spiffeIDTemplate over 100k pods with the project's engine and with Go's
// text/template (the reference tool in test/tools/gotemplate), on the same template and data, and prints
// both times per render and the ratio. Two data models: JSON maps (as `template render` sees data) and
// structs (as the identity engine presents pods: goStruct in TypeScript, v1 structs in Go).
//
//   npx node bench/template-render.ts [pods]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileTemplate } from '../src/template/index.ts';
import { engineData } from '../test/template/engine-case.ts';
import { goTemplateBinary } from '../test/template/go-template-tool.ts';

const seedTemplate = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';
const pods = Number(process.argv[2] ?? 100_000);
// Go and the engine take turns, several times, and each keeps its fastest round: a busy machine slows
// both alike instead of whichever happened to run during a burst.
const turns = 5;
const rounds = 3;

function podJson(i: number, structs: boolean): unknown {
  const meta = { Name: `web-${i.toString(36)}`, Namespace: `team-${i % 97}`, UID: `uid-${i}`, Labels: { app: `app-${i % 13}` }, Annotations: {} };
  const spec = { ServiceAccountName: `sa-${i % 31}`, NodeName: `ip-10-0-${i % 250}-${i % 7}` };
  if (!structs) return { TrustDomain: 'example.org', ClusterName: 'prod-eks', PodMeta: meta, PodSpec: spec };
  return {
    $goStruct: 'v1.TemplateData',
    fields: {
      TrustDomain: 'example.org',
      ClusterName: 'prod-eks',
      PodMeta: { $goStruct: 'v1.ObjectMeta', fields: meta },
      PodSpec: { $goStruct: 'v1.PodSpec', fields: spec },
    },
  };
}

/** The fastest of several rounds of `pods` renders, in ns per render. */
function benchEngine(items: readonly unknown[]): number {
  const t = compileTemplate('bench', seedTemplate);
  let bytes = 0;
  const round = (): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < pods; i++) bytes += t.execute(items[i % items.length]).length;
    return Number(process.hrtime.bigint() - start) / pods;
  };
  round(); // warm-up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) best = Math.min(best, round());
  if (bytes === 0) throw new Error('nothing rendered');
  return best;
}

async function benchGo(dataFile: string): Promise<number> {
  const binary = await goTemplateBinary();
  const { stdout } = await promisify(execFile)(binary, ['bench', '-template', seedTemplate, '-data-file', dataFile, '-n', String(pods), '-rounds', String(rounds)]);
  return (JSON.parse(stdout) as { nsPerRender: number }).nsPerRender;
}

const dir = mkdtempSync(join(tmpdir(), 'template-bench-'));
try {
  console.log(`template: ${seedTemplate}`);
  console.log(`${pods} pods; Go and the engine take ${turns} turns of ${rounds} rounds, each keeps its fastest round\n`);
  for (const structs of [false, true]) {
    const json = Array.from({ length: pods }, (_, i) => podJson(i, structs));
    const file = join(dir, structs ? 'structs.json' : 'maps.json');
    writeFileSync(file, JSON.stringify(json));
    const items = json.map(engineData);
    let goNs = Infinity;
    let ours = Infinity;
    for (let turn = 0; turn < turns; turn++) {
      goNs = Math.min(goNs, await benchGo(file));
      ours = Math.min(ours, benchEngine(items));
    }
    const label = structs ? 'structs (goStruct / v1 structs)' : 'maps (JSON objects)';
    console.log(`${label}:`);
    console.log(`  engine (TypeScript): ${ours.toFixed(0)} ns/render`);
    console.log(`  Go text/template:    ${goNs.toFixed(0)} ns/render`);
    console.log(`  engine is ${(goNs / ours).toFixed(2)}x as fast as Go\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
