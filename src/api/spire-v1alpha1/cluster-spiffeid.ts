import { z } from 'zod';
import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import { podIdentityTemplateFields, podIdentityTemplates, type PodIdentityTemplates } from '../pod-identity-templates.ts';
import { entrySpiffeIdProblem } from '../../identity/entry-spiffe-id.ts';
import { conditionSchema, type Condition } from '../v1alpha1/condition.ts';
import { everything, type LabelSelector } from '../v1alpha1/label-selector.ts';
import type { Validated } from '../validation.ts';
import { spireGroupVersion } from './group-version.ts';
import { registrySelectorOf } from './registry-selector.ts';

export const clusterSPIFFEIDKind = 'ClusterSPIFFEID';

/**
 * spire-controller-manager's ClusterSPIFFEID: an entry per selected pod, rendered from Go templates, here
 * in every managed cluster its registry selector (an annotation, registry-selector.ts) matches.
 */
export interface ClusterSPIFFEIDSpec extends PodIdentityTemplates {
  /** Over EKSClusterRegistry `spec.labels`, from the registry selector annotation. Default: every managed cluster. */
  readonly clusterSelector: LabelSelector;
}

/** spire-controller-manager's counts (its `status.stats`), here summed over the targeted clusters. */
export interface ClusterSPIFFEIDStats {
  readonly namespacesSelected: number;
  readonly namespacesIgnored: number;
  readonly podsSelected: number;
  readonly podEntryRenderFailures: number;
  readonly entriesMasked: number;
  readonly entriesToSet: number;
  readonly entryFailures: number;
}

export interface ClusterSPIFFEIDStatus {
  readonly conditions: readonly Condition[];
}

export type ClusterSPIFFEID = CustomResource<typeof clusterSPIFFEIDKind, ClusterSPIFFEIDSpec, ClusterSPIFFEIDStatus>;

const specSchema = z.strictObject(podIdentityTemplateFields).transform((spec): ClusterSPIFFEIDSpec => ({ ...podIdentityTemplates(spec), clusterSelector: everything }));

const countSchema = z.number().int().nonnegative().nullish();

// The registrar writes the status and reads back only the conditions; the rest is listed so that the CRD
// and this schema can be checked to agree.
const statusSchema = z
  .looseObject({
    stats: z
      .looseObject({
        namespacesSelected: countSchema,
        namespacesIgnored: countSchema,
        podsSelected: countSchema,
        podEntryRenderFailures: countSchema,
        entriesMasked: countSchema,
        entriesToSet: countSchema,
        entryFailures: countSchema,
      })
      .nullish(),
    clustersTargeted: countSchema,
    lastReconciliation: z.string().nullish(),
    conditions: z.array(conditionSchema).nullish(),
  })
  .transform((status): ClusterSPIFFEIDStatus => ({ conditions: status.conditions ?? [] }));

export const clusterSPIFFEIDSchema = customResourceSchema({
  apiVersion: spireGroupVersion,
  kind: clusterSPIFFEIDKind,
  spec: specSchema,
  status: statusSchema,
  emptyStatus: { conditions: [] },
});

/**
 * Validates a Kubernetes object as a ClusterSPIFFEID, its registry selector annotation included; with
 * `trustDomain` (the config's), a SPIFFE ID template without actions must name an ID in it. Errors read
 * `ClusterSPIFFEID <name>: <field>: <problem>`.
 */
export function parseClusterSPIFFEID(object: unknown, trustDomain?: string): Validated<ClusterSPIFFEID> {
  const parsed = parseCustomResource(clusterSPIFFEIDSchema, clusterSPIFFEIDKind, object);
  if (!parsed.ok) return parsed;
  const { value } = parsed;
  const where = `${clusterSPIFFEIDKind} ${value.metadata.name}`;
  const problems: string[] = [];
  const registries = registrySelectorOf(value.metadata);
  if ('problems' in registries) problems.push(...registries.problems);
  const template = value.spec.spiffeIDTemplate;
  if (trustDomain !== undefined && !template.includes('{{')) {
    const problem = entrySpiffeIdProblem(template, trustDomain);
    if (problem !== undefined) problems.push(`spec.spiffeIDTemplate: ${problem}`);
  }
  if (problems.length > 0 || !('selector' in registries)) return { ok: false, errors: problems.map((problem) => `${where}: ${problem}`) };
  return { ok: true, value: { ...value, spec: { ...value.spec, clusterSelector: registries.selector } } };
}
