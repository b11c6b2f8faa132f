import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ClusterCredentialSource } from './cluster-credentials.ts';
import { KubeApiError, parseStatus } from './kube-api-error.ts';

export interface ClusterConnectionOptions {
  /** Names the cluster in every error. */
  readonly name: string;
  readonly credentials: ClusterCredentialSource;
  /** The User-Agent header. Default `spire-eks-workload-registrar`. */
  readonly userAgent?: string;
  /** How long a request other than a watch may take, answer included. Default 60 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * Asks for gzip-compressed answers (the apiserver compresses large ones, lists in practice). Default
   * true: it cuts a list's transfer about tenfold, which matters across regions (docs/adr/0013).
   */
  readonly compression?: boolean;
}

export interface RequestOptions {
  /** Sent as JSON. */
  readonly body?: unknown;
  /**
   * The body's media type. Default `application/json`; a JSON merge patch needs
   * `application/merge-patch+json`, which the apiserver tells apart from other patches by this alone.
   */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Overrides the connection's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
}

/**
 * HTTP to one cluster's apiserver over node:https, with a keep-alive agent of its own (so one cluster's
 * sockets never queue behind another's) and credentials asked for on every request. TLS material is
 * passed per request: the agent pools sockets by it, so a rotated CA or client certificate gets new
 * sockets while a new bearer token reuses the old ones.
 */
export class ClusterConnection {
  readonly name: string;
  readonly #credentials: ClusterCredentialSource;
  readonly #userAgent: string;
  readonly #requestTimeoutMs: number;
  readonly #compression: boolean;
  // TCP keep-alive probes also let the kernel notice a peer that vanished under an idle watch.
  readonly #agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000 });

  constructor(options: ClusterConnectionOptions) {
    this.name = options.name;
    this.#credentials = options.credentials;
    this.#userAgent = options.userAgent ?? 'spire-eks-workload-registrar';
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#compression = options.compression ?? true;
  }

  /** Sends a request and resolves with its parsed JSON body; throws KubeApiError for a non-2xx answer. */
  async requestJson(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const where = this.#where(method, path);
    try {
      const body = await this.#send(method, path, signal, options.body, options.contentType);
      const text = (await readAll(body)).toString('utf8');
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${where}: the answer is not JSON: ${text.slice(0, 200)}`);
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw new Error(`${where}: no answer within ${timeoutMs} ms`, { cause: error });
      throw error;
    }
  }

  /**
   * Opens a streaming GET (a watch) and resolves with the decoded body once the server answered 2xx.
   * No timeout: a watch lasts as long as the server's timeoutSeconds, and its caller detects silence.
   * Aborting `signal` destroys the stream.
   */
  async openStream(path: string, signal: AbortSignal): Promise<Readable> {
    try {
      return await this.#send('GET', path, signal, undefined);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw error;
    }
  }

  /** Closes the idle sockets and stops pooling; requests in flight end with an error. */
  close(): void {
    this.#agent.destroy();
  }

  #where(method: string, path: string): string {
    return `${method} ${path} on cluster ${this.name}`;
  }

  async #send(method: string, path: string, signal: AbortSignal, body: unknown, contentType = 'application/json'): Promise<Readable> {
    signal.throwIfAborted();
    const where = this.#where(method, path);
    let credentials;
    try {
      credentials = await this.#credentials();
    } catch (error) {
      throw new Error(`${where}: no credentials: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    signal.throwIfAborted();
    const url = new URL(credentials.server.replace(/\/+$/, '') + path);
    if (url.protocol !== 'https:') throw new Error(`cluster ${this.name}: server ${credentials.server} is not https`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.#agent,
          signal,
          ...(credentials.caPem !== undefined ? { ca: credentials.caPem } : {}),
          ...(credentials.clientCertPem !== undefined ? { cert: credentials.clientCertPem } : {}),
          ...(credentials.clientKeyPem !== undefined ? { key: credentials.clientKeyPem } : {}),
          ...(credentials.tlsServerName !== undefined ? { servername: credentials.tlsServerName } : {}),
          ...(credentials.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
          headers: {
            accept: 'application/json',
            ...(this.#compression ? { 'accept-encoding': 'gzip' } : {}),
            'user-agent': this.#userAgent,
            ...(credentials.token !== undefined ? { authorization: `Bearer ${credentials.token}` } : {}),
            // Node frames a body by chunks only for some methods: a DELETE's (its DeleteOptions) would otherwise
            // go unframed, and the server read it as the next request on the connection (a 400).
            ...(payload !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        resolve,
      );
      req.on('error', (error) => reject(signal.aborted ? signal.reason : new Error(`${where}: ${error.message}`, { cause: error })));
      req.end(payload);
    });
    const decoded = decode(response);
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return decoded;
    const text = (await readAll(decoded)).toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not a Status (a proxy's HTML page, say): the text goes into the message.
    }
    throw new KubeApiError(where, parseStatus(status, parsed));
  }
}

function decode(response: IncomingMessage): Readable {
  if (response.headers['content-encoding'] !== 'gzip') return response;
  const gunzip = createGunzip();
  // pipeline carries an error (or an abort) of the response into the decoded stream.
  return pipeline(response, gunzip, () => {});
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
