import { z } from 'zod';
import type { EntryOptions } from './entry-options.ts';
import { trustDomainSchema } from './trust-domain-schema.ts';
import { ttlSecondsSchema } from './ttl-seconds-schema.ts';
import { everything, labelSelectorSchema, type LabelSelector } from './v1alpha1/label-selector.ts';
import { templateTextSchema } from './v1alpha1/template-text.ts';

/**
 * What a spire-controller-manager ClusterSPIFFEID says about the pods it gives identities to, which a
 * WorkloadIdentity says the same way: both kinds are rendered per pod by the same code.
 */
export interface PodIdentityTemplates extends EntryOptions {
  readonly spiffeIDTemplate: string;
  /** Over the labels of the pod's namespace. Default (absent): every namespace. */
  readonly namespaceSelector: LabelSelector;
  /** Default (absent): every pod of the selected namespaces. */
  readonly podSelector: LabelSelector;
  readonly dnsNameTemplates: readonly string[];
  readonly workloadSelectorTemplates: readonly string[];
  /** Add the DNS names of the Services whose EndpointSlices point at the pod. Default false. */
  readonly autoPopulateDNSNames: boolean;
  /** The controller class that acts on it (config `className`, `watchClassless`); empty (the default) is classless. */
  readonly className: string;
  /** Applies only to pods that no other (non-fallback) identity selects. Default false. */
  readonly fallback: boolean;
}

/** The spec fields, as written, of PodIdentityTemplates. */
export const podIdentityTemplateFields = {
  spiffeIDTemplate: templateTextSchema('spec.spiffeIDTemplate'),
  namespaceSelector: labelSelectorSchema.nullish(),
  podSelector: labelSelectorSchema.nullish(),
  ttl: ttlSecondsSchema.nullish(),
  jwtTtl: ttlSecondsSchema.nullish(),
  dnsNameTemplates: z.array(templateTextSchema('spec.dnsNameTemplates')).nullish(),
  workloadSelectorTemplates: z.array(templateTextSchema('spec.workloadSelectorTemplates')).nullish(),
  federatesWith: z.array(trustDomainSchema).nullish(),
  admin: z.boolean().nullish(),
  downstream: z.boolean().nullish(),
  autoPopulateDNSNames: z.boolean().nullish(),
  className: z.string().nullish(),
  fallback: z.boolean().nullish(),
  hint: z.string().nullish(),
};

type WrittenFields = z.output<z.ZodObject<typeof podIdentityTemplateFields>>;

/** The fields as written, with their defaults. */
export function podIdentityTemplates(spec: WrittenFields): PodIdentityTemplates {
  return {
    spiffeIDTemplate: spec.spiffeIDTemplate,
    namespaceSelector: spec.namespaceSelector ?? everything,
    podSelector: spec.podSelector ?? everything,
    ttlSeconds: spec.ttl ?? 0,
    jwtTtlSeconds: spec.jwtTtl ?? 0,
    dnsNameTemplates: spec.dnsNameTemplates ?? [],
    workloadSelectorTemplates: spec.workloadSelectorTemplates ?? [],
    federatesWith: [...new Set(spec.federatesWith ?? [])].sort(),
    admin: spec.admin ?? false,
    downstream: spec.downstream ?? false,
    autoPopulateDNSNames: spec.autoPopulateDNSNames ?? false,
    className: spec.className ?? '',
    fallback: spec.fallback ?? false,
    hint: spec.hint ?? '',
  };
}
