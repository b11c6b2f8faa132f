import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { freePort } from '../rig/processes.ts';
import { makeServingCertificate } from '../support/tls-certificates.ts';
import { eventually, identities, logLines, must, registries, registryFor, repoRoot, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

// The management apiserver calls the registrar's validating webhook, configured as config/webhook ships
// it (rules, failurePolicy, timeouts); only clientConfig differs: the rig has no Service network, so the
// apiserver dials the controller on loopback with the CA that cert-manager would inject.
let h: Harness;
let webhookConfig: string;
const webhookPath = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const webhookName = 'validate.eksclusterregistry.spire.spiffe.io';

function identity(name: string, spiffeIDTemplate: string): Record<string, unknown> {
  const base = webAppIdentity();
  return { ...base, metadata: { name }, spec: { ...(base.spec as Record<string, unknown>), spiffeIDTemplate } };
}

async function readyOf(name: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const body = (await must(h.fleet.management, 'GET', `${identities}/${name}`)) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
  return body.status?.conditions?.find((c) => c.type === 'Ready');
}

before(async () => {
  const port = await freePort();
  const pair = makeServingCertificate(['127.0.0.1']);
  h = await startHarness();
  const certDir = join(h.fleet.dir, 'webhook-certs');
  mkdirSync(certDir);
  writeFileSync(join(certDir, 'tls.crt'), pair.cert);
  writeFileSync(join(certDir, 'tls.key'), pair.key);
  webhookConfig = `{ port: ${port}, certDir: ${JSON.stringify(certDir)} }`;
  const shipped = parse(readFileSync(join(repoRoot, 'config/webhook/validating-webhook-configuration.yaml'), 'utf8')) as {
    metadata: Record<string, unknown>;
    webhooks: { clientConfig: unknown }[];
  };
  for (const webhook of shipped.webhooks) webhook.clientConfig = { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(pair.caCert).toString('base64') };
  await must(h.fleet.management, 'POST', webhookPath, { ...shipped, metadata: { name: 'spire-eks-workload-registrar' } });
});

after(async () => {
  await h?.stop();
});

test('the apiserver calls the webhook: a broken template is refused at create with its field and reason; a valid one passes', async () => {
  const controller = h.startController({ config: { webhook: webhookConfig } });
  await eventually('the webhook serving', async () => logLines(controller).some((line) => line.msg === 'Webhook serving'));
  const refused = await h.fleet.management.request('POST', identities, identity('broken', 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name'));
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  const message = (refused.body as { message: string }).message;
  assert.match(message, new RegExp(`^admission webhook "${webhookName.replaceAll('.', '\\.')}" denied the request: WorkloadIdentity broken: spec\\.spiffeIDTemplate: invalid template: template: spec\\.spiffeIDTemplate:1: `));
  assert.equal((await h.fleet.management.request('GET', `${identities}/broken`)).status, 404, 'nothing stored');

  const outside = await h.fleet.management.request('POST', identities, identity('outside', 'spiffe://elsewhere.org/web'));
  assert.equal(outside.status, 422);
  assert.match((outside.body as { message: string }).message, /WorkloadIdentity outside: spec\.spiffeIDTemplate: SPIFFE ID "spiffe:\/\/elsewhere\.org\/web" is not in trust domain "example\.org"$/);

  assert.equal((await h.fleet.management.request('POST', identities, identity('web-app', 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/web'))).status, 201);
  // A duplicate is allowed (the older one wins, the other counts as masked), and named in a warning.
  const copy = await h.fleet.management.request('POST', identities, identity('web-app-copy', 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/web'));
  assert.equal(copy.status, 201);
  assert.ok(
    copy.warnings.some((warning) => warning.includes('WorkloadIdentity web-app-copy wants the same entries as WorkloadIdentity web-app: where both apply, the older decides')),
    JSON.stringify(copy.warnings),
  );

  // A tenant's SpiffeID cannot reach into another namespace: its pods, or (the default spiffeIDPolicy) its IDs.
  await must(h.fleet.management, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop' } });
  const spiffeIds = '/apis/spiffeid.spiffe.io/v1beta1/namespaces/shop/spiffeids';
  const spiffeId = (namespace: string, id = 'spiffe://example.org/ns/shop/web'): unknown => ({
    apiVersion: 'spiffeid.spiffe.io/v1beta1',
    kind: 'SpiffeID',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { spiffeId: id, selector: { namespace, podLabel: { app: 'web' } } },
  });
  const reaching = await h.fleet.management.request('POST', spiffeIds, spiffeId('payments'));
  assert.equal(reaching.status, 422, JSON.stringify(reaching.body));
  assert.match((reaching.body as { message: string }).message, /denied the request: SpiffeID shop\/web: spec\.selector\.namespace: namespace "payments" is not this SpiffeID's own "shop"/);
  const naming = await h.fleet.management.request('POST', spiffeIds, spiffeId('shop', 'spiffe://example.org/ns/payments/sa/api'));
  assert.equal(naming.status, 422, JSON.stringify(naming.body));
  assert.match((naming.body as { message: string }).message, /denied the request: SpiffeID shop\/web: spec\.spiffeId: "spiffe:\/\/example\.org\/ns\/payments\/sa\/api" is not under "spiffe:\/\/example\.org\/ns\/shop\/"/);
  assert.equal((await h.fleet.management.request('POST', spiffeIds, spiffeId('shop'))).status, 201);
  // The controller's own update (the registry's finalizer) goes through the webhook and is allowed.
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await eventually('the registry finalizer', async () => {
    const registry = (await must(h.fleet.management, 'GET', `${registries}/production-cluster`)) as { metadata: { finalizers?: string[] } };
    return (registry.metadata.finalizers ?? []).length > 0;
  });
});

test('with the webhook down the shipped failurePolicy (Ignore) admits, and the controller refuses at reconcile what slipped through', async () => {
  await h.controller?.stop();
  const slipped = await h.fleet.management.request('POST', identities, identity('slipped', 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name'));
  assert.equal(slipped.status, 201, JSON.stringify(slipped.body));
  h.startController();
  await eventually('slipped Ready=False/InvalidSpec naming the field', async () => {
    const ready = await readyOf('slipped');
    return (ready?.status === 'False' && ready.reason === 'InvalidSpec' && ready.message.includes('spec.spiffeIDTemplate: invalid template')) || JSON.stringify(ready);
  });
});
