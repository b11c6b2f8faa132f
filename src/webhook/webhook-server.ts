import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunningServer } from '../observability/http-server.ts';
import type { Logger } from '../observability/logger.ts';
import { BadReviewError, reviewAdmission, type KindValidators } from './admission-review.ts';
import { duplicateWarnings, type DuplicateFinder } from './duplicate-identities.ts';

/** The path the ValidatingWebhookConfiguration calls for every served kind. */
export const validatePath = '/validate';

// An AdmissionReview carries the object and, on update, its old state: twice the largest object etcd keeps.
const maxBodyBytes = 4 * 1024 * 1024;

export interface WebhookServerOptions {
  /** Listens on every interface. */
  readonly port: number;
  /** Holds `tls.crt` and `tls.key`, as a kubernetes.io/tls Secret mounts them. */
  readonly certDir: string;
  readonly validators: KindValidators;
  /** Name the stored objects a valid one duplicates, as warnings. Default none. */
  readonly duplicates?: ReadonlyMap<string, DuplicateFinder>;
  readonly logger: Logger;
  /** How often the certificate is read again, to follow a renewal. Default 10 s. */
  readonly reloadIntervalMs?: number;
}

interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

async function readKeyPair(certDir: string): Promise<KeyPair | string> {
  try {
    const [cert, key] = await Promise.all([readFile(join(certDir, 'tls.crt')), readFile(join(certDir, 'tls.key'))]);
    return { cert, key };
  } catch (error) {
    return (error as Error).message;
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function handle(validators: KindValidators, duplicates: ReadonlyMap<string, DuplicateFinder>, logger: Logger, request: IncomingMessage, response: ServerResponse): void {
  if (new URL(request.url ?? '/', 'https://webhook').pathname !== validatePath) return reply(response, 404, { message: 'not found' });
  if (request.method !== 'POST') return reply(response, 405, { message: 'method not allowed' });
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBodyBytes) {
      reply(response, 413, { message: `request body over ${maxBodyBytes} bytes` });
      request.destroy();
    } else chunks.push(chunk);
  });
  request.on('end', async () => {
    try {
      const review: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const verdict = reviewAdmission(review, validators);
      if (!verdict.response.allowed) logger.info({ uid: verdict.response.uid }, `Webhook refused: ${verdict.response.status?.message ?? ''}`);
      const warnings = verdict.response.allowed ? await duplicateWarnings(review, duplicates) : [];
      reply(response, 200, warnings.length === 0 ? verdict : { ...verdict, response: { ...verdict.response, warnings } });
    } catch (error) {
      // A request the webhook cannot read is the caller's fault; anything else must not stop the controller.
      if (error instanceof BadReviewError || error instanceof SyntaxError) return reply(response, 400, { message: error.message });
      logger.error({ err: error }, 'Webhook failed on a request');
      reply(response, 500, { message: 'internal error' });
    }
  });
}

/**
 * Serves the validating admission webhook over HTTPS once `certDir` holds a certificate and key, and
 * follows their renewal (cert-manager rewrites the Secret; the kubelet updates the mounted files). Until
 * they exist it says so and waits: the controller runs meanwhile, and the webhook configuration's
 * failurePolicy decides what the API server does.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningServer & { readonly serving: Promise<void> }> {
  const { certDir, logger } = options;
  let server: Server | undefined;
  let current: KeyPair | undefined;
  let closed = false;
  let announcedMissing = false;
  let resolveServing: () => void = () => {};
  const serving = new Promise<void>((resolve) => (resolveServing = resolve));

  const refresh = async (): Promise<void> => {
    const pair = await readKeyPair(certDir);
    if (closed) return;
    if (typeof pair === 'string') {
      // Info, not a warning: without config/webhook (cert-manager) no certificate is the intended state.
      if (!announcedMissing) logger.info({ certDir }, `Webhook not served yet: no certificate (${pair})`);
      announcedMissing = true;
      return;
    }
    if (current !== undefined && current.cert.equals(pair.cert) && current.key.equals(pair.key)) return;
    if (server === undefined) {
      const created = createServer({ cert: pair.cert, key: pair.key }, (request, response) => handle(options.validators, options.duplicates ?? new Map(), logger, request, response));
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(options.port, () => {
          created.off('error', reject);
          resolve();
        });
      });
      server = created;
      logger.info({ port: (created.address() as AddressInfo).port, certDir }, 'Webhook serving');
      resolveServing();
    } else {
      server.setSecureContext({ cert: pair.cert, key: pair.key });
      logger.info({ certDir }, 'Webhook certificate reloaded');
    }
    current = pair;
  };

  await refresh();
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(refresh).catch((error: unknown) => logger.warn({ err: error }, `Webhook: ${(error as Error).message}`));
  }, options.reloadIntervalMs ?? 10_000);
  timer.unref();

  return {
    get port() {
      return server === undefined ? undefined : (server.address() as AddressInfo).port;
    },
    serving,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await pending;
      const open = server;
      if (open === undefined) return;
      await new Promise<void>((resolve, reject) => {
        open.close((error) => (error ? reject(error) : resolve()));
        open.closeAllConnections();
      });
    },
  };
}
