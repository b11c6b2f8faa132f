import { z } from 'zod';
import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import { parseSpiffeId } from '../../spire/spiffe-id.ts';
import { parseTrustDomainBundle } from '../../spire/trust-domain-bundle.ts';
import { bundleEndpointUrlProblem, type BundleEndpointProfile, type FederationRelationship } from '../../spire/trust-domain-relationship.ts';
import { trustDomainSchema } from '../trust-domain-schema.ts';
import { conditionSchema, type Condition } from '../v1alpha1/condition.ts';
import type { Validated } from '../validation.ts';
import { spireGroupVersion } from './group-version.ts';

export const clusterFederatedTrustDomainKind = 'ClusterFederatedTrustDomain';

/**
 * spire-controller-manager's ClusterFederatedTrustDomain: one federation relationship of the SPIRE server
 * with a foreign trust domain. It names no cluster: the SPIRE server is the fleet's one.
 */
export interface ClusterFederatedTrustDomainSpec {
  /** The relationship the object asks for; its bundle is the parsed `trustDomainBundle`, if given. */
  readonly relationship: FederationRelationship;
  /** The controller class that acts on the object; empty (the default) is the classless one. */
  readonly className: string;
}

export interface ClusterFederatedTrustDomainStatus {
  readonly conditions: readonly Condition[];
}

export type ClusterFederatedTrustDomain = CustomResource<typeof clusterFederatedTrustDomainKind, ClusterFederatedTrustDomainSpec, ClusterFederatedTrustDomainStatus>;

const profileTypes = ['https_spiffe', 'https_web'] as const;

const specSchema = z
  .strictObject({
    trustDomain: trustDomainSchema,
    bundleEndpointURL: z.string().superRefine((text, ctx) => {
      const problem = bundleEndpointUrlProblem(text);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
    bundleEndpointProfile: z.strictObject({
      type: z.enum(profileTypes),
      endpointSPIFFEID: z.string().nullish(),
    }),
    trustDomainBundle: z.string().nullish(),
    className: z.string().nullish(),
  })
  .transform((spec, ctx): ClusterFederatedTrustDomainSpec => {
    const { type, endpointSPIFFEID } = spec.bundleEndpointProfile;
    const endpointPath = ['bundleEndpointProfile', 'endpointSPIFFEID'];
    let profile: BundleEndpointProfile = { type: 'https_web' };
    if (type === 'https_web' && (endpointSPIFFEID ?? '') !== '') {
      ctx.addIssue({ code: 'custom', path: endpointPath, message: 'not applicable to the "https_web" profile: omit it, or use type https_spiffe' });
    } else if (type === 'https_spiffe') {
      if ((endpointSPIFFEID ?? '') === '') {
        ctx.addIssue({ code: 'custom', path: endpointPath, message: 'required for the "https_spiffe" profile: the SPIFFE ID the bundle endpoint presents' });
      } else {
        try {
          parseSpiffeId(endpointSPIFFEID ?? '');
          profile = { type, endpointSpiffeId: endpointSPIFFEID ?? '' };
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: endpointPath, message: (error as Error).message });
        }
      }
    }
    let relationship: FederationRelationship = { trustDomain: spec.trustDomain, bundleEndpointUrl: spec.bundleEndpointURL, bundleEndpointProfile: profile };
    if ((spec.trustDomainBundle ?? '') !== '') {
      try {
        relationship = { ...relationship, trustDomainBundle: parseTrustDomainBundle(spec.trustDomainBundle ?? '', spec.trustDomain) };
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['trustDomainBundle'], message: (error as Error).message });
      }
    }
    return { relationship, className: spec.className ?? '' };
  });

// SCM's status has no fields; the registrar's Ready condition says whether the relationship is set.
const statusSchema = z
  .looseObject({ conditions: z.array(conditionSchema).nullish() })
  .transform((status): ClusterFederatedTrustDomainStatus => ({ conditions: status.conditions ?? [] }));

export const clusterFederatedTrustDomainSchema = customResourceSchema({
  apiVersion: spireGroupVersion,
  kind: clusterFederatedTrustDomainKind,
  spec: specSchema,
  status: statusSchema,
  emptyStatus: { conditions: [] },
});

/**
 * Validates a Kubernetes object as a ClusterFederatedTrustDomain, as spire-controller-manager's webhook
 * does (trust domain, https URL without user info, the profile's endpoint SPIFFE ID, the bundle); with
 * `trustDomain` (the config's), the server's own trust domain is refused (SPIRE does not federate with
 * itself). Errors read `ClusterFederatedTrustDomain <name>: <field>: <problem>`.
 */
export function parseClusterFederatedTrustDomain(object: unknown, trustDomain?: string): Validated<ClusterFederatedTrustDomain> {
  const parsed = parseCustomResource(clusterFederatedTrustDomainSchema, clusterFederatedTrustDomainKind, object);
  if (!parsed.ok || trustDomain === undefined || parsed.value.spec.relationship.trustDomain !== trustDomain) return parsed;
  return {
    ok: false,
    errors: [`${clusterFederatedTrustDomainKind} ${parsed.value.metadata.name}: spec.trustDomain: ${JSON.stringify(trustDomain)} is the SPIRE server's own trust domain; a server does not federate with itself`],
  };
}
