import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { main } from './main.ts';
import { packageVersion } from './version.ts';

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (t) => (out += t), stderr: (t) => (err += t) }, out: () => out, err: () => err };
}

test('--help lists every command and exits 0', async () => {
  const c = capture();
  assert.equal(await main(['--help'], c.io), 0);
  assert.match(c.out(), /Usage: spire-eks-workload-registrar <command>/);
  assert.match(c.out(), /^ {2}version {2}/m);
});

test('version prints the package version', async () => {
  const c = capture();
  assert.equal(await main(['version'], c.io), 0);
  assert.equal(c.out(), `spire-eks-workload-registrar ${packageVersion()}\n`);
  assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
});

test('an unknown command is an error that shows the help', async () => {
  const c = capture();
  assert.equal(await main(['frobnicate'], c.io), 1);
  assert.match(c.err(), /unknown command "frobnicate"/);
});

test('loading every command leaves Node\'s fetch (undici) unloaded, which nothing uses and which costs start-up', () => {
  const script = `await import(${JSON.stringify(new URL('./main.ts', import.meta.url).href)});
process.stdout.write(String(process.moduleLoadList.filter((name) => name.includes('undici')).length));`;
  assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }), '0');
});
