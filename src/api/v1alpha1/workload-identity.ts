import { z } from 'zod';
import type { EntryOptions } from '../entry-options.ts';
import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import { trustDomainSchema } from '../trust-domain-schema.ts';
import { ttlSecondsSchema } from '../ttl-seconds-schema.ts';
import type { Validated } from '../validation.ts';
import { conditionSchema, type Condition } from './condition.ts';
import { groupVersion } from './group-version.ts';
import { everything, labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { namespaceName } from './object-meta.ts';
import { templateTextSchema } from './template-text.ts';

export const workloadIdentityKind = 'WorkloadIdentity';

/** Which pods, in which clusters, get which SPIRE entry. Templates are Go text/template text. */
export interface WorkloadIdentitySpec extends EntryOptions {
  /** Templates see it as `.ApplicationName`. Default empty. */
  readonly applicationName: string;
  /** The namespace whose pods are selected; undefined selects pods of every namespace. */
  readonly namespace: string | undefined;
  readonly spiffeIDTemplate: string;
  /** Undefined: the config's `parentIDTemplate` applies. */
  readonly parentIDTemplate: string | undefined;
  /** Over the labels of the pod's namespace, as a ClusterSPIFFEID's. Default: every namespace. */
  readonly namespaceSelector: LabelSelector;
  /** Default: every pod (of the namespace). */
  readonly podSelector: LabelSelector;
  /** Over EKSClusterRegistry `spec.labels`. Default: every enabled cluster. */
  readonly clusterSelector: LabelSelector;
  readonly dnsNameTemplates: readonly string[];
  readonly workloadSelectorTemplates: readonly string[];
  /** Add the DNS names of the Services whose EndpointSlices point at the pod. Default false. */
  readonly autoPopulateDNSNames: boolean;
  /** The controller class that acts on it (config `className`, `watchClassless`). Default empty. */
  readonly className: string;
  /** Applies only to pods that no other (non-fallback) identity selects. Default false. */
  readonly fallback: boolean;
}

/** Counts from the last reconciliation. */
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
    spiffeIDTemplate: templateTextSchema('spec.spiffeIDTemplate'),
    parentIDTemplate: templateTextSchema('spec.parentIDTemplate', { allowEmpty: true }).nullish(),
    namespaceSelector: labelSelectorSchema.nullish(),
    podSelector: labelSelectorSchema.nullish(),
    clusterSelector: labelSelectorSchema.nullish(),
    ttl: ttlSecondsSchema.nullish(),
    jwtTtl: ttlSecondsSchema.nullish(),
    dnsNameTemplates: z.array(templateTextSchema('spec.dnsNameTemplates')).nullish(),
    workloadSelectorTemplates: z.array(templateTextSchema('spec.workloadSelectorTemplates')).nullish(),
    federatesWith: z.array(trustDomainSchema).nullish(),
    admin: z.boolean().nullish(),
    downstream: z.boolean().nullish(),
    autoPopulateDNSNames: z.boolean().nullish(),
    hint: z.string().nullish(),
    className: z.string().nullish(),
    fallback: z.boolean().nullish(),
  })
  .transform(
    (spec): WorkloadIdentitySpec => ({
      applicationName: spec.applicationName ?? '',
      namespace: spec.namespace === '' || spec.namespace === null ? undefined : spec.namespace,
      spiffeIDTemplate: spec.spiffeIDTemplate,
      parentIDTemplate: spec.parentIDTemplate === '' || spec.parentIDTemplate === null ? undefined : spec.parentIDTemplate,
      namespaceSelector: spec.namespaceSelector ?? everything,
      podSelector: spec.podSelector ?? everything,
      clusterSelector: spec.clusterSelector ?? everything,
      ttlSeconds: spec.ttl ?? 0,
      jwtTtlSeconds: spec.jwtTtl ?? 0,
      dnsNameTemplates: spec.dnsNameTemplates ?? [],
      workloadSelectorTemplates: spec.workloadSelectorTemplates ?? [],
      federatesWith: [...new Set(spec.federatesWith ?? [])].sort(),
      admin: spec.admin ?? false,
      downstream: spec.downstream ?? false,
      autoPopulateDNSNames: spec.autoPopulateDNSNames ?? false,
      hint: spec.hint ?? '',
      className: spec.className ?? '',
      fallback: spec.fallback ?? false,
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
