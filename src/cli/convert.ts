import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseManifests } from '../api/manifests.ts';
import type { Command, CommandIo } from './command.ts';
import { convertManifests, type ConvertInput } from './convert-manifests.ts';
import { readObjects } from './plan.ts';

const synopsis = 'convert -f FILE|DIR|- ...';

// main prints the usage for --help; the options are part of it.
const usage = [
  synopsis,
  '',
  "Turns spire-controller-manager manifests into the registrar's: each ClusterSPIFFEID (spire.spiffe.io/v1alpha1)",
  'becomes a WorkloadIdentity that makes the same entries in the same clusters (the registry selector annotation',
  'becomes spec.clusterSelector). ClusterStaticEntries, and objects of any other kind, are written as they are:',
  'the registrar applies ClusterStaticEntries unchanged.',
  '',
  'Options:',
  '  -f, --filename PATH   a file (multi-document YAML, JSON, kubectl lists), a directory (its .yaml, .yml and',
  '                        .json files) or - for standard input; repeatable',
  '',
  'Writes the converted manifests to standard output as multi-document YAML, and to standard error what it did',
  'not convert or what needs a look, naming the file, the object and the field.',
  '',
  'Exit status: 0, also when some objects could not be converted; 1 when a file cannot be read or parsed (nothing',
  'is written to standard output then).',
].join('\n');

async function readInputs(paths: readonly string[], io: CommandIo): Promise<{ inputs: ConvertInput[]; errors: string[] }> {
  const inputs: ConvertInput[] = [];
  const errors: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      if (io.readStdin === undefined) {
        errors.push('-: standard input is not available');
        continue;
      }
      const manifests = parseManifests(await io.readStdin(), '(stdin)');
      errors.push(...manifests.errors);
      inputs.push(...manifests.objects.map((object) => ({ object, source: '(stdin)' })));
      continue;
    }
    const read = await readObjects(path);
    errors.push(...read.errors);
    inputs.push(...read.objects);
  }
  return { inputs, errors };
}

/** `convert`: spire-controller-manager's manifests as the registrar's kinds, offline. */
export const convertCommand: Command = {
  name: 'convert',
  summary: "Convert spire-controller-manager's ClusterSPIFFEIDs into WorkloadIdentities (ClusterStaticEntries stay as they are).",
  usage,
  run: async (args, io) => {
    let paths: string[];
    try {
      paths = parseArgs({ args: [...args], options: { filename: { type: 'string', short: 'f', multiple: true } }, strict: true, allowPositionals: false }).values.filename ?? [];
    } catch (error) {
      io.stderr(`convert: ${(error as Error).message}\nUsage: spire-eks-workload-registrar ${synopsis}\n`);
      return 1;
    }
    if (paths.length === 0) {
      io.stderr(`convert: -f PATH is required (the spire-controller-manager manifests)\nUsage: spire-eks-workload-registrar ${synopsis}\n`);
      return 1;
    }
    const { inputs, errors } = await readInputs(paths, io);
    if (errors.length > 0) {
      io.stderr(errors.map((error) => `${error}\n`).join(''));
      return 1;
    }
    const { objects, notes } = convertManifests(inputs);
    io.stdout(objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n'));
    io.stderr(notes.map((note) => `${note}\n`).join(''));
    return 0;
  },
};
