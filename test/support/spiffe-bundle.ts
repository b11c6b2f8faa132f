import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { makeServingCertificate } from './tls-certificates.ts';

/**
 * A SPIFFE bundle document (JWKS) with one X.509 authority (a fresh CA made by openssl) and one JWT
 * authority, as `spire-server bundle show -format spiffe` prints one; `refreshHint` and `sequence` are
 * its spiffe_refresh_hint and spiffe_sequence.
 */
export function spiffeBundleJson(options: { readonly keyId?: string; readonly refreshHint?: number; readonly sequence?: number } = {}): string {
  const ca = new X509Certificate(makeServingCertificate(['127.0.0.1']).caCert);
  const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  return JSON.stringify({
    keys: [
      { use: 'x509-svid', ...ca.publicKey.export({ format: 'jwk' }), x5c: [ca.raw.toString('base64')] },
      { use: 'jwt-svid', kid: options.keyId ?? 'key-1', ...jwtKey.export({ format: 'jwk' }) },
    ],
    ...(options.refreshHint === undefined ? {} : { spiffe_refresh_hint: options.refreshHint }),
    ...(options.sequence === undefined ? {} : { spiffe_sequence: options.sequence }),
  });
}
