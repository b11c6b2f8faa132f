import { z } from 'zod';
import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import type { EntryOptions } from '../entry-options.ts';
import { dnsNameProblem } from '../../identity/dns-name.ts';
import { entrySpiffeIdProblem } from '../../identity/entry-spiffe-id.ts';
import { parseWorkloadSelector } from '../../identity/workload-selector.ts';
import type { Selector } from '../../spire/entry.ts';
import { parseSpiffeId } from '../../spire/spiffe-id.ts';
import { trustDomainSchema } from '../trust-domain-schema.ts';
import { ttlSecondsSchema } from '../ttl-seconds-schema.ts';
import { conditionSchema, type Condition } from '../v1alpha1/condition.ts';
import { everything, type LabelSelector } from '../v1alpha1/label-selector.ts';
import type { Validated } from '../validation.ts';
import { spireGroupVersion } from './group-version.ts';
import { registrySelectorOf } from './registry-selector.ts';

export const clusterStaticEntryKind = 'ClusterStaticEntry';

/** spire-controller-manager's ClusterStaticEntry: one literal entry, here wanted for every cluster its registry selector matches. */
export interface ClusterStaticEntrySpec extends EntryOptions {
  readonly spiffeId: string;
  readonly parentId: string;
  /** In the order written. */
  readonly selectors: readonly Selector[];
  readonly dnsNames: readonly string[];
  /** The controller class that acts on the object; empty (the default) is the classless one. */
  readonly className: string;
  /** Over EKSClusterRegistry `spec.labels`, from the registry selector annotation. Default: every managed cluster. */
  readonly clusterSelector: LabelSelector;
}

export interface ClusterStaticEntryStatus {
  readonly conditions: readonly Condition[];
}

export type ClusterStaticEntry = CustomResource<typeof clusterStaticEntryKind, ClusterStaticEntrySpec, ClusterStaticEntryStatus>;

const spiffeIdSchema = z.string().superRefine((text, ctx) => {
  try {
    parseSpiffeId(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const selectorSchema = z.string().transform((text, ctx): Selector => {
  const parsed = parseWorkloadSelector(text);
  if ('selector' in parsed) return parsed.selector;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

const dnsNameSchema = z.string().superRefine((name, ctx) => {
  const problem = dnsNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const specSchema = z
  .strictObject({
    spiffeID: spiffeIdSchema,
    parentID: spiffeIdSchema,
    selectors: z.array(selectorSchema).min(1, { error: 'at least one selector is required: an entry without selectors would match every workload under its parent' }),
    federatesWith: z.array(trustDomainSchema).nullish(),
    x509SVIDTTL: ttlSecondsSchema.nullish(),
    jwtSVIDTTL: ttlSecondsSchema.nullish(),
    dnsNames: z.array(dnsNameSchema).nullish(),
    hint: z.string().nullish(),
    admin: z.boolean().nullish(),
    downstream: z.boolean().nullish(),
    // The registrar's entries carry no store_svid yet: a true value is refused rather than dropped.
    storeSVID: z.boolean().refine((store) => !store, { error: 'not supported: the registrar does not write store_svid entries; omit it or set false' }).nullish(),
    className: z.string().nullish(),
  })
  .transform(
    (spec): ClusterStaticEntrySpec => ({
      spiffeId: spec.spiffeID,
      parentId: spec.parentID,
      selectors: spec.selectors,
      dnsNames: [...new Set(spec.dnsNames ?? [])],
      federatesWith: [...new Set(spec.federatesWith ?? [])].sort(),
      ttlSeconds: spec.x509SVIDTTL ?? 0,
      jwtTtlSeconds: spec.jwtSVIDTTL ?? 0,
      admin: spec.admin ?? false,
      downstream: spec.downstream ?? false,
      hint: spec.hint ?? '',
      className: spec.className ?? '',
      clusterSelector: everything,
    }),
  );

// The registrar writes the status and reads back only the conditions; SCM's three flags are listed so that
// the CRD and this schema can be checked to agree.
const statusSchema = z
  .looseObject({
    rendered: z.boolean().nullish(),
    masked: z.boolean().nullish(),
    set: z.boolean().nullish(),
    conditions: z.array(conditionSchema).nullish(),
  })
  .transform((status): ClusterStaticEntryStatus => ({ conditions: status.conditions ?? [] }));

export const clusterStaticEntrySchema = customResourceSchema({
  apiVersion: spireGroupVersion,
  kind: clusterStaticEntryKind,
  spec: specSchema,
  status: statusSchema,
  emptyStatus: { conditions: [] },
});

/**
 * Validates a Kubernetes object as a ClusterStaticEntry, its registry selector annotation included; with
 * `trustDomain` (the config's), its SPIFFE ID and parent ID must be in it. Errors read `ClusterStaticEntry <name>: <field>: <problem>`.
 */
export function parseClusterStaticEntry(object: unknown, trustDomain?: string): Validated<ClusterStaticEntry> {
  const parsed = parseCustomResource(clusterStaticEntrySchema, clusterStaticEntryKind, object);
  if (!parsed.ok) return parsed;
  const { value } = parsed;
  const problems: string[] = [];
  const registries = registrySelectorOf(value.metadata);
  if ('problems' in registries) problems.push(...registries.problems);
  if (trustDomain !== undefined) {
    for (const [field, id] of [
      ['spec.spiffeID', value.spec.spiffeId],
      ['spec.parentID', value.spec.parentId],
    ] as const) {
      const problem = entrySpiffeIdProblem(id, trustDomain);
      if (problem !== undefined) problems.push(`${field}: ${problem}`);
    }
  }
  if (problems.length > 0 || !('selector' in registries)) return { ok: false, errors: problems.map((problem) => `${clusterStaticEntryKind} ${value.metadata.name}: ${problem}`) };
  return { ok: true, value: { ...value, spec: { ...value.spec, clusterSelector: registries.selector } } };
}
