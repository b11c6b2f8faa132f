import { isRecord } from './spire-call.ts';
import { formatSpiffeId, parseSpiffeId, validateTrustDomain } from './spiffe-id.ts';
import { bundleEndpointUrlProblem, validateRelationship, type BundleEndpointProfile, type FederationRelationship, type TrustDomainBundle } from './trust-domain-relationship.ts';

function describe(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 200) ?? String(value);
}

/** The TrustDomain API's message (spire.api.types.FederationRelationship) for a relationship; throws for one the server would refuse. */
export function relationshipToMessage(relationship: FederationRelationship): Record<string, unknown> {
  const { trustDomain, bundleEndpointUrl, bundleEndpointProfile: profile, trustDomainBundle: bundle } = validateRelationship(relationship);
  return {
    trust_domain: trustDomain,
    bundle_endpoint_url: bundleEndpointUrl,
    ...(profile.type === 'https_web' ? { https_web: {} } : { https_spiffe: { endpoint_spiffe_id: profile.endpointSpiffeId } }),
    trust_domain_bundle: bundle === undefined ? null : bundleToMessage(bundle),
  };
}

function bundleToMessage(bundle: TrustDomainBundle): Record<string, unknown> {
  return {
    trust_domain: bundle.trustDomain,
    x509_authorities: bundle.x509Authorities.map((der) => ({ asn1: Buffer.from(der), tainted: false })),
    jwt_authorities: bundle.jwtAuthorities.map((key) => ({ public_key: Buffer.from(key.publicKey), key_id: key.keyId, expires_at: String(key.expiresAt), tainted: false })),
    refresh_hint: String(bundle.refreshHintSeconds),
    sequence_number: String(bundle.sequenceNumber),
  };
}

/**
 * A relationship as the server sent it (decoded with the `oneofs` option, so the chosen profile is named
 * in `bundle_endpoint_profile`), checked; its bundle is not read (listings leave it out).
 */
export function relationshipFromMessage(message: unknown): FederationRelationship {
  if (!isRecord(message)) throw new Error(`expected a federation relationship, got ${describe(message)}`);
  const { trust_domain: trustDomain, bundle_endpoint_url: url } = message;
  if (typeof trustDomain !== 'string' || typeof url !== 'string') throw new Error(`federation relationship without trust_domain or bundle_endpoint_url: ${describe(message)}`);
  validateTrustDomain(trustDomain);
  const urlProblem = bundleEndpointUrlProblem(url);
  if (urlProblem !== undefined) throw new Error(`federation relationship ${trustDomain}: bundle endpoint URL ${urlProblem}`);
  let profile: BundleEndpointProfile;
  if (message.bundle_endpoint_profile === 'https_web') profile = { type: 'https_web' };
  else if (message.bundle_endpoint_profile === 'https_spiffe' && isRecord(message.https_spiffe) && typeof message.https_spiffe.endpoint_spiffe_id === 'string') {
    profile = { type: 'https_spiffe', endpointSpiffeId: formatSpiffeId(parseSpiffeId(message.https_spiffe.endpoint_spiffe_id)) };
  } else throw new Error(`federation relationship ${trustDomain}: no bundle endpoint profile: ${describe(message)}`);
  return { trustDomain, bundleEndpointUrl: url, bundleEndpointProfile: profile };
}
