import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ProcessGroup, freePort, waitUntilReady } from './processes.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(100);
  assert.ok(check(), what);
}

test('stopAll stops every process with what it spawned, and removes the directory', async () => {
  const group = new ProcessGroup('processes-test-');
  // The shell's own child must go too: the whole process group is signalled.
  const proc = group.start('shell', 'bash', { args: ['-c', 'sleep 300 & echo "child $!"; wait'] });
  await waitUntilReady(proc, async () => /child \d+/.test(proc.logTail()));
  const child = Number(/child (\d+)/.exec(proc.logTail())?.[1]);
  assert.ok(alive(proc.pid) && alive(child));
  await group.stopAll(false);
  await eventually(() => !alive(child) && !alive(proc.pid), 'no process left');
  assert.equal(existsSync(group.dir), false);
});

test('a process that exits before it is ready fails the wait with its log', async () => {
  const group = new ProcessGroup('processes-test-');
  try {
    const proc = group.start('failing', 'bash', { args: ['-c', 'echo "bad flag --frob"; exit 3'] });
    await assert.rejects(waitUntilReady(proc, async () => false), /failing exited \(3\) before it was ready;[^]*bad flag --frob/);
  } finally {
    await group.stopAll(false);
  }
});

test('nothing is left behind when the owning process is killed outright', async () => {
  // A separate Node process owns a group with a long-running child, then is SIGKILLed: no exit handler
  // runs, so only the watchdog can clean up.
  const script = `
    const { ProcessGroup } = await import(${JSON.stringify(fileURLToPath(new URL('./processes.ts', import.meta.url)))});
    const group = new ProcessGroup('processes-test-');
    const proc = group.start('sleeper', 'sleep', { args: ['300'] });
    console.log(JSON.stringify({ pid: proc.pid, dir: group.dir }));
    setInterval(() => {}, 1000);
  `;
  const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => owner.stdout.once('data', (data: Buffer) => resolve(data.toString())));
  const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
  assert.ok(alive(pid) && existsSync(dir));
  owner.kill('SIGKILL');
  await eventually(() => !alive(pid), 'the child is killed by the watchdog');
  await eventually(() => !existsSync(dir), 'the directory is removed by the watchdog');
});

test('freePort hands out a bindable loopback port', async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
});

/** The state letter of /proc/<pid>/stat: T when stopped. */
function state(pid: number): string {
  return /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '';
}

test('pause stops the process where it is and resume lets it run on; a paused process still stops promptly', async () => {
  const group = new ProcessGroup('processes-test-');
  try {
    // A handler for SIGTERM, as kube-apiserver has: a stopped process runs it only once continued.
    // One process with no children, so no fork can race the group signals.
    const ticker = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => console.log('tick'), 50);";
    const proc = group.start('ticker', process.execPath, { args: ['-e', ticker] });
    await waitUntilReady(proc, async () => proc.logTail().includes('tick'));
    proc.pause();
    await eventually(() => state(proc.pid) === 'T', 'stopped');
    const ticks = proc.logTail(1000).split('\n').length;
    await sleep(300);
    assert.equal(proc.logTail(1000).split('\n').length, ticks, 'no output while paused');
    proc.resume();
    await eventually(() => proc.logTail(1000).split('\n').length > ticks, 'ticking again');
    proc.pause();
    const started = Date.now();
    await proc.stop(10_000);
    assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms, not after the grace period`);
  } finally {
    await group.stopAll(false);
  }
});
