import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { eksTokenPrefix, type AwsCredentials } from '../../src/fleet/eks-token.ts';

/** What the STS stand-in knows of an access key: its secret, and the identity it belongs to. */
export interface KnownCredentials extends AwsCredentials {
  readonly arn: string;
}

export type TokenReviewResult =
  | { readonly authenticated: true; readonly arn: string; readonly accessKeyId: string }
  | { readonly authenticated: false; readonly reason: string };

export interface TokenReviewContext {
  /** The EKS cluster name this apiserver serves: the value STS must see signed as x-k8s-aws-id. */
  readonly clusterName: string;
  readonly now: Date;
  /** Looks up an access key, as STS would; undefined when it is not known. */
  readonly lookup: (accessKeyId: string) => Promise<KnownCredentials | undefined>;
}

const maxTokenBytes = 4096;
const maxAgeMs = 15 * 60_000;
const allowedQueryKeys = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
  'x-amz-user-agent',
]);
const stsHostPattern = /^sts(\.[a-z]{2}(-gov)?-[a-z]+-\d)?\.amazonaws\.com(\.cn)?$/;

function refuse(reason: string): TokenReviewResult {
  return { authenticated: false, reason };
}

/**
 * Reviews an EKS bearer token the way aws-iam-authenticator does (shape, host, query, age), then
 * checks its signature the way STS does, with the cluster name this apiserver serves. A token signed for
 * another cluster, edited after signing, expired or malformed is refused with the reason.
 */
export async function reviewEksToken(token: string, context: TokenReviewContext): Promise<TokenReviewResult> {
  if (Buffer.byteLength(token) > maxTokenBytes) return refuse('token is longer than 4 KB');
  if (!token.startsWith(eksTokenPrefix)) return refuse(`token does not start with ${eksTokenPrefix}`);
  const encoded = token.slice(eksTokenPrefix.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return refuse('token is not base64url');
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return refuse('token is not a URL');
  }
  if (url.protocol !== 'https:') return refuse('URL is not https');
  if (!stsHostPattern.test(url.host)) return refuse(`host ${url.host} is not an STS host`);
  if (url.pathname !== '/') return refuse('path is not /');

  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (!allowedQueryKeys.has(lower)) return refuse(`query parameter ${key} is not allowed`);
    if (query.has(lower)) return refuse(`query parameter ${key} appears twice`);
    query.set(lower, value);
  }
  if (query.get('action') !== 'GetCallerIdentity') return refuse('action is not GetCallerIdentity');
  const signedHeaders = (query.get('x-amz-signedheaders') ?? '').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id')) return refuse('x-k8s-aws-id is not a signed header');
  const expires = Number(query.get('x-amz-expires'));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) return refuse('X-Amz-Expires out of range');
  const signedAt = parseAmzDate(query.get('x-amz-date') ?? '');
  if (signedAt === undefined) return refuse('X-Amz-Date is malformed');
  const age = context.now.getTime() - signedAt.getTime();
  if (age > maxAgeMs) return refuse('token expired');
  if (age < -maxAgeMs) return refuse('token is dated in the future');

  // From here on, what STS does with the request the token presigned.
  const [accessKeyId, , region] = (query.get('x-amz-credential') ?? '').split('/');
  if (accessKeyId === undefined || region === undefined) return refuse('X-Amz-Credential is malformed');
  const known = await context.lookup(accessKeyId);
  if (known === undefined) return refuse(`access key ${accessKeyId} is not known`);
  if ((known.sessionToken ?? '') !== (query.get('x-amz-security-token') ?? '')) return refuse('security token does not match');
  const expectedSignature = await signatureFor(url, context.clusterName, region, known, signedAt, expires);
  const given = query.get('x-amz-signature') ?? '';
  if (given.length !== expectedSignature.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expectedSignature))) {
    return refuse('signature does not match');
  }
  return { authenticated: true, arn: known.arn, accessKeyId };
}

// The query parameters that presigning itself writes; every other parameter is part of what is signed.
const presignParameters = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-security-token', 'x-amz-signature', 'x-amz-signedheaders']);

/** Signs the token's request again, with the secret STS knows and the cluster name this server expects. */
async function signatureFor(
  url: URL,
  clusterName: string,
  region: string,
  credentials: AwsCredentials,
  signedAt: Date,
  expires: number,
): Promise<string> {
  const query = Object.fromEntries([...url.searchParams].filter(([key]) => !presignParameters.has(key.toLowerCase())));
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: url.host,
    path: url.pathname,
    query,
    headers: { host: url.host, 'x-k8s-aws-id': clusterName },
  });
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256, uriEscapePath: true });
  const signed = await signer.presign(request, { signingDate: signedAt, expiresIn: expires });
  return String(signed.query?.['X-Amz-Signature'] ?? '');
}

function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/**
 * The IAM principal an STS ARN stands for, as aws-iam-authenticator maps it: an assumed-role session
 * becomes its role's ARN.
 */
export function canonicalPrincipal(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return assumed === null ? arn : `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
}
