import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SDK's providers return them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The prefix EKS (aws-iam-authenticator) expects on a bearer token. */
export const eksTokenPrefix = 'k8s-aws-v1.';

/** EKS accepts a token for 15 minutes after it was signed; callers refresh it before then. */
export const eksTokenLifetimeMs = 15 * 60_000;

/** The public STS host of a region, e.g. `sts.us-west-2.amazonaws.com` (`.amazonaws.com.cn` in China). */
export function stsHost(region: string): string {
  return `sts.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/**
 * The STS GetCallerIdentity request a token presigns. The host is always the public STS host of the
 * region, never an endpoint override: the cluster's authenticator checks the host, and calls it.
 */
export function callerIdentityRequest(clusterName: string, region: string): HttpRequest {
  const hostname = stsHost(region);
  return new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': clusterName },
  });
}

/** Presigns the caller-identity request for `clusterName`, as `aws eks get-token` does. */
export async function presignCallerIdentity(
  clusterName: string,
  region: string,
  credentials: AwsCredentials,
  signingDate: Date,
): Promise<HttpRequest> {
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256, uriEscapePath: true });
  return (await signer.presign(callerIdentityRequest(clusterName, region), {
    signingDate,
    expiresIn: 60,
  })) as HttpRequest;
}

/** The URL of a presigned request, query parameters in their signed encoding. */
export function requestUrl(request: HttpRequest): string {
  const query = Object.entries(request.query)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => [key, v ?? ''] as const))
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  return `${request.protocol}//${request.hostname}${request.path}?${query}`;
}

/** A bearer token for the EKS cluster `clusterName`, valid for 15 minutes from `now`. */
export async function makeEksToken(
  clusterName: string,
  region: string,
  credentials: AwsCredentials,
  now: Date,
): Promise<string> {
  const url = requestUrl(await presignCallerIdentity(clusterName, region, credentials, now));
  return eksTokenPrefix + Buffer.from(url).toString('base64url');
}
