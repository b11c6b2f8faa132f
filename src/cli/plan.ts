import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseManifests } from '../api/manifests.ts';
import { parseResources, type Resources, type SourcedObject } from '../api/resources.ts';
import { spiffeIdPolicy } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import type { Validated } from '../api/validation.ts';
import { matchesLabels } from '../api/v1alpha1/label-selector.ts';
import { readControllerManagerConfig } from '../config/load-config.ts';
import { sweepHold } from '../controller/sweep-hold.ts';
import { clusterSnapshotFromObjects, type ClusterSnapshot } from '../identity/cluster-snapshot.ts';
import { actsOnClass } from '../reconcile/cluster-spiffeid-identity.ts';
import { plannedRelationships, type PlannedRelationship } from '../reconcile/federation-plan.ts';
import { planEntries, type Plan, type PlanInput } from '../reconcile/plan-entries.ts';
import { formatSelector, type RegistrationEntry } from '../spire/entry.ts';
import type { Command } from './command.ts';

/** Where `plan` (and `diff`, `apply`) read their inputs. */
export interface PlanFiles {
  /** The ControllerManagerConfig file. */
  readonly configPath: string;
  /** Files or directories (their .yaml, .yml and .json files) of EKSClusterRegistries, WorkloadIdentities, ClusterSpiffeIDs and SpiffeIDs. */
  readonly manifestPaths: readonly string[];
  /** Per EKSClusterRegistry name, a dump of the cluster's Pods, Nodes, Namespaces and EndpointSlices. */
  readonly clusterPaths: ReadonlyMap<string, string>;
}

const manifestExtensions = /\.(?:ya?ml|json)$/;

async function manifestFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => manifestExtensions.test(name)).sort();
  return names.map((name) => join(path, name));
}

/** The objects of a manifest file, or of a directory's .yaml, .yml and .json files; every problem listed. */
export async function readObjects(path: string): Promise<{ objects: SourcedObject[]; errors: string[] }> {
  const objects: SourcedObject[] = [];
  const errors: string[] = [];
  let files: string[];
  try {
    files = await manifestFiles(path);
  } catch (error) {
    return { objects, errors: [`${path}: cannot read: ${(error as Error).message}`] };
  }
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      errors.push(`${file}: cannot read: ${(error as Error).message}`);
      continue;
    }
    const manifests = parseManifests(text, file);
    errors.push(...manifests.errors);
    for (const object of manifests.objects) objects.push({ object, source: file });
  }
  return { objects, errors };
}

/** A plan's input as the files give it, read as the controller would read the cluster. */
export interface LoadedPlanInput extends PlanInput, Pick<Resources, 'clusterFederatedTrustDomains'> {
  /**
   * Why entries that no source wants must stay, as the controller's sweepHold says it: objects of this
   * class of a kind that `reconcile` turned off are in the files. Undefined otherwise.
   */
  readonly sweepHold: string | undefined;
}

/**
 * Reads and validates everything a plan needs. Every problem of every file is listed (none stops the
 * others): invalid config, invalid or duplicate objects, unreadable dumps, dumps of unknown clusters.
 * The config's `reconcile` and clusterSPIFFEID labels leave out what the controller would not read.
 */
