import { z } from 'zod';
import type { EntryOptions } from '../entry-options.ts';
import { dnsNameProblem } from '../../identity/dns-name.ts';
import { entrySpiffeIdProblem } from '../../identity/entry-spiffe-id.ts';
import type { Selector } from '../../spire/entry.ts';
import { parseSpiffeId } from '../../spire/spiffe-id.ts';
import { trustDomainSchema } from '../trust-domain-schema.ts';
import { ttlSecondsSchema } from '../ttl-seconds-schema.ts';
import { conditionSchema, type Condition } from '../v1alpha1/condition.ts';
import { everything, labelSelectorSchema, type LabelSelector } from '../v1alpha1/label-selector.ts';
import { spiffeIdSelectorSchema } from './spiffe-id-selector.ts';

/** The spec of a ClusterSpiffeID or SpiffeID: one literal entry, wanted in every cluster it targets. */
export interface SpiffeIdSpec extends EntryOptions {
  /** The entry's SPIFFE ID, as written. */
  readonly spiffeId: string;
  /** A literal parent ID; undefined (the default): the node alias of each targeted cluster. */
  readonly parentId: string | undefined;
  /** The k8s workload attestor selectors that `spec.selector` maps to, in the order written. */
  readonly selectors: readonly Selector[];
  /** The namespaces the selectors name, each with its field under `spec.selector`. */
  readonly selectorNamespaces: readonly { readonly field: string; readonly namespace: string }[];
  /** Over EKSClusterRegistry `spec.labels`. Default: every enabled cluster. */
  readonly clusterSelector: LabelSelector;
  /** `spec.selector.cluster`: only the registries of this EKS cluster name. Undefined: no restriction. */
  readonly clusterName: string | undefined;
  readonly dnsNames: readonly string[];
}

/** Where the object's entry stands in one targeted cluster. */
export interface SpiffeIdClusterEntry {
  /** The EKSClusterRegistry's name. */
  readonly cluster: string;
  /** The ID of the entry (an older source's, when masked); empty when it could not be made. */
  readonly entryId: string;
  /** Written: this object decides the entry's fields; Masked: an older source wants the same entry and decides them; Failed: see message. */
  readonly state: 'Written' | 'Masked' | 'Failed';
  /** Who decides a masked entry, or why it failed. */
  readonly message: string;
}

export interface SpiffeIdStatus {
  readonly conditions: readonly Condition[];
}

const spiffeIdSchema = z.string().superRefine((text, ctx) => {
  try {
    if (parseSpiffeId(text).path === '') ctx.addIssue({ code: 'custom', message: `SPIFFE ID ${JSON.stringify(text)} has no path` });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/**
 * The retired k8s-workload-registrar's samples parent workload entries to the server itself. Such an
 * entry is a node entry: SPIRE matches its selectors against agents, never workloads, so it would give
 * no workload an SVID. Read as "no parent given": the cluster's node alias, which is what they meant.
 */
function isServerId(id: string): boolean {
  return parseSpiffeId(id).path === '/spire/server';
}

const dnsNameSchema = z.string().superRefine((name, ctx) => {
  const problem = dnsNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const spiffeIdSpecSchema = z
  .strictObject({
    spiffeId: spiffeIdSchema,
    parentId: spiffeIdSchema.nullish().or(z.literal('')),
    selector: spiffeIdSelectorSchema,
    clusterSelector: labelSelectorSchema.nullish(),
    dnsNames: z.array(dnsNameSchema).nullish(),
    federatesWith: z.array(trustDomainSchema).nullish(),
    ttl: ttlSecondsSchema.nullish(),
    jwtTtl: ttlSecondsSchema.nullish(),
    admin: z.boolean().nullish(),
    downstream: z.boolean().nullish(),
    hint: z.string().nullish(),
  })
  .transform(
    (spec): SpiffeIdSpec => ({
      spiffeId: spec.spiffeId,
      parentId: spec.parentId === '' || spec.parentId === null || spec.parentId === undefined || isServerId(spec.parentId) ? undefined : spec.parentId,
      selectors: spec.selector.selectors,
      selectorNamespaces: spec.selector.namespaces,
      clusterSelector: spec.clusterSelector ?? everything,
      clusterName: spec.selector.clusterName,
      dnsNames: [...new Set(spec.dnsNames ?? [])],
      federatesWith: [...new Set(spec.federatesWith ?? [])].sort(),
      ttlSeconds: spec.ttl ?? 0,
      jwtTtlSeconds: spec.jwtTtl ?? 0,
      admin: spec.admin ?? false,
      downstream: spec.downstream ?? false,
      hint: spec.hint ?? '',
    }),
  );

const countSchema = z.number().int().nonnegative().nullish();

// The registrar writes the status and reads back only the conditions (their transition times); the rest is
// listed so that the CRD and this schema can be checked to agree.
export const spiffeIdStatusSchema = z
  .looseObject({
    clustersTargeted: countSchema,
    entriesRegistered: countSchema,
    entriesMasked: countSchema,
    clusters: z.array(z.looseObject({ cluster: z.string(), entryId: z.string(), state: z.enum(['Written', 'Masked', 'Failed']), message: z.string() })).nullish(),
    lastReconciliation: z.string().nullish(),
    conditions: z.array(conditionSchema).nullish(),
  })
  .transform((status): SpiffeIdStatus => ({ conditions: status.conditions ?? [] }));

export const emptySpiffeIdStatus: SpiffeIdStatus = { conditions: [] };

/**
 * What the edge can check only with the config: that the SPIFFE ID and the parent ID are in its trust
 * domain. Each problem names its field.
 */
export function trustDomainProblems(spec: SpiffeIdSpec, trustDomain: string): string[] {
  const problems: string[] = [];
  for (const [field, id] of [
    ['spec.spiffeId', spec.spiffeId],
    ['spec.parentId', spec.parentId],
  ] as const) {
    const problem = id === undefined ? undefined : entrySpiffeIdProblem(id, trustDomain);
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  }
  return problems;
}
