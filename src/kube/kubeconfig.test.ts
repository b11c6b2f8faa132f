import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { fileRefreshMs, inClusterCredentials, kubeconfigCredentials, managementCredentials } from './kubeconfig.ts';

const root = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
after(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A fresh directory holding `files` (paths relative to it); returns its path. */
function directory(files: Record<string, string | object>): string {
  const dir = join(root, String(dirs++));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : stringify(content));
  }
  return dir;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A kubeconfig with one context `dev` using cluster `c` and user `admin`. */
function kubeconfig(cluster: object, user: object, extra: object = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'admin', user }],
    contexts: [{ name: 'dev', context: { cluster: 'c', user: 'admin' } }],
    'current-context': 'dev',
    ...extra,
  };
}

const start = Date.parse('2030-01-01T00:00:00Z');
function clock(): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

test('a token and inline CA: the credentials, nothing more', async () => {
  const dir = directory({ config: kubeconfig({ server: 'https://api.example:6443', 'certificate-authority-data': b64('CA PEM') }, { token: 'secret' }) });
  assert.deepEqual(await kubeconfigCredentials(join(dir, 'config'))(), { server: 'https://api.example:6443', caPem: 'CA PEM', token: 'secret' });
});

test('a tokenFile, relative to the kubeconfig, is read again a minute after it was read, so a rotated token is used', async () => {
  const dir = directory({ 'kube/config': kubeconfig({ server: 'https://a' }, { tokenFile: 'tokens/t' }), 'kube/tokens/t': 'first\n' });
  const time = clock();
  const source = kubeconfigCredentials(join(dir, 'kube/config'), { now: time.now });
  assert.equal((await source()).token, 'first', 'trimmed');
  writeFileSync(join(dir, 'kube/tokens/t'), 'second');
  time.advance(fileRefreshMs - 1);
  assert.equal((await source()).token, 'first', 'not read again within the minute');
  time.advance(1);
  assert.equal((await source()).token, 'second');
  rmSync(join(dir, 'kube/tokens/t'));
  time.advance(fileRefreshMs);
  await assert.rejects(source(), (error: Error) => error.message.startsWith(`kubeconfig ${join(dir, 'kube/config')}: user "admin": tokenFile: cannot read ${join(dir, 'kube/tokens/t')}: ENOENT`));
});

test('-data fields are decoded and win over files; file fields are relative to the kubeconfig', async () => {
  const dir = directory({
    'k/config': kubeconfig(
      { server: 'https://a', 'certificate-authority': '../pki/ca.crt' },
      { 'client-certificate': 'client.crt', 'client-key': '/nonexistent/key', 'client-key-data': b64('KEY PEM') },
    ),
    'pki/ca.crt': 'CA FROM FILE',
    'k/client.crt': 'CERT FROM FILE',
  });
  assert.deepEqual(await kubeconfigCredentials(join(dir, 'k/config'))(), { server: 'https://a', caPem: 'CA FROM FILE', clientCertPem: 'CERT FROM FILE', clientKeyPem: 'KEY PEM' });
});