export async function loadPlanInput(files: PlanFiles): Promise<Validated<LoadedPlanInput>> {
  const errors: string[] = [];
  const config = await readControllerManagerConfig(files.configPath);
  if (!config.ok) errors.push(...config.errors);

  const sourced: SourcedObject[] = [];
  for (const path of files.manifestPaths) {
    const read = await readObjects(path);
    errors.push(...read.errors);
    sourced.push(...read.objects);
  }
  const resources = parseResources(sourced, config.ok ? { trustDomain: config.value.trustDomain, spiffeIdPolicy: spiffeIdPolicy(config.value) } : {});
  if (!resources.ok) errors.push(...resources.errors);
  const registryNames = new Set(resources.ok ? resources.value.registries.map((registry) => registry.metadata.name) : []);

  const snapshots = new Map<string, ClusterSnapshot>();
  for (const [name, path] of files.clusterPaths) {
    if (resources.ok && !registryNames.has(name)) {
      errors.push(`--cluster ${name}=${path}: no EKSClusterRegistry is named ${JSON.stringify(name)}`);
      continue;
    }
    const read = await readObjects(path);
    const { snapshot, errors: objectErrors } = clusterSnapshotFromObjects(read.objects.map((sourced) => sourced.object));
    errors.push(...read.errors.map((error) => `cluster ${name}: ${error}`), ...objectErrors.map((error) => `cluster ${name}: ${path}: ${error}`));
    snapshots.set(name, snapshot);
  }

  if (!config.ok || !resources.ok || errors.length > 0) return { ok: false, errors };
  const { reconcile, clusterSPIFFEIDCacheLabels } = config.value;
  const read = { matchLabels: clusterSPIFFEIDCacheLabels, matchExpressions: [] };
  const labelled = resources.value.clusterSPIFFEIDs.filter((object) => matchesLabels(read, object.metadata.labels));
  const hold = await sweepHold(config.value, async (plural) => (plural === 'clusterspiffeids' ? labelled : resources.value.clusterStaticEntries));
  return {
    ok: true,
    value: {
      config: config.value,
      ...resources.value,
      clusterSPIFFEIDs: reconcile.clusterSPIFFEIDs ? labelled : [],
      clusterStaticEntries: reconcile.clusterStaticEntries ? resources.value.clusterStaticEntries : [],
      clusterFederatedTrustDomains: reconcile.clusterFederatedTrustDomains ? resources.value.clusterFederatedTrustDomains : [],
      snapshots,
      sweepHold: hold,
    },
  };
}

/** An entry as the commands print it: its fields, with selectors as `type:value` strings. */
export function entryDocument(entry: RegistrationEntry): Record<string, unknown> {
  return { ...entry, selectors: entry.selectors.map(formatSelector) };
}

/** The federation relationships the ClusterFederatedTrustDomains of this registrar's class would set. */
export function federationPlan(input: LoadedPlanInput): PlannedRelationship[] {
  return plannedRelationships(
    input.clusterFederatedTrustDomains.map((object) => ({
      name: object.metadata.name,
      creationTimestamp: object.metadata.creationTimestamp,
      relationship: object.spec.relationship,
      actsOn: actsOnClass(object.spec.className, input.config),
    })),
  );
}

/** The plan as `plan -o json` prints it: each entry also names its cluster and identities; the federation relationships, if any. */
export function planDocument(plan: Plan, federationRelationships: readonly PlannedRelationship[] = []): Record<string, unknown> {
  return {
    ...(federationRelationships.length > 0 ? { federationRelationships } : {}),
    entries: plan.entries.map(entryDocument),
    identities: plan.identities,
    clusterSPIFFEIDs: plan.clusterSPIFFEIDs,
    spiffeIds: plan.spiffeIds,
    clusters: plan.clusters,
    errors: plan.errors,
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('   ')).join('\n') + '\n';
}

/**
 * The plan for people: entries, then identities (ClusterSPIFFEIDs among them, by source name), the
 * ClusterSpiffeIDs, SpiffeIDs and ClusterStaticEntries (if any), clusters and errors.
 */
