import { eksTokenLifetimeMs } from './eks-token.ts';

/**
 * How long the controller's AWS sessions, EKS tokens and workload-cluster watches last, and how early
 * sessions and tokens are renewed. The defaults suit production; the environment variables below exist
 * for shorter cycles (a test that watches credentials and tokens being renewed within minutes, or
 * troubleshooting renewal) and are read once at start.
 */
export interface FleetTiming {
  /** DurationSeconds of AssumeRole sessions. `SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS`, default 3600 (STS: 900 to 43200). */
  readonly assumeRoleDurationSeconds: number;
  /** Credentials are renewed this long before they expire. `SPIRE_EKS_REGISTRAR_CREDENTIAL_REFRESH_MARGIN_SECONDS`, default 300. */
  readonly credentialRefreshMarginMs: number;
  /** EKS tokens are renewed this long before they stop being accepted. `SPIRE_EKS_REGISTRAR_TOKEN_REFRESH_MARGIN_SECONDS`, default 60. */
  readonly tokenRefreshMarginMs: number;
  /**
   * Watches of workload clusters ask the server to end them after a random time between this and twice
   * this, then are made again (with a fresh token). `SPIRE_EKS_REGISTRAR_WATCH_TIMEOUT_SECONDS`, default 300.
   */
  readonly watchTimeoutSeconds: number;
}

export const defaultFleetTiming: FleetTiming = {
  assumeRoleDurationSeconds: 3600,
  credentialRefreshMarginMs: 300_000,
  tokenRefreshMarginMs: 60_000,
  watchTimeoutSeconds: 300,
};

const envNames = {
  assumeRoleDurationSeconds: 'SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS',
  credentialRefreshMargin: 'SPIRE_EKS_REGISTRAR_CREDENTIAL_REFRESH_MARGIN_SECONDS',
  tokenRefreshMargin: 'SPIRE_EKS_REGISTRAR_TOKEN_REFRESH_MARGIN_SECONDS',
  watchTimeout: 'SPIRE_EKS_REGISTRAR_WATCH_TIMEOUT_SECONDS',
} as const;

/** The timing the environment asks for; throws on a value that is not a whole number in range. */
export function fleetTimingFromEnv(env: Readonly<Record<string, string | undefined>>): FleetTiming {
  const seconds = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}=${text}: expected whole seconds from ${min} to ${max}`);
    return value;
  };
  const duration = seconds(envNames.assumeRoleDurationSeconds, defaultFleetTiming.assumeRoleDurationSeconds, 900, 43_200);
  // A margin must leave the credentials or token some time of use, or every request would renew them.
  const credentialMargin = seconds(envNames.credentialRefreshMargin, defaultFleetTiming.credentialRefreshMarginMs / 1000, 0, duration - 10);
  const tokenMargin = seconds(envNames.tokenRefreshMargin, defaultFleetTiming.tokenRefreshMarginMs / 1000, 0, eksTokenLifetimeMs / 1000 - 10);
  return {
    assumeRoleDurationSeconds: duration,
    credentialRefreshMarginMs: credentialMargin * 1000,
    tokenRefreshMarginMs: tokenMargin * 1000,
    watchTimeoutSeconds: seconds(envNames.watchTimeout, defaultFleetTiming.watchTimeoutSeconds, 1, 3600),
  };
}
