import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the SDK made to STS: its action, the role it asked for, and the region it signed for. */
export interface StsCall {
  readonly action: string;
  readonly roleArn: string;
  /** From the SigV4 credential scope; empty for an unsigned call (AssumeRoleWithWebIdentity). */
  readonly signingRegion: string;
}

export interface FakeSts {
  /** For AWS_ENDPOINT_URL_STS. */
  readonly url: string;
  readonly calls: StsCall[];
  close(): Promise<void>;
}

/**
 * An STS endpoint on localhost that grants every AssumeRole and AssumeRoleWithWebIdentity (credentials
 * valid for an hour) and records each call. The region a request was signed for is what the SDK's client
 * region was, whatever endpoint it was sent to.
 */
export async function startFakeSts(): Promise<FakeSts> {
  const calls: StsCall[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action') ?? '';
      const signingRegion = /Credential=[^/]+\/\d{8}\/([^/]+)\/sts\//.exec(request.headers.authorization ?? '')?.[1] ?? '';
      calls.push({ action, roleArn: form.get('RoleArn') ?? '', signingRegion });
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
          `<Credentials><AccessKeyId>ASIAFAKE${calls.length}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>` +
          `<SessionToken>token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROAFAKE:session</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/fake/session</Arn></AssumedRoleUser>` +
          `</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Replaces every AWS_ variable of this process with `variables` (the SDK reads them when credentials are
 * first asked for) and returns what puts the environment back. Shared files are off unless given.
 */
export function setAwsEnvironment(variables: Readonly<Record<string, string>>): () => void {
  const saved = Object.entries(process.env).filter(([name]) => name.startsWith('AWS_'));
  const clear = (): void => {
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) Reflect.deleteProperty(process.env, name);
  };
  clear();
  Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' }, variables);
  return () => {
    clear();
    for (const [name, value] of saved) process.env[name] = value;
  };
}