export function planTable(plan: Plan, federationRelationships: readonly PlannedRelationship[] = []): string {
  const entries = table([
    ['SPIFFE ID', 'PARENT ID', 'SELECTORS', 'CLUSTER', 'IDENTITIES', 'ID'],
    ...plan.entries.map((entry) => [entry.spiffeId, entry.parentId, entry.selectors.map(formatSelector).join(','), entry.cluster, entry.identities.join(','), entry.id]),
  ]);
  const identities = table([
    ['IDENTITY', 'CLUSTERS', 'NAMESPACES', 'PODS', 'ENTRIES', 'MASKED', 'FAILURES'],
    ...[...plan.identities, ...plan.clusterSPIFFEIDs].map(({ name, stats }) => [
      name,
      String(stats.clustersTargeted),
      String(stats.namespacesFound),
      String(stats.podsSelected),
      String(stats.entriesRegistered),
      String(stats.entriesMasked),
      String(stats.renderFailures),
    ]),
  ]);
  const spiffeIds = table([
    ['SPIFFEID', 'CLUSTER', 'STATE', 'ENTRY ID'],
    ...plan.spiffeIds.flatMap(({ name, clusters }) => clusters.map((cluster) => [name, cluster.cluster, cluster.state, cluster.entryId])),
  ]);
  const clusters = table([
    ['CLUSTER', 'EKS CLUSTER', 'STATE', 'NAMESPACES', 'ENTRIES'],
    ...plan.clusters.map((cluster) => [cluster.name, cluster.clusterName, cluster.state, String(cluster.namespacesCount), String(cluster.entriesRegistered)]),
  ]);
  const federation = table([
    ['TRUST DOMAIN', 'BUNDLE ENDPOINT URL', 'PROFILE', 'BUNDLE', 'CLUSTERFEDERATEDTRUSTDOMAIN', 'MASKED'],
    ...federationRelationships.map((r) => [r.trustDomain, r.bundleEndpointURL, r.endpointSPIFFEID === undefined ? r.bundleEndpointProfile : `${r.bundleEndpointProfile} ${r.endpointSPIFFEID}`, r.trustDomainBundle ? 'yes' : 'no', r.clusterFederatedTrustDomain, r.masked.join(',')]),
  ]);
  const errors = plan.errors.length === 0 ? '' : `\nErrors:\n${plan.errors.map((error) => `  ${error.message}\n`).join('')}`;
  return `${entries}\n${identities}\n${plan.spiffeIds.length > 0 ? `${spiffeIds}\n` : ''}${clusters}${federationRelationships.length > 0 ? `\n${federation}` : ''}${errors}`;
}

const synopsis = 'plan --config FILE -f PATH... [--cluster NAME=PATH]... [-o json|yaml|table]';

// main prints the usage for --help; the options are part of it.
const usage = [
  synopsis,
  '',
  'Options:',
  '  --config FILE         the ControllerManagerConfig (or the ConfigMap holding it as config.yaml)',
  '  -f, --filename PATH   EKSClusterRegistry, WorkloadIdentity, ClusterSpiffeID and SpiffeID manifests: a file or a',
  '                        directory; repeatable',
  '  --cluster NAME=PATH   the Pods, Nodes, Namespaces and EndpointSlices of the EKSClusterRegistry NAME, e.g. from',
  '                        kubectl get pods,nodes,namespaces,endpointslices -A -o yaml (-o json reads faster);',
  '                        repeatable. A managed cluster without one is reported unsynced: its pods get no entries',
  '                        (ClusterSpiffeIDs and SpiffeIDs do not depend on pods: theirs are planned).',
  '  -o, --output FORMAT   json (default), yaml or table',
  '',
  "spire-controller-manager's kinds are read too: ClusterSPIFFEIDs and ClusterStaticEntries give entries;",
  'ClusterFederatedTrustDomains give the federation relationships they would set (federationRelationships).',
  '',
  'Exit status: 0 when every entry rendered; 1 for invalid input (every problem is listed), or when an entry',
  'failed to render (the plan is still printed, with the failures under "errors").',
].join('\n');

const summary = 'Compute offline the SPIRE entries the WorkloadIdentities, ClusterSpiffeIDs and SpiffeIDs want in the given clusters.';

const outputFormats = ['json', 'yaml', 'table'] as const;

/** The parsed options shared by `plan`, `diff` and `apply`, plus a verb's own string options. */
export interface PlanOptions {
  readonly files: PlanFiles;
  readonly output: (typeof outputFormats)[number];
  readonly extra: Readonly<Record<string, string | undefined>>;
}

