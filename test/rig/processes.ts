import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
  return address.port;
}

/** A child process of the rig, with its log file. */
export interface RigProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** The last lines of the log, for error messages. */
  logTail(lines?: number): string;
  /**
   * SIGSTOP to the process group: it keeps its sockets open and answers nothing, as a hung server does.
   * A test that pauses a process resumes it in a `finally`.
   */
  pause(): void;
  /** SIGCONT to the process group. */
  resume(): void;
  /** SIGTERM to the process group (resumed, should it be paused), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Runs it as this user and group instead of ours (a server that refuses root); default ours. */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/**
 * Owns a temporary directory and every process started in it. Each process gets its own process group,
 * so that stopping it also stops anything it spawned. A watchdog outside this process kills every group
 * and removes the directory if this process dies without stopping them (SIGKILL, a crashed test runner),
 * so no test leaves orphans.
 */
export class ProcessGroup {
  readonly dir: string;
  readonly #pidFile: string;
  readonly #processes = new Set<RigProcess>();
  #stopped = false;
  readonly #onExit = (): void => this.#killAllNow();

  constructor(prefix = 'rig-') {
    // Everything here is scratch: on tmpfs, where the machine has one, datastores skip the disk.
    this.dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), prefix));
    this.#pidFile = join(this.dir, 'pids');
    writeFileSync(this.#pidFile, '');
    // bash, not sh: dash's kill cannot signal a process group.
    const watchdog = spawn(
      'bash',
      [
        '-c',
        // Polls the owner; once it is gone, kills what it started and removes its directory.
        'while kill -0 "$0" 2>/dev/null; do sleep 1; done; for p in $(cat "$1" 2>/dev/null); do kill -KILL -- "-$p" 2>/dev/null; done; rm -rf "$2"',
        String(process.pid),
        this.#pidFile,
        this.dir,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    process.once('exit', this.#onExit);
  }

  /** Starts `command` with its output in `<dir>/<name>.log`. */
  start(name: string, command: string, options: StartOptions): RigProcess {
    if (this.#stopped) throw new Error(`cannot start ${name}: the rig is stopped`);
    const logFile = join(this.dir, `${name}.log`);
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, options.args, {
        cwd: options.cwd ?? this.dir,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', log, log],
        detached: true,
        ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
      });
    } finally {
      closeSync(log);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${name}: ${command} did not start`);
    appendFileSync(this.#pidFile, `${pid}\n`);
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      child.once('error', (error) => resolve(error.message));
    });
    const processes = this.#processes;
    const handle: RigProcess = {
      name,
      pid,
      logFile,
      exited,
      logTail: (lines = 30) => tail(logFile, lines),
      pause: () => signalGroup(pid, 'SIGSTOP'),
      resume: () => signalGroup(pid, 'SIGCONT'),
      stop: async (graceMs = 5000) => {
        signalGroup(pid, 'SIGTERM');
        // A stopped process acts on SIGTERM only once it runs again.
        signalGroup(pid, 'SIGCONT');
        // The grace timer is cancelled once the process ends, or it would hold the test process open.
        const grace = new AbortController();
        const ended = await Promise.race([
          exited.then(() => true),
          sleep(graceMs, false, { signal: grace.signal }).catch(() => false),
        ]);
        grace.abort();
        if (!ended) {
          signalGroup(pid, 'SIGKILL');
          await exited;
        }
        processes.delete(handle);
      },
    };
    processes.add(handle);
    return handle;
  }

  /** Stops every process (in reverse start order) and removes the directory unless `keep` is set. */
  async stopAll(keep = process.env.RIG_KEEP === '1'): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const handle of [...this.#processes].reverse()) await handle.stop();
    process.removeListener('exit', this.#onExit);
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  // On exit only synchronous work runs: signal every group and leave the directory to the watchdog.
  #killAllNow(): void {
    for (const handle of this.#processes) signalGroup(handle.pid, 'SIGKILL');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Polls `ready` until it resolves true. Fails early, with the log's tail, when the process exits, and
 * after `timeoutMs` with the last error `ready` threw.
 */
export async function waitUntilReady(
  proc: RigProcess,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void proc.exited.then((code) => (exit = code));
  let lastError = '';
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    if (exit !== undefined) {
      throw new Error(`${proc.name} exited (${exit}) before it was ready; log ${proc.logFile}:\n${proc.logTail()}`);
    }
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${proc.name} not ready after ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}; log ${proc.logFile}:\n${proc.logTail()}`,
      );
    }
    await sleep(delay);
  }
}
