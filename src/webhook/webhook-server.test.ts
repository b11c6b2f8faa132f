import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import test from 'node:test';
import { sampleConfig } from '../../test/fixtures/fleet-objects.ts';
import { RecordingLogger } from '../../test/support/recording-logger.ts';
import { makeServingCertificate, type ServingCertificate } from '../../test/support/tls-certificates.ts';
import { kindValidators } from './kind-validators.ts';
import { startWebhookServer, validatePath } from './webhook-server.ts';

function post(port: number, ca: string, path: string, body: string): Promise<{ status: number; body: string; peer: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), peer: (response.socket as TLSSocket).getPeerCertificate() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function writePair(dir: string, pair: ServingCertificate): void {
  writeFileSync(join(dir, 'tls.crt'), pair.cert);
  writeFileSync(join(dir, 'tls.key'), pair.key);
}

const review = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u-2',
    kind: { group: 'eksclusterregistry.spire.spiffe.io', version: 'v1alpha1', kind: 'WorkloadIdentity' },
    operation: 'CREATE',
    object: { apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1', kind: 'WorkloadIdentity', metadata: { name: 'web' }, spec: { spiffeIDTemplate: '{{ .Nope' } },
  },
});

test('waits for a certificate, serves reviews over TLS once it appears, and follows its renewal', async () => {
  const certDir = mkdtempSync(join(tmpdir(), 'webhook-certs-'));
  const logger = new RecordingLogger();
  const server = await startWebhookServer({ port: 0, certDir, validators: kindValidators(sampleConfig()), logger, reloadIntervalMs: 50 });
  try {
    assert.equal(server.port, undefined, 'not listening without a certificate');
    assert.ok(logger.lines.some((line) => line.level === 'info' && line.msg.startsWith('Webhook not served yet: no certificate')));
    const first = makeServingCertificate(['127.0.0.1'], 'first');
    writePair(certDir, first);
    await server.serving;
    const port = Number(server.port);
    const answer = await post(port, first.caCert, validatePath, review);
    assert.equal(answer.status, 200);
    const verdict = JSON.parse(answer.body) as { response: { uid: string; allowed: boolean; status: { message: string } } };
    assert.equal(verdict.response.uid, 'u-2');
    assert.equal(verdict.response.allowed, false);
    assert.match(verdict.response.status.message, /^WorkloadIdentity web: spec\.spiffeIDTemplate: invalid template: /);
    assert.equal(answer.peer.subject.CN, 'first');

    assert.equal((await post(port, first.caCert, '/elsewhere', review)).status, 404);
    assert.equal((await post(port, first.caCert, validatePath, '{not json')).status, 400);
    assert.equal((await post(port, first.caCert, validatePath, '{"kind":"AdmissionReview"}')).status, 400);

    const second = makeServingCertificate(['127.0.0.1'], 'second');
    writePair(certDir, second);
    const deadline = Date.now() + 5000;
    let renewed = false;
    while (!renewed && Date.now() < deadline) {
      renewed = await post(port, second.caCert, validatePath, review).then(
        (reply) => reply.peer.subject.CN === 'second',
        () => false,
      );
    }
    assert.ok(renewed, 'the renewed certificate is served on the same port without a restart');
  } finally {
    await server.close();
    rmSync(certDir, { recursive: true, force: true });
  }
});
