// Builds and drives the Go reference renderer (test/tools/gotemplate), which renders with Go's own
// text/template. The binary is cached outside the clone, keyed by a hash of the tool's source.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const toolDir = fileURLToPath(new URL('../tools/gotemplate/', import.meta.url));

/** One render: the template, its JSON data (with the $int and $goStruct markers) and options. */
export interface GoCase {
  readonly name?: string;
  readonly template: string;
  readonly data?: unknown;
  readonly missingkey?: 'default' | 'zero' | 'error' | 'invalid';
  readonly leftDelim?: string;
  readonly rightDelim?: string;
  /**
   * Where the engine deliberately stops earlier than Go (its safety bounds), both must fail, but the
   * messages may differ. The reference ignores this field.
   */
  readonly anyError?: boolean;
}

/** Go's answer: the output bytes, or the error message. */
export type GoResult = { readonly output: Buffer } | { readonly error: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? sourceFiles(path) : [path];
    })
    .filter((p) => p.endsWith('.go') || p.endsWith('go.mod'))
    .sort();
}

function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'spire-eks-workload-registrar');
}

let built: Promise<string> | undefined;

/** The path of the reference binary, built with the machine's Go when its source changed. */
export function goTemplateBinary(): Promise<string> {
  built ??= build();
  return built;
}

async function build(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of sourceFiles(toolDir)) {
    hash.update(relative(toolDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const dir = join(cacheDir(), 'bin');
  const target = join(dir, `gotemplate-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await promisify(execFile)('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: toolDir,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' },
  });
  renameSync(tmp, target);
  return target;
}

/** Renders every case with Go, in one process; gives up after `timeoutMs` (Go has no bound on a template). */
export async function renderWithGo(cases: readonly GoCase[], timeoutMs = 120_000): Promise<GoResult[]> {
  const binary = await goTemplateBinary();
  const child = spawn(binary, ['batch'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => stdout.push(b));
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(cases.map((c) => JSON.stringify(c) + '\n').join(''));
  const code = await done;
  if (code !== 0) throw new Error(`gotemplate batch exited ${code ?? 'on a signal (timeout?)'}: ${Buffer.concat(stderr).toString()}`);
  const lines = Buffer.concat(stdout).toString('utf8').split('\n').filter((l) => l !== '');
  if (lines.length !== cases.length) throw new Error(`gotemplate answered ${lines.length} of ${cases.length} cases`);
  return lines.map((line) => {
    const r = JSON.parse(line) as { output?: string; outputBase64?: string; error?: string };
    if (r.error !== undefined) return { error: r.error };
    if (r.outputBase64 !== undefined) return { output: Buffer.from(r.outputBase64, 'base64') };
    return { output: Buffer.from(r.output ?? '', 'utf8') };
  });
}
