import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntilReady, type ProcessGroup, type RigProcess } from './processes.ts';

const run = promisify(execFile);

/** Where Debian's postgresql packages put each major version's programs (not on PATH). */
const debianRoot = '/usr/lib/postgresql';
/** The database superuser, in the cluster and in connection strings, whichever OS user runs the server. */
const superuser = 'postgres';

/** A PostgreSQL server of the rig: its own cluster in the group's directory, reached only by its Unix socket. */
export interface Postgres {
  /** The directory of its Unix socket: libpq's `host`. */
  readonly socketDir: string;
  /** The major version of the installed package that runs it, e.g. `15`. */
  readonly version: string;
  readonly process: RigProcess;
  /**
   * Creates an empty database and resolves with a libpq connection string (keyword=value form) that
   * reaches it as the superuser, as spire-server's `connection_string` takes it.
   */
  createDatabase(name: string): Promise<string>;
  /** Runs `sql` in `database` through psql; resolves with its rows, fields separated by `|`. */
  query(database: string, sql: string): Promise<string[]>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Names the process and its directory in the group; default `postgres`. */
  readonly name?: string;
}

/** Why the rig cannot start PostgreSQL here, or undefined when it can (for a test's `skip`). */
export function postgresUnavailable(): string | undefined {
  try {
    postgresBinDir();
    runAs();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Starts PostgreSQL from Debian's package: a new cluster (initdb, trust authentication) in the group's
 * directory, listening on a Unix socket there and on no TCP port, so instances never compete for a port.
 * As root it runs as the `postgres` user, since PostgreSQL refuses to run as root. Resolves once it
 * accepts connections; stopped with the group like the other processes.
 */
export async function startPostgres(group: ProcessGroup, options: PostgresOptions = {}): Promise<Postgres> {
  const name = options.name ?? 'postgres';
  const bin = postgresBinDir();
  const user = runAs();
  const dir = join(group.dir, name);
  const dataDir = join(dir, 'data');
  mkdirSync(dir);
  if (user !== undefined) {
    // The server's user must reach its directory through the group's, which only root may read: its
    // group may pass through it, no more.
    chownSync(group.dir, 0, user.gid);
    chmodSync(group.dir, 0o710);
    chownSync(dir, user.uid, user.gid);
  }
  chmodSync(dir, 0o700);
  const asUser = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  try {
    // --no-sync: a scratch cluster need not survive a power loss of the machine.
    await run(join(bin, 'initdb'), ['-D', dataDir, '-U', superuser, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], {
      ...asUser,
      cwd: dir,
    });
  } catch (error) {
    throw new Error(`initdb of ${name} in ${dataDir} failed: ${commandOutput(error)}`, { cause: error });
  }

  const proc = group.start(name, join(bin, 'postgres'), {
    args: [
      '-D', dataDir,
      '-c', 'listen_addresses=',
      '-c', `unix_socket_directories=${dir}`,
      // spire-server pools up to 100 connections (its max_open_conns default): room for two servers and tools.
      '-c', 'max_connections=250',
    ],
    cwd: dir,
    ...(user === undefined ? {} : { user }),
  });
  const client = (program: string, args: readonly string[]): Promise<{ stdout: string }> =>
    run(join(bin, program), ['-h', dir, '-U', superuser, ...args], { cwd: dir });
  await waitUntilReady(proc, async () => {
    await client('pg_isready', ['-q']);
    return true;
  });
  const version = bin.split('/').at(-2) ?? '';
  return {
    socketDir: dir,
    version,
    process: proc,
    createDatabase: async (database) => {
      try {
        await client('createdb', [database]);
      } catch (error) {
        throw new Error(`createdb ${database} in ${name} failed: ${commandOutput(error)}`, { cause: error });
      }
      return connectionString({ dbname: database, user: superuser, host: dir, sslmode: 'disable' });
    },
    query: async (database, sql) => {
      try {
        const { stdout } = await client('psql', ['-d', database, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
        return stdout.split('\n').filter((line) => line !== '');
      } catch (error) {
        throw new Error(`psql -d ${database} -c ${JSON.stringify(sql)} in ${name} failed: ${commandOutput(error)}`, { cause: error });
      }
    },
    stop: () => proc.stop(),
  };
}

/** The bin directory of the newest PostgreSQL major version Debian's packages installed. */
function postgresBinDir(): string {
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((version) => existsSync(join(debianRoot, version, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL is not installed (no ${debianRoot}/<version>/bin/postgres): 'npm run rig:build' installs Debian's postgresql when run as root, or run 'apt-get install postgresql' as root`,
    );
  }
  return join(debianRoot, newest, 'bin');
}

/** The user PostgreSQL runs as: as root, the `postgres` user Debian's package makes; otherwise ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = lookUpUser(superuser);
  if (entry === undefined) throw new Error(`PostgreSQL cannot run as root and there is no '${superuser}' user: install Debian's postgresql package, which makes it`);
  return entry;
}

function lookUpUser(name: string): { uid: number; gid: number } | undefined {
  // name:password:uid:gid:...; Debian's package makes a local user, so /etc/passwd has it.
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** libpq's keyword=value form, each value quoted so that paths with spaces or quotes pass. */
function connectionString(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}='${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
    .join(' ');
}

function commandOutput(error: unknown): string {
  const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message?: string };
  return (stderr || stdout || message || String(error)).trim();
}
