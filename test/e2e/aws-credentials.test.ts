import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createNode, createPod, eventually, identities, logLines, must, podNameOf, registries, registryFor, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
  const api = h.fleet.workloads[1]?.apiServer;
  assert.ok(api);
  await createNode(api, 'node-1');
  await createPod(api, 'default', 'web-0', { app: 'web-app' }, 'node-1');
  // workload-2 is in an account of its own: the controller reaches it through AssumeRole.
  await must(h.fleet.management, 'POST', registries, registryFor('partner-cluster', h.fleet, 1, { environment: 'production' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
});

after(async () => {
  await h?.stop();
});

test('assumed-role credentials and EKS tokens are renewed before they lapse, with no failed request and no missed pod', async () => {
  const assumeRoleArn = h.fleet.workloads[1]?.assumeRoleArn;
  assert.ok(assumeRoleArn);
  // Sessions of 900 s (STS's minimum) renewed 888 s early, tokens renewed 888 s before their 900 s run out,
  // watches re-made every 4-8 s: a renewal every ~12 s, each new watch carrying the current token.
  const renewEverySeconds = 12;
  const proc = h.startController({
    env: {
      SPIRE_EKS_REGISTRAR_ASSUME_ROLE_DURATION_SECONDS: '900',
      SPIRE_EKS_REGISTRAR_CREDENTIAL_REFRESH_MARGIN_SECONDS: String(900 - renewEverySeconds),
      SPIRE_EKS_REGISTRAR_TOKEN_REFRESH_MARGIN_SECONDS: String(900 - renewEverySeconds),
      SPIRE_EKS_REGISTRAR_WATCH_TIMEOUT_SECONDS: '4',
    },
  });
  await eventually('the entry of web-0', async () => (await h.ownedEntries()).map(podNameOf).join() === 'web-0');
  const api = h.fleet.workloads[1]?.apiServer;
  assert.ok(api);
  // Three renewal periods, a pod created every 4 s, each one's entry expected within 5 s.
  const expected = ['web-0'];
  const start = Date.now();
  const until = start + 3 * renewEverySeconds * 1000 + 2000;
  for (let i = 1; Date.now() < until; i++) {
    // Pacing of the stream of changes, not a wait for a result.
    await sleep(Math.max(0, start + (i - 1) * 4000 - Date.now()));
    const name = `web-${i}`;
    await createPod(api, 'default', name, { app: 'web-app' }, 'node-1');
    expected.push(name);
    await eventually(`the entry of ${name}`, async () => (await h.ownedEntries()).some((entry) => podNameOf(entry) === name), 5000);
  }
  assert.deepEqual((await h.ownedEntries()).map(podNameOf).sort(), expected.sort());

  const reviews = h.fleet.webhook.reviews.filter((review) => review.clusterName === 'workload-2');
  assert.deepEqual(reviews.filter((review) => !review.authenticated), [], 'every token was accepted');
  const keys = new Set(reviews.map((review) => review.accessKeyId));
  const tokens = new Set(reviews.map((review) => review.tokenDigest));
  assert.ok(keys.size >= 3, `access keys seen: ${keys.size}`);
  assert.ok(tokens.size >= 3, `tokens seen: ${tokens.size}`);
  assert.ok(reviews.every((review) => review.arn.startsWith(assumeRoleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/'))), JSON.stringify([...new Set(reviews.map((r) => r.arn))]));
  // No request failed: the controller warned about nothing and the cluster never left Ready.
  assert.deepEqual(logLines(proc).filter((line) => line.level === 'warn' || line.level === 'error'), []);
  process.stdout.write(`# workload-2: ${reviews.length} token reviews, ${tokens.size} tokens, ${keys.size} access keys, ${expected.length} pods\n`);
});