test('insecure-skip-tls-verify and tls-server-name are passed on', async () => {
  const dir = directory({ config: kubeconfig({ server: 'https://10.0.0.1', 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.internal' }, { token: 't' }) });
  const credentials = await kubeconfigCredentials(join(dir, 'config'))();
  assert.equal(credentials.insecureSkipTlsVerify, true);
  assert.equal(credentials.tlsServerName, 'api.internal');
});

test('a KUBECONFIG list is merged as kubectl does: first definition and first non-empty current-context win, missing files skipped', async () => {
  const a = directory({
    config: { 'current-context': '', clusters: [{ name: 'shared', cluster: { server: 'https://from-a' } }], users: [{ name: 'u', user: { token: 'from-a' } }] },
  });
  const b = directory({
    config: {
      'current-context': 'b',
      clusters: [{ name: 'shared', cluster: { server: 'https://from-b' } }],
      users: [{ name: 'ub', user: { tokenFile: 'token' } }],
      contexts: [{ name: 'b', context: { cluster: 'shared', user: 'ub' } }],
    },
    token: 'from-b-dir',
  });
  const c = directory({ config: { 'current-context': 'c', contexts: [{ name: 'b', context: { cluster: 'none', user: 'none' } }] } });
  const list = [join(a, 'config'), join(root, 'missing'), join(b, 'config'), join(c, 'config')].join(delimiter);
  assert.deepEqual(await kubeconfigCredentials(list)(), { server: 'https://from-a', token: 'from-b-dir' });
  assert.throws(() => kubeconfigCredentials(join(root, 'missing')), /^Error: kubeconfig .*missing: cannot read it: ENOENT/, 'a single file must exist');
});

test('an exec plugin: run with its args and env, not interactive; its credential kept until a minute before it expires, then run again', async () => {
  const dir = directory({
    'bin/plugin': [
      '#!/bin/sh',
      'n=$(($(cat "$COUNT" 2>/dev/null || echo 0) + 1)); echo $n > "$COUNT"',
      'printf %s "$KUBERNETES_EXEC_INFO" > "$COUNT.info"',
      `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'"$1-$FROM_KUBECONFIG-$FROM_PROCESS-$n"'","expirationTimestamp":"2030-01-01T00:15:00Z"}}'`,
    ].join('\n'),
  });
  chmodSync(join(dir, 'bin/plugin'), 0o755);
  const count = join(dir, 'count');
  writeFileSync(
    join(dir, 'config'),
    stringify(kubeconfig({ server: 'https://a' }, {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/plugin', args: ['arg'], env: [{ name: 'FROM_KUBECONFIG', value: 'k' }, { name: 'COUNT', value: count }] },
    })),
  );
  const time = clock();
  const source = kubeconfigCredentials(join(dir, 'config'), { now: time.now, env: { ...process.env, FROM_PROCESS: 'p' } });
  const first = await Promise.all([source(), source(), source()]);
  assert.deepEqual(first.map((c) => c.token), ['arg-k-p-1', 'arg-k-p-1', 'arg-k-p-1'], 'one run for requests that wait together');
  assert.deepEqual(JSON.parse(readFileSync(`${count}.info`, 'utf8')), { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
  time.advance(14 * 60_000 - 1);
  assert.equal((await source()).token, 'arg-k-p-1', 'kept until a minute before expiry');
  time.advance(1);
  assert.equal((await source()).token, 'arg-k-p-2', 'run again then');
});

test('an exec credential without expirationTimestamp is kept for the life of the process', async () => {
  const dir = directory({
    plugin: `#!/bin/sh\necho run >> "$0.runs"\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"forever"}}'\n`,
  });
  chmodSync(join(dir, 'plugin'), 0o755);
  writeFileSync(join(dir, 'config'), stringify(kubeconfig({ server: 'https://a' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: join(dir, 'plugin') } })));
  const time = clock();
  const source = kubeconfigCredentials(join(dir, 'config'), { now: time.now });
  assert.equal((await source()).token, 'forever');
  time.advance(365 * 24 * 3600_000);
  assert.equal((await source()).token, 'forever');
  assert.equal(readFileSync(join(dir, 'plugin.runs'), 'utf8'), 'run\n');
});

test('a failing exec plugin is an error naming the kubeconfig, the user, the command and its stderr; the next call runs it again', async () => {
  const dir = directory({ plugin: '#!/bin/sh\necho run >> "$0.runs"\necho "no AWS credentials" >&2\nexit 3\n' });
  chmodSync(join(dir, 'plugin'), 0o755);
  const config = join(dir, 'config');
  writeFileSync(config, stringify(kubeconfig({ server: 'https://a' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(dir, 'plugin') } })));
  const source = kubeconfigCredentials(config);
  const expected = `kubeconfig ${config}: user "admin": exec: command "${join(dir, 'plugin')}" failed: exited with code 3: no AWS credentials`;
  await assert.rejects(source(), { message: expected });
  await assert.rejects(source(), { message: expected });
  assert.equal(readFileSync(join(dir, 'plugin.runs'), 'utf8'), 'run\nrun\n');

  writeFileSync(config, stringify(kubeconfig({ server: 'https://a' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'no-such-plugin-x', installHint: 'install it' } })));
  await assert.rejects(kubeconfigCredentials(config)(), { message: `kubeconfig ${config}: user "admin": exec: command "no-such-plugin-x" failed: not found: install it` });
});

test('basic authentication and auth-provider are refused, saying what to use instead, but only for the user in use', () => {
  const basic = directory({ config: kubeconfig({ server: 'https://a' }, { username: 'u', password: 'p' }) });
  assert.throws(() => kubeconfigCredentials(join(basic, 'config')), {
    message: `kubeconfig ${join(basic, 'config')}: user "admin": username/password (basic authentication) is not supported: use a token, tokenFile, a client certificate or an exec plugin`,
  });
  const provider = directory({ config: kubeconfig({ server: 'https://a' }, { 'auth-provider': { name: 'gcp' } }) });
  assert.throws(() => kubeconfigCredentials(join(provider, 'config')), /user "admin": auth-provider is not supported .*: use an exec plugin/);
  const unused = directory({
    config: kubeconfig({ server: 'https://a' }, { token: 't' }, { users: [{ name: 'admin', user: { token: 't' } }, { name: 'old', user: { 'auth-provider': { name: 'gcp' } } }] }),
  });
  assert.doesNotThrow(() => kubeconfigCredentials(join(unused, 'config')));
});

test('a missing current-context, an unknown context or cluster and a badly typed field are errors naming where', () => {
  const path = (config: object): string => join(directory({ config }), 'config');
  const none = path(kubeconfig({ server: 'https://a' }, { token: 't' }, { 'current-context': '' }));
  assert.throws(() => kubeconfigCredentials(none), { message: `kubeconfig ${none}: current-context is not set: choose one with kubectl config use-context` });
  const unknownContext = path(kubeconfig({ server: 'https://a' }, { token: 't' }, { 'current-context': 'prod' }));
  assert.throws(() => kubeconfigCredentials(unknownContext), { message: `kubeconfig ${unknownContext}: current-context "prod": no such context` });
  const unknownCluster = path(kubeconfig({ server: 'https://a' }, { token: 't' }, { contexts: [{ name: 'dev', context: { cluster: 'gone', user: 'admin' } }] }));
  assert.throws(() => kubeconfigCredentials(unknownCluster), { message: `kubeconfig ${unknownCluster}: context "dev": cluster "gone": no such cluster` });
  const noServer = path(kubeconfig({}, { token: 't' }));
  assert.throws(() => kubeconfigCredentials(noServer), { message: `kubeconfig ${noServer}: cluster "c": server: required` });
  const badType = path(kubeconfig({ server: 6443 }, { token: 't' }));
  assert.throws(() => kubeconfigCredentials(badType), { message: `kubeconfig ${badType}: clusters[0].cluster.server: expected a string, got number 6443` });
  const oldExec = path(kubeconfig({ server: 'https://a' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } }));
  assert.throws(() => kubeconfigCredentials(oldExec), /user "admin": exec.apiVersion: expected "client.authentication.k8s.io\/v1" or "client.authentication.k8s.io\/v1beta1", got "client.authentication.k8s.io\/v1alpha1"$/);
});

test('in-cluster: the service host and port (IPv6 bracketed), the CA and a token read again after a minute', async () => {
  const dir = directory({ token: 'projected-1', 'ca.crt': 'CLUSTER CA' });
  const time = clock();
  const source = inClusterCredentials({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir, now: time.now });
  assert.deepEqual(await source(), { server: 'https://10.96.0.1:443', caPem: 'CLUSTER CA', token: 'projected-1' });
  writeFileSync(join(dir, 'token'), 'projected-2');
  time.advance(fileRefreshMs);
  assert.equal((await source()).token, 'projected-2');
  const v6 = inClusterCredentials({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
  assert.equal((await v6()).server, 'https://[fd00::1]:443');
  const noAccount = inClusterCredentials({ env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' }, serviceAccountDir: join(root, 'none') });
  // The CA and the token are read at once: either may be the one reported missing.
  await assert.rejects(noAccount(), /^Error: in-cluster config: service account (ca\.crt|token): cannot read .*: ENOENT/);
});

test('the management cluster: the given kubeconfig, else KUBECONFIG, else in-cluster, else an error saying what to do', async () => {
  const given = directory({ config: kubeconfig({ server: 'https://given' }, { token: 't' }) });
  const fromEnv = directory({ config: kubeconfig({ server: 'https://from-env' }, { token: 't' }) });
  assert.equal((await managementCredentials(join(given, 'config'), { KUBECONFIG: join(fromEnv, 'config') })()).server, 'https://given');
  assert.equal((await managementCredentials(undefined, { KUBECONFIG: join(fromEnv, 'config'), KUBERNETES_SERVICE_HOST: 'h' })()).server, 'https://from-env');
  assert.throws(() => managementCredentials(undefined, { KUBECONFIG: '' }), {
    message: 'not running in a cluster (KUBERNETES_SERVICE_HOST unset) and no kubeconfig given: pass --kubeconfig or set KUBECONFIG',
  });
  // In-cluster reads the real service account directory: present when these tests run in a pod, absent elsewhere.
  const inCluster = managementCredentials(undefined, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
  const outcome = await inCluster().then((c) => c.server, (error: Error) => error.message);
  // The CA and the token are read at once: either may be the one reported missing.
  assert.match(outcome, /^(https:\/\/10\.96\.0\.1:443|in-cluster config: service account (ca\.crt|token): cannot read \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/(ca\.crt|token): .*)$/);
});
