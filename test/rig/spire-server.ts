import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentPath } from './components.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { freePort, waitUntilReady, type ProcessGroup, type RigProcess } from './processes.ts';

/** The datastores the rig runs spire-server on, by SPIRE's `database_type`. */
export const spireDatastoreKinds = ['sqlite3', 'postgres'] as const;
export type SpireDatastoreKind = (typeof spireDatastoreKinds)[number];

/** Where a spire-server keeps its entries. */
export type SpireDatastore =
  | { readonly type: 'sqlite3'; readonly path: string }
  | { readonly type: 'postgres'; readonly connectionString: string; readonly postgres: Postgres };

/** One line on where a datastore is and how to look into it, for a person at the terminal. */
export function describeDatastore(datastore: SpireDatastore): string {
  return datastore.type === 'sqlite3'
    ? `datastore SQLite: ${datastore.path}`
    : `datastore PostgreSQL ${datastore.postgres.version}: psql "${datastore.connectionString}"`;
}

/** `value` as a datastore kind, or an error that names `source` (a flag, a variable) and the choices. */
export function parseSpireDatastoreKind(value: string, source: string): SpireDatastoreKind {
  const kind = spireDatastoreKinds.find((known) => known === value);
  if (kind === undefined) throw new Error(`${source}: unknown SPIRE datastore '${value}'; use one of ${spireDatastoreKinds.join(', ')}`);
  return kind;
}

/** What a spire-server CLI command printed and how it exited. */
export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface SpireServer {
  /** The admin API's Unix socket (the `socket_path` of server.conf). */
  readonly socketPath: string;
  readonly trustDomain: string;
  /** Its datastore; pass it as another server's `datastore` to share a PostgreSQL database. */
  readonly datastore: SpireDatastore;
  /** The running server process; a new one after each restart. */
  readonly process: RigProcess;
  /**
   * Runs the spire-server CLI against this server: `args` is the command and its flags, e.g.
   * `['entry', 'show', '-output', 'json']`; `-socketPath` is added after the command words.
   */
  cli(args: readonly string[]): Promise<CliResult>;
  /** Like `cli`, but fails with the command's output unless it exits 0; resolves with stdout. */
  cliOk(args: readonly string[]): Promise<string>;
  /** Every entry as the CLI prints it (`entry show -output json`): the server's own JSON, field names as in the .proto. */
  cliEntries(): Promise<Record<string, unknown>[]>;
  /**
   * Stops the server (SIGTERM, then SIGKILL after `graceMs`, default 5000), waits `downtimeMs` (default 0)
   * and starts it again on the same config, data directory and socket; resolves once it is healthy.
   */
  restart(options?: { readonly graceMs?: number; readonly downtimeMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface SpireServerOptions {
  readonly trustDomain: string;
  /** Names the process and its directory in the group; default `spire-server`. */
  readonly name?: string;
  /**
   * `sqlite3` (the default: nothing else to start): a file in the server's data directory. `postgres`: a
   * PostgreSQL of its own, started in the group (`<name>-postgres`), database `spire`. Another server's
   * `datastore` (PostgreSQL only): the same database, as SPIRE's servers share one in high availability.
   */
  readonly datastore?: SpireDatastoreKind | SpireDatastore;
}

/**
 * Starts spire-server with a disk key manager and the datastore asked for, its admin API on a Unix socket
 * in the group's directory, and resolves once `spire-server healthcheck` passes.
 */
export async function startSpireServer(group: ProcessGroup, options: SpireServerOptions): Promise<SpireServer> {
  const name = options.name ?? 'spire-server';
  const binary = componentPath('spire-server');
  const dir = join(group.dir, name);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  // Unix socket paths are limited to about 100 bytes: keep this one short.
  const socketPath = join(dir, 'api.sock');
  const configPath = join(dir, 'server.conf');
  const datastore = await openDatastore(group, name, dataDir, options.datastore ?? 'sqlite3');
  writeFileSync(configPath, serverConfig({ trustDomain: options.trustDomain, bindPort: await freePort(), socketPath, dataDir, datastore }));

  const cli = (args: readonly string[]): Promise<CliResult> => runCli(binary, withSocketPath(args, socketPath));
  const cliOk = async (args: readonly string[]): Promise<string> => {
    const result = await cli(args);
    if (result.code !== 0) {
      throw new Error(`spire-server ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
    }
    return result.stdout;
  };

  const start = async (): Promise<RigProcess> => {
    const proc = group.start(name, binary, { args: ['run', '-config', configPath], cwd: dir });
    await waitUntilReady(proc, async () => {
      const result = await cli(['healthcheck']);
      if (result.code !== 0) throw new Error(`healthcheck: ${(result.stderr || result.stdout).trim()}`);
      return true;
    });
    return proc;
  };

  let proc = await start();
  return {
    socketPath,
    trustDomain: options.trustDomain,
    datastore,
    get process() {
      return proc;
    },
    cli,
    cliOk,
    cliEntries: async () => {
      const parsed = JSON.parse(await cliOk(['entry', 'show', '-output', 'json'])) as { entries?: Record<string, unknown>[] };
      return parsed.entries ?? [];
    },
    restart: async ({ graceMs = 5000, downtimeMs = 0 } = {}) => {
      await proc.stop(graceMs);
      if (downtimeMs > 0) await new Promise((resolve) => setTimeout(resolve, downtimeMs));
      proc = await start();
    },
    stop: () => proc.stop(),
  };
}

async function openDatastore(
  group: ProcessGroup,
  name: string,
  dataDir: string,
  wanted: SpireDatastoreKind | SpireDatastore,
): Promise<SpireDatastore> {
  if (wanted === 'sqlite3') return { type: 'sqlite3', path: join(dataDir, 'datastore.sqlite3') };
  if (wanted === 'postgres') {
    const postgres = await startPostgres(group, { name: `${name}-postgres` });
    return { type: 'postgres', connectionString: await postgres.createDatabase('spire'), postgres };
  }
  // SPIRE's servers share a datastore only through a database server; a SQLite file is one server's.
  if (wanted.type === 'sqlite3') throw new Error(`${name}: only a PostgreSQL datastore can be shared; ${wanted.path} is another server's SQLite file`);
  return wanted;
}

function serverConfig(config: { trustDomain: string; bindPort: number; socketPath: string; dataDir: string; datastore: SpireDatastore }): string {
  const q = (value: string | number): string => JSON.stringify(String(value));
  const { datastore } = config;
  return `server {
  bind_address = "127.0.0.1"
  bind_port = ${q(config.bindPort)}
  socket_path = ${q(config.socketPath)}
  trust_domain = ${q(config.trustDomain)}
  data_dir = ${q(config.dataDir)}
  log_level = "INFO"
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = ${q(datastore.type)}
      connection_string = ${q(datastore.type === 'sqlite3' ? datastore.path : datastore.connectionString)}
    }
  }
  KeyManager "disk" {
    plugin_data {
      keys_path = ${q(join(config.dataDir, 'keys.json'))}
    }
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
}
`;
}

// Go's flag package stops at the first non-flag argument, so the flag goes right after the command words
// (`entry show`), before the command's own flags.
function withSocketPath(args: readonly string[], socketPath: string): string[] {
  const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
  const at = firstFlag === -1 ? args.length : firstFlag;
  return [...args.slice(0, at), '-socketPath', socketPath, ...args.slice(at)];
}

function runCli(binary: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8') + (signal === null ? '' : `killed by ${signal}\n`),
        code: code ?? 128,
      }),
    );
  });
}