/**
 * Parses the options `plan`, `diff` and `apply` share (and `extra`, a verb's own string options); on a
 * problem, writes every problem and the synopsis to stderr and returns undefined.
 */
export function parsePlanOptions(
  verb: string,
  verbSynopsis: string,
  args: readonly string[],
  stderr: (text: string) => void,
  extra: readonly string[] = [],
): PlanOptions | undefined {
  const fail = (problems: readonly string[]): undefined => {
    stderr(`${problems.map((problem) => `${verb}: ${problem}\n`).join('')}Usage: spire-eks-workload-registrar ${verbSynopsis}\n`);
    return undefined;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string' },
        filename: { type: 'string', short: 'f', multiple: true },
        cluster: { type: 'string', multiple: true },
        output: { type: 'string', short: 'o', default: 'json' },
        ...Object.fromEntries(extra.map((name) => [name, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail([(error as Error).message]);
  }
  const problems: string[] = [];
  if (parsed.config === undefined) problems.push('--config FILE is required');
  if ((parsed.filename ?? []).length === 0) problems.push('-f PATH is required (the EKSClusterRegistry, WorkloadIdentity, ClusterSpiffeID and SpiffeID manifests)');
  const output = parsed.output;
  if (!(outputFormats as readonly string[]).includes(output)) problems.push(`-o ${output}: expected one of ${outputFormats.join(', ')}`);
  const clusterPaths = new Map<string, string>();
  for (const value of parsed.cluster ?? []) {
    const equals = value.indexOf('=');
    const name = value.slice(0, equals);
    if (equals <= 0 || equals === value.length - 1) problems.push(`--cluster ${value}: expected NAME=PATH`);
    else if (clusterPaths.has(name)) problems.push(`--cluster ${name}: given more than once`);
    else clusterPaths.set(name, value.slice(equals + 1));
  }
  if (problems.length > 0 || parsed.config === undefined) return fail(problems);
  const values = parsed as Record<string, unknown>;
  return {
    files: { configPath: parsed.config, manifestPaths: parsed.filename ?? [], clusterPaths },
    output: output as PlanOptions['output'],
    extra: Object.fromEntries(extra.map((name) => [name, typeof values[name] === 'string' ? values[name] : undefined])),
  };
}

/** Loads and plans; writes input errors and unsynced-cluster notes to stderr. Undefined on invalid input. */
export async function planFromFiles(files: PlanFiles, stderr: (text: string) => void): Promise<{ input: LoadedPlanInput; plan: Plan; federation: PlannedRelationship[] } | undefined> {
  const input = await loadPlanInput(files);
  if (!input.ok) {
    stderr(input.errors.map((error) => `${error}\n`).join(''));
    return undefined;
  }
  const plan = planEntries(input.value);
  for (const cluster of plan.clusters) {
    if (cluster.state === 'unsynced') stderr(`cluster ${cluster.name}: no --cluster ${cluster.name}=PATH given: its pods' entries are not planned\n`);
  }
  return { input: input.value, plan, federation: federationPlan(input.value) };
}

/** `plan`: the desired entries of the fleet, from files, without touching any cluster or SPIRE server. */
export const planCommand: Command = {
  name: 'plan',
  summary,
  usage,
  run: async (args, io) => {
    const options = parsePlanOptions('plan', synopsis, args, io.stderr);
    if (options === undefined) return 1;
    const planned = await planFromFiles(options.files, io.stderr);
    if (planned === undefined) return 1;
    const { plan, federation } = planned;
    if (options.output === 'table') io.stdout(planTable(plan, federation));
    else if (options.output === 'yaml') io.stdout(stringify(planDocument(plan, federation)));
    else io.stdout(`${JSON.stringify(planDocument(plan, federation), null, 2)}\n`);
    return plan.errors.length > 0 ? 1 : 0;
  },
};
