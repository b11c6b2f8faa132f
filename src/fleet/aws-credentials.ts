import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentials } from './eks-token.ts';

/** Resolves the credentials to use now; sources cache, so calling it per request is cheap. */
export type CredentialSource = () => Promise<AwsCredentials>;

/** Credentials are renewed this long before they expire, so that nothing signed with them outlives them. */
export const credentialRefreshMarginMs = 5 * 60_000;

/**
 * Caches what `source` returns until `refreshMarginMs` before its expiration (for ever if it has none).
 * Concurrent callers share one fetch; a failed fetch is not cached.
 */
export function cachedCredentials(source: CredentialSource, now: () => number = Date.now, refreshMarginMs = credentialRefreshMarginMs): CredentialSource {
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fresh = (c: AwsCredentials): boolean =>
    c.expiration === undefined || c.expiration.getTime() - refreshMarginMs > now();
  return async () => {
    if (current !== undefined && fresh(current)) return current;
    pending ??= source().then(
      (c) => {
        current = c;
        pending = undefined;
        return c;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}

/** The session name the controller's assumed-role sessions carry (it shows in CloudTrail). */
export const roleSessionName = 'spire-eks-workload-registrar';

/**
 * Credentials to reach a cluster: the default AWS chain (environment, profile, web identity / IRSA, pod
 * identity, instance metadata), or, when `assumeRoleArn` is set, a session of that role assumed with them.
 */
export function clusterCredentials(options: {
  readonly assumeRoleArn?: string;
  /** The cluster's region: AssumeRole's when there is no `stsRegion`. */
  readonly region: string;
  /**
   * The region of the STS calls that make credentials, the default chain's own (web identity, a profile's
   * role) and AssumeRole's: the config's `aws.region`. Default: the chain finds its own (AWS_REGION, the
   * profile's region, else us-east-1) and AssumeRole uses `region`.
   */
  readonly stsRegion?: string;
  /** Of the assumed-role session; default 3600. */
  readonly durationSeconds?: number;
  /** Default `credentialRefreshMarginMs`. */
  readonly refreshMarginMs?: number;
}): CredentialSource {
  const { stsRegion } = options;
  const base = fromNodeProviderChain(stsRegion === undefined ? {} : { clientConfig: { region: stsRegion } });
  const source =
    options.assumeRoleArn === undefined || options.assumeRoleArn === ''
      ? base
      : fromTemporaryCredentials({
          masterCredentials: base,
          params: { RoleArn: options.assumeRoleArn, RoleSessionName: roleSessionName, DurationSeconds: options.durationSeconds ?? 3600 },
          clientConfig: { region: stsRegion ?? options.region },
        });
  return cachedCredentials(source, Date.now, options.refreshMarginMs ?? credentialRefreshMarginMs);
}
