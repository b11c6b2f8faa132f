import { stringify } from 'yaml';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { applyDiff, type ApplyReport } from '../reconcile/apply-diff.ts';
import { diffEntries, type EntryDiff } from '../reconcile/diff-entries.ts';
import { listOwnedEntries } from '../reconcile/list-owned-entries.ts';
import type { Plan } from '../reconcile/plan-entries.ts';
import { createEntryClient, type EntryClient } from '../spire/entry-client.ts';
import { formatSelector } from '../spire/entry.ts';
import type { Command, CommandIo } from './command.ts';
import { entryDocument, parsePlanOptions, planFromFiles } from './plan.ts';

const sharedOptions = [
  '  --config FILE         the ControllerManagerConfig (or the ConfigMap holding it as config.yaml)',
  '  -f, --filename PATH   EKSClusterRegistry, WorkloadIdentity, ClusterSpiffeID and SpiffeID manifests: a file or a',
  '                        directory; repeatable',
  '  --cluster NAME=PATH   the Pods, Nodes, Namespaces and EndpointSlices of the EKSClusterRegistry NAME (as',
  '                        kubectl get pods,nodes,namespaces,endpointslices -A -o json prints them); repeatable.',
  "                        A managed cluster without one is unsynced: its entries are neither changed nor deleted.",
  '  --spire-socket PATH   spire-server\'s admin socket (default: the config\'s spireServerSocketPath)',
  '  -o, --output FORMAT   json (default), yaml or table',
];

/** The owned entries of the server and the writes that would bring them to the plan. */
async function diffAgainstServer(client: EntryClient, config: ControllerManagerConfig, plan: Plan): Promise<EntryDiff> {
  const actual = await listOwnedEntries(client, config.entryIDPrefix);
  return diffEntries(plan.entries, actual.values(), { entryIdPrefix: config.entryIDPrefix, keepIdPrefixes: plan.keepIdPrefixes, keepPodUids: plan.keepPodUids });
}

/** The diff as `diff -o json` prints it. */
export function diffDocument(diff: EntryDiff): Record<string, unknown> {
  return {
    creates: diff.creates.map(entryDocument),
    updates: diff.updates.map((update) => ({ ...entryDocument(update.entry), fields: update.fields })),
    deletes: diff.deletes,
  };
}

function diffTable(diff: EntryDiff): string {
  const lines = [
    ...diff.creates.map((entry) => `+ ${entry.id}  ${entry.spiffeId}  ${entry.selectors.map(formatSelector).join(',')}`),
    ...diff.updates.map((update) => `~ ${update.entry.id}  ${update.entry.spiffeId}  (${update.fields.join(', ')})`),
    ...diff.deletes.map((id) => `- ${id}`),
  ];
  return `${lines.map((line) => `${line}\n`).join('')}${diff.creates.length} to create, ${diff.updates.length} to update, ${diff.deletes.length} to delete\n`;
}

function print(io: CommandIo, output: string, document: Record<string, unknown>, table: string): void {
  if (output === 'table') io.stdout(table);
  else if (output === 'yaml') io.stdout(stringify(document));
  else io.stdout(`${JSON.stringify(document, null, 2)}\n`);
}

/**
 * Runs `diff` or `apply`: plans from files, reads the owned entries of the SPIRE server and diffs them;
 * `apply` then makes the writes. Exit 0 on success, 1 for invalid input (every problem listed; entries
 * that failed to render are listed and their pods' entries kept, the rest still applied), 2 when some
 * writes failed (each listed) or the server could not be reached.
 */
async function runAgainstServer(verb: 'diff' | 'apply', synopsis: string, args: readonly string[], io: CommandIo): Promise<number> {
  const options = parsePlanOptions(verb, synopsis, args, io.stderr, ['spire-socket']);
  if (options === undefined) return 1;
  const planned = await planFromFiles(options.files, io.stderr);
  if (planned === undefined) return 1;
  const { input, plan } = planned;
  for (const error of plan.errors) io.stderr(`${error.message}\n`);
  const socketPath = options.extra['spire-socket'] ?? input.config.spireServerSocketPath;
  const client = createEntryClient({ socketPath });
  try {
    let diff: EntryDiff;
    try {
      diff = await diffAgainstServer(client, input.config, plan);
    } catch (error) {
      io.stderr(`${verb}: cannot read the entries of the SPIRE server at ${socketPath}: ${(error as Error).message}\n`);
      return 2;
    }
    if (verb === 'diff') {
      print(io, options.output, diffDocument(diff), diffTable(diff));
      return plan.errors.length > 0 ? 1 : 0;
    }
    const report: ApplyReport = await applyDiff(client, diff);
    for (const failure of report.failures) io.stderr(`${failure.operation} failed: ${failure.message}\n`);
    const counts = { created: report.created, updated: report.updated, deleted: report.deleted, failed: report.failures.length };
    print(io, options.output, counts, `${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.failed} failed\n`);
    return report.failures.length > 0 ? 2 : plan.errors.length > 0 ? 1 : 0;
  } finally {
    client.close();
  }
}

const diffSynopsis = 'diff --config FILE -f PATH... [--cluster NAME=PATH]... [--spire-socket PATH] [-o json|yaml|table]';
const applySynopsis = 'apply --config FILE -f PATH... [--cluster NAME=PATH]... [--spire-socket PATH] [-o json|yaml|table]';

/** `diff`: what `apply` would write to the SPIRE server, without writing. */
export const diffCommand: Command = {
  name: 'diff',
  summary: "Show the creates, updates and deletes that would bring the SPIRE server's owned entries to the plan.",
  usage: [diffSynopsis, '', 'Options:', ...sharedOptions].join('\n'),
  run: (args, io) => runAgainstServer('diff', diffSynopsis, args, io),
};

/** `apply`: one-shot sync of the SPIRE server's owned entries to the plan. */
export const applyCommand: Command = {
  name: 'apply',
  summary: "Make the SPIRE server's owned entries match the plan once, and print what was written.",
  usage: [applySynopsis, '', 'Options:', ...sharedOptions, '', 'Exit status: 0 on success, 1 for invalid input, 2 when writes failed.'].join('\n'),
  run: (args, io) => runAgainstServer('apply', applySynopsis, args, io),
};
