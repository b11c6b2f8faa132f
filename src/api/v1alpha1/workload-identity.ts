import { z } from 'zod';
import { podIdentityTemplateFields, podIdentityTemplates, type PodIdentityTemplates } from '../pod-identity-templates.ts';
import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import type { Validated } from '../validation.ts';
import { conditionSchema, type Condition } from './condition.ts';
import { groupVersion } from './group-version.ts';
import { everything, labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { namespaceName } from './object-meta.ts';
import { templateTextSchema } from './template-text.ts';

export const workloadIdentityKind = 'WorkloadIdentity';

/** Which pods, in which clusters, get which SPIRE entry. Templates are Go text/template text. */
export interface WorkloadIdentitySpec extends PodIdentityTemplates {
  /** Templates see it as `.ApplicationName`. Default empty. */
  readonly applicationName: string;
  /** The namespace whose pods are selected; undefined selects pods of every namespace. */
  readonly namespace: string | undefined;
  /** Undefined: the config's `parentIDTemplate` applies. */
  readonly parentIDTemplate: string | undefined;
  /** Over EKSClusterRegistry `spec.labels`. Default: every enabled cluster. */
  readonly clusterSelector: LabelSelector;
}

export interface WorkloadIdentityStats {
  readonly clustersTargeted: number;
  readonly namespacesFound: number;
  readonly podsSelected: number;
  readonly entriesRegistered: number;
  /** Entries this identity would produce that an older identity produces too (the older one's fields win). */
  readonly entriesMasked: number;
  readonly renderFailures: number;
}

export interface WorkloadIdentityStatus {
  readonly stats: WorkloadIdentityStats | undefined;
  /** RFC 3339 time of the last reconciliation. */
  readonly lastReconciliation: string | undefined;
  readonly conditions: readonly Condition[];
}

export type WorkloadIdentity = CustomResource<typeof workloadIdentityKind, WorkloadIdentitySpec, WorkloadIdentityStatus>;

const specSchema = z
  .strictObject({
    applicationName: z.string().nullish(),
    namespace: z
      .string()
      .refine((name) => name === '' || namespaceName.test(name), { error: (issue) => `invalid namespace name ${JSON.stringify(issue.input)}` })
      .nullish(),
    ...podIdentityTemplateFields,
    parentIDTemplate: templateTextSchema('spec.parentIDTemplate', { allowEmpty: true }).nullish(),
    clusterSelector: labelSelectorSchema.nullish(),
  })
  .transform(
    (spec): WorkloadIdentitySpec => ({
      ...podIdentityTemplates(spec),
      applicationName: spec.applicationName ?? '',
      namespace: spec.namespace === '' || spec.namespace === null ? undefined : spec.namespace,
      parentIDTemplate: spec.parentIDTemplate === '' || spec.parentIDTemplate === null ? undefined : spec.parentIDTemplate,
      clusterSelector: spec.clusterSelector ?? everything,
    }),
  );

const countSchema = z.number().int().nonnegative().nullish();

const statsSchema = z
  .looseObject({
    clustersTargeted: countSchema,
    namespacesFound: countSchema,
    podsSelected: countSchema,
    entriesRegistered: countSchema,
    entriesMasked: countSchema,
    renderFailures: countSchema,
  })
  .transform(
    (stats): WorkloadIdentityStats => ({
      clustersTargeted: stats.clustersTargeted ?? 0,
      namespacesFound: stats.namespacesFound ?? 0,
      podsSelected: stats.podsSelected ?? 0,
      entriesRegistered: stats.entriesRegistered ?? 0,
      entriesMasked: stats.entriesMasked ?? 0,
      renderFailures: stats.renderFailures ?? 0,
    }),
  );

const statusSchema = z
  .looseObject({
    stats: statsSchema.nullish(),
    lastReconciliation: z.string().nullish(),
    conditions: z.array(conditionSchema).nullish(),
  })
  .transform(
    (status): WorkloadIdentityStatus => ({
      stats: status.stats ?? undefined,
      lastReconciliation: status.lastReconciliation ?? undefined,
      conditions: status.conditions ?? [],
    }),
  );

const emptyStatus: WorkloadIdentityStatus = { stats: undefined, lastReconciliation: undefined, conditions: [] };

export const workloadIdentitySchema = customResourceSchema({ apiVersion: groupVersion, kind: workloadIdentityKind, spec: specSchema, status: statusSchema, emptyStatus });

/** Validates a Kubernetes object as a WorkloadIdentity; errors read `WorkloadIdentity <name>: <field>: <problem>`. */
export function parseWorkloadIdentity(object: unknown): Validated<WorkloadIdentity> {
  return parseCustomResource(workloadIdentitySchema, workloadIdentityKind, object);
}
