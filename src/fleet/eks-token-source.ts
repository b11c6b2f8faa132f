import type { CredentialSource } from './aws-credentials.ts';
import { eksTokenLifetimeMs, makeEksToken } from './eks-token.ts';

/** Tokens are replaced this long before they stop being accepted. */
export const tokenRefreshMarginMs = 60_000;

/**
 * Bearer tokens for one EKS cluster, fresh on every call: a token is reused until a minute before it
 * stops being accepted, which is 15 minutes after signing or when the credentials that signed it expire,
 * whichever comes first. Call it for every request, long watches included.
 */
export function eksTokenSource(
  clusterName: string,
  region: string,
  credentials: CredentialSource,
  now: () => number = Date.now,
  refreshMarginMs = tokenRefreshMarginMs,
): () => Promise<string> {
  let token = '';
  let validUntil = 0;
  return async () => {
    if (now() < validUntil - refreshMarginMs) return token;
    const signer = await credentials();
    const signedAt = now();
    token = await makeEksToken(clusterName, region, signer, new Date(signedAt));
    validUntil = Math.min(signedAt + eksTokenLifetimeMs, signer.expiration?.getTime() ?? Infinity);
    return token;
  };
}
