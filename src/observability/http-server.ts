import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistrarMetrics } from './metrics.ts';

// Not an import: building node:http's ESM namespace reads every export, among them the getters that load
// undici (Node's fetch), which nothing here uses and which every start paid for (docs/adr/0028).
const { createServer } = process.getBuiltinModule('node:http');

/** Where a server listens: `host` undefined means every interface. */
export interface ListenAddress {
  readonly host: string | undefined;
  /** 0 picks a free port. */
  readonly port: number;
}

/**
 * Reads a bind address as controller-runtime does: `host:port`, `:port` (every interface) or
 * `[ipv6]:port`; `0` or an empty string mean "do not serve" (undefined). `:0` picks a free port.
 */
export function parseBindAddress(address: string): ListenAddress | undefined {
  if (address === '' || address === '0') return undefined;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new Error(`invalid bind address ${JSON.stringify(address)}: expected host:port, :port, [ipv6]:port, or 0 to disable`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

/** A server that was started, or the stand-in for one that is disabled. */
export interface RunningServer {
  /** The port it listens on (the one picked for `:0`); undefined when disabled. */
  readonly port: number | undefined;
  /** Stops listening and ends open connections; resolves once closed. */
  close(): Promise<void>;
}

/** One readiness condition, e.g. "every cluster's informers synced" or "SPIRE server reachable". */
export interface ReadinessCheck {
  /** Shown in the /readyz answer, e.g. `informers`. */
  readonly name: string;
  /** True when ready; false or a reason (shown to whoever probes) when not. A throw counts as not ready. */
  readonly check: () => boolean | string;
}

export interface ProbeServerOptions {
  /** See parseBindAddress. Default `:8081`. */
  readonly bindAddress?: string;
  /** Default `/healthz`; a name without the leading slash (the config's `livenessEndpointName`) is accepted. */
  readonly livenessPath?: string;
  /** Default `/readyz`; a name without the leading slash (the config's `readinessEndpointName`) is accepted. */
  readonly readinessPath?: string;
  /** All must pass for the readiness probe to answer 200. Default none (always ready). */
  readonly checks?: readonly ReadinessCheck[];
}

/**
 * Serves the kubelet's probes. Liveness answers 200 whenever the event loop gets to answer at all: a
 * stuck process fails it by timing out, and a failed readiness check must not get the pod restarted.
 * Readiness answers 200 `ok` when every check passes, else 503 with one line per check, in the format of
 * Kubernetes' own /readyz (`[+]name ok`, `[-]name failed: reason`). `?verbose` lists the checks on 200
 * too.
 */
export async function startProbeServer(options: ProbeServerOptions = {}): Promise<RunningServer> {
  const livenessPath = asPath(options.livenessPath ?? '/healthz');
  const readinessPath = asPath(options.readinessPath ?? '/readyz');
  const checks = options.checks ?? [];
  return serve(options.bindAddress ?? ':8081', (request, response, url) => {
    if (url.pathname === livenessPath) return reply(request, response, 200, 'ok\n');
    if (url.pathname !== readinessPath) return reply(request, response, 404, 'not found\n');
    const results = checks.map((check) => ({ name: check.name, failure: failureOf(check) }));
    const ready = results.every((result) => result.failure === undefined);
    if (ready && !url.searchParams.has('verbose')) return reply(request, response, 200, 'ok\n');
    const lines = results.map(({ name, failure }) => (failure === undefined ? `[+]${name} ok` : `[-]${name} failed: ${failure}`));
    lines.push(ready ? 'readyz check passed' : 'readyz check failed');
    reply(request, response, ready ? 200 : 503, `${lines.join('\n')}\n`);
  });
}

export interface MetricsServerOptions {
  /** See parseBindAddress. Default `:8080`. */
  readonly bindAddress?: string;
  readonly metrics: Pick<RegistrarMetrics, 'registry'>;
}

/** Serves `/metrics` in the Prometheus text format from the metrics' own registry. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  const { registry } = options.metrics;
  return serve(options.bindAddress ?? ':8080', (request, response, url) => {
    if (url.pathname !== '/metrics') return reply(request, response, 404, 'not found\n');
    registry.metrics().then(
      (text) => reply(request, response, 200, text, registry.contentType),
      (error: unknown) => reply(request, response, 500, `collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
}

type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => void;

async function serve(bindAddress: string, handler: Handler): Promise<RunningServer> {
  const address = parseBindAddress(bindAddress);
  if (address === undefined) return { port: undefined, close: async () => {} };
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return reply(request, response, 405, 'method not allowed\n');
    }
    handler(request, response, new URL(request.url ?? '/', 'http://probe'));
  });
  await listen(server, address);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Prometheus and the kubelet keep connections alive; close() alone would wait for them.
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, address: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`cannot listen on ${address.host ?? ''}:${address.port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function asPath(nameOrPath: string): string {
  return nameOrPath.startsWith('/') ? nameOrPath : `/${nameOrPath}`;
}

function failureOf(readiness: ReadinessCheck): string | undefined {
  try {
    const result = readiness.check();
    if (result === true) return undefined;
    return result === false || result === '' ? 'not ready' : result;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function reply(request: IncomingMessage, response: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(request.method === 'HEAD' ? undefined : body);
}
