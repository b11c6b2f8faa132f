import { stringify } from 'yaml';
import { applyDiff, type ApplyReport } from '../reconcile/apply-diff.ts';
import { diffEntries, type EntryDiff } from '../reconcile/diff-entries.ts';
import { listOwnedEntries } from '../reconcile/list-owned-entries.ts';
import type { Plan } from '../reconcile/plan-entries.ts';
import { cleanupDeletes, isCleanupEntry, type CleanupDeletes } from '../reconcile/prefix-cleanup.ts';
import { createEntryClient, type EntryClient } from '../spire/entry-client.ts';
import { formatSelector, type RegistrationEntry } from '../spire/entry.ts';
import type { Command, CommandIo } from './command.ts';
import { entryDocument, parsePlanOptions, planFromFiles, type LoadedPlanInput } from './plan.ts';

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

/**
 * The writes that would bring the server's owned entries to the plan, and the entries entryIDPrefixCleanup
 * deletes around them, as a full reconciliation of the controller makes them (held alike).
 */
async function diffAgainstServer(client: EntryClient, input: LoadedPlanInput, plan: Plan, io: CommandIo): Promise<{ diff: EntryDiff; cleanup: CleanupDeletes }> {
  const { config } = input;
  const rule = { entryIdPrefix: config.entryIDPrefix, cleanupPrefixes: config.entryIDPrefixCleanup };
  const candidates: RegistrationEntry[] = [];
  const actual = await listOwnedEntries(client, config.entryIDPrefix, { others: (entry) => void (isCleanupEntry(entry, rule) && candidates.push(entry)) });
  const diff = diffEntries(plan.entries, actual, { entryIdPrefix: config.entryIDPrefix, keepIdPrefixes: plan.keepIdPrefixes, keepPodEntryIdPrefixes: plan.keepPodEntryIdPrefixes, keepPodUids: plan.keepPodUids });
  if (input.sweepHold !== undefined) {
    if (diff.deletes.length > 0 || candidates.length > 0) io.stderr(`${diff.deletes.length + candidates.length} entries not deleted: ${input.sweepHold}\n`);
    return { diff: { ...diff, deletes: [] }, cleanup: { before: [], after: [], held: input.sweepHold } };
  }
  const cleanup = cleanupDeletes(candidates, diff.creates, { keepIdPrefixes: plan.keepIdPrefixes, keepPodEntryIdPrefixes: plan.keepPodEntryIdPrefixes, keepPodUids: plan.keepPodUids });
  if (cleanup.held !== undefined) io.stderr(`entryIDPrefixCleanup: ${candidates.length} entries not deleted: ${cleanup.held}\n`);
  return { diff, cleanup };
}

/** The diff as `diff -o json` prints it; `cleanupDeletes` are the entryIDPrefixCleanup entries (not the registrar's). */
export function diffDocument(diff: EntryDiff, cleanup: CleanupDeletes = { before: [], after: [] }): Record<string, unknown> {
  return {
    creates: diff.creates.map(entryDocument),
    updates: diff.updates.map((update) => ({ ...entryDocument(update.entry), fields: update.fields })),
    deletes: diff.deletes,
    cleanupDeletes: [...cleanup.before, ...cleanup.after].sort(),
  };
}

function diffTable(diff: EntryDiff, cleanup: CleanupDeletes): string {
  const cleaned = [...cleanup.before, ...cleanup.after].sort();
  const lines = [
    ...diff.creates.map((entry) => `+ ${entry.id}  ${entry.spiffeId}  ${entry.selectors.map(formatSelector).join(',')}`),
    ...diff.updates.map((update) => `~ ${update.entry.id}  ${update.entry.spiffeId}  (${update.fields.join(', ')})`),
    ...diff.deletes.map((id) => `- ${id}`),
    ...cleaned.map((id) => `- ${id}  (entryIDPrefixCleanup)`),
  ];
  const cleanupCount = cleaned.length === 0 ? '' : `, ${cleaned.length} to delete by entryIDPrefixCleanup`;
  return `${lines.map((line) => `${line}\n`).join('')}${diff.creates.length} to create, ${diff.updates.length} to update, ${diff.deletes.length} to delete${cleanupCount}\n`;
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
    let cleanup: CleanupDeletes;
    try {
      ({ diff, cleanup } = await diffAgainstServer(client, input, plan, io));
    } catch (error) {
      io.stderr(`${verb}: cannot read the entries of the SPIRE server at ${socketPath}: ${(error as Error).message}\n`);
      return 2;
    }
    if (verb === 'diff') {
      print(io, options.output, diffDocument(diff, cleanup), diffTable(diff, cleanup));
      return plan.errors.length > 0 ? 1 : 0;
    }
    // As the controller orders them: cleanup entries that would block a create go first, the rest last.
    const none = { creates: [], updates: [] };
    const parts: ApplyReport[] = [];
    if (cleanup.before.length > 0) parts.push(await applyDiff(client, { ...none, deletes: cleanup.before }));
    parts.push(await applyDiff(client, diff));
    if (cleanup.after.length > 0) parts.push(await applyDiff(client, { ...none, deletes: cleanup.after }));
    const report: ApplyReport = parts.reduce((total, part) => ({ created: total.created + part.created, updated: total.updated + part.updated, deleted: total.deleted + part.deleted, failures: [...total.failures, ...part.failures] }));
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
