import { createPublicKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import type { JwtAuthority, TrustDomainBundle } from './trust-domain-relationship.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function spki(key: JsonWebKey, where: string): Buffer {
  try {
    return createPublicKey({ key, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch (error) {
    throw new Error(`${where}: not a public key: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Parses a SPIFFE bundle (the JWKS document of the SPIFFE Trust Domain and Bundle specification, what
 * `spire-server bundle show -format spiffe` prints) for `trustDomain`, as go-spiffe's spiffebundle.Parse
 * does: `keys` is required; an `x509-svid` key carries exactly one certificate (x5c), whose public key is
 * the key's; a `jwt-svid` key needs a key ID; keys of other uses are skipped. Throws naming the key.
 */
export function parseTrustDomainBundle(text: string, trustDomain: string): TrustDomainBundle {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a SPIFFE bundle (JSON): ${(error as Error).message}`, { cause: error });
  }
  if (!isRecord(document)) throw new Error('not a SPIFFE bundle: expected a JSON object with "keys"');
  const { keys } = document;
  if (!Array.isArray(keys)) throw new Error('no authorities found: a SPIFFE bundle must have "keys"');
  const x509Authorities: Uint8Array[] = [];
  const jwtAuthorities: JwtAuthority[] = [];
  keys.forEach((key: unknown, index) => {
    const where = `keys[${index}]`;
    if (!isRecord(key)) throw new Error(`${where}: expected a JSON object`);
    if (key.use === 'x509-svid') {
      const chain = key.x5c;
      if (!Array.isArray(chain) || chain.length !== 1 || typeof chain[0] !== 'string') {
        throw new Error(`${where}: expected a single certificate in x5c, got ${Array.isArray(chain) ? chain.length : 'none'}`);
      }
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(Buffer.from(chain[0], 'base64'));
      } catch (error) {
        throw new Error(`${where}: x5c[0] is not a certificate: ${(error as Error).message}`, { cause: error });
      }
      if (!certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(spki(key as JsonWebKey, where))) {
        throw new Error(`${where}: the certificate's public key is not the key's`);
      }
      x509Authorities.push(certificate.raw);
    } else if (key.use === 'jwt-svid') {
      if (typeof key.kid !== 'string' || key.kid === '') throw new Error(`${where}: a jwt-svid key needs a key ID (kid)`);
      jwtAuthorities.push({ keyId: key.kid, publicKey: spki(key as JsonWebKey, where), expiresAt: 0 });
    }
  });
  const whole = (name: string): number => {
    const value = document[name];
    if (value === undefined) return 0;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`${name}: expected a whole number, got ${JSON.stringify(value)}`);
    return value;
  };
  return { trustDomain, x509Authorities, jwtAuthorities, refreshHintSeconds: whole('spiffe_refresh_hint'), sequenceNumber: whole('spiffe_sequence') };
}
