import { formatSpiffeId, parseSpiffeId, validateTrustDomain } from './spiffe-id.ts';

/** How the SPIRE server authenticates a federated trust domain's bundle endpoint. */
export type BundleEndpointProfile =
  /** Web PKI: the endpoint's certificate chains to a public root. */
  | { readonly type: 'https_web' }
  /** SPIFFE authentication: the endpoint presents an X509-SVID with this SPIFFE ID. */
  | { readonly type: 'https_spiffe'; readonly endpointSpiffeId: string };

/** A JWT authority of a bundle: its key ID, its public key (PKIX, DER) and when it expires (Unix seconds, 0 never). */
export interface JwtAuthority {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly expiresAt: number;
}

/** A trust domain's bundle as the TrustDomain API carries it (spire.api.types.Bundle). */
export interface TrustDomainBundle {
  readonly trustDomain: string;
  /** X.509 authorities, each a DER certificate. */
  readonly x509Authorities: readonly Uint8Array[];
  readonly jwtAuthorities: readonly JwtAuthority[];
  /** Seconds; 0 means no hint. */
  readonly refreshHintSeconds: number;
  readonly sequenceNumber: number;
}

/**
 * A federation relationship of the SPIRE server with a foreign trust domain: SPIRE keys it by trust
 * domain and gives it no ID or owner of its own.
 */
export interface FederationRelationship {
  /** The foreign trust domain's name, e.g. `partner.org`. */
  readonly trustDomain: string;
  readonly bundleEndpointUrl: string;
  readonly bundleEndpointProfile: BundleEndpointProfile;
  /**
   * On a write, the bundle to set for the trust domain (absent: leave the server's); listings leave it out
   * (the server refreshes it from the endpoint, so it is not part of what the registrar keeps equal).
   */
  readonly trustDomainBundle?: TrustDomainBundle;
}

/**
 * Why `text` cannot be a bundle endpoint URL, or undefined: spire-server takes only an https URL with a
 * host and without user info (its own checks, made here so that the error names the field).
 */
export function bundleEndpointUrlProblem(text: string): string | undefined {
  if (text === '') return 'the bundle endpoint URL is missing';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text)} is not a URL`;
  }
  if (url.protocol !== 'https:') return `${JSON.stringify(text)}: the scheme must be https`;
  if (url.hostname === '') return `${JSON.stringify(text)}: the host must be given`;
  if (url.username !== '' || url.password !== '') return `${JSON.stringify(text)}: must not contain user info`;
  return undefined;
}

/**
 * Whether the server holds `current` as `desired` says: trust domain, URL and profile. The bundle is not
 * compared (spire-controller-manager's rule): it is a starting point, and the server keeps it current
 * from the endpoint.
 */
export function sameRelationship(current: FederationRelationship, desired: FederationRelationship): boolean {
  if (current.trustDomain !== desired.trustDomain || current.bundleEndpointUrl !== desired.bundleEndpointUrl) return false;
  const [a, b] = [current.bundleEndpointProfile, desired.bundleEndpointProfile];
  if (a.type === 'https_spiffe' && b.type === 'https_spiffe') return a.endpointSpiffeId === b.endpointSpiffeId;
  return a.type === b.type;
}

/** Checks a relationship before it is sent; throws naming the field. */
export function validateRelationship(relationship: FederationRelationship): FederationRelationship {
  validateTrustDomain(relationship.trustDomain);
  const urlProblem = bundleEndpointUrlProblem(relationship.bundleEndpointUrl);
  if (urlProblem !== undefined) throw new Error(`trust domain ${relationship.trustDomain}: bundle endpoint URL ${urlProblem}`);
  const profile = relationship.bundleEndpointProfile;
  if (profile.type === 'https_spiffe') formatSpiffeId(parseSpiffeId(profile.endpointSpiffeId));
  const bundle = relationship.trustDomainBundle;
  if (bundle !== undefined && bundle.trustDomain !== relationship.trustDomain) {
    throw new Error(`trust domain ${relationship.trustDomain}: the bundle is for trust domain ${bundle.trustDomain}`);
  }
  return relationship;
}
