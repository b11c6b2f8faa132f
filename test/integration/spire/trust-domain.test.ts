import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTrustDomainBundle } from '../../../src/spire/trust-domain-bundle.ts';
import { createTrustDomainClient, type SpireTrustDomainClient } from '../../../src/spire/trust-domain-client.ts';
import type { FederationRelationship } from '../../../src/spire/trust-domain-relationship.ts';
import { spiffeBundleJson } from '../../support/spiffe-bundle.ts';
import { spireDatastores, startSpireFixture, type SpireFixture } from './spire-fixture.ts';

// The TrustDomain API client against a real spire-server, on each datastore: what the client writes reads
// back through spire-server's CLI, and what the CLI writes reads back through the client.

function web(trustDomain: string, url = `https://spire.${trustDomain}:8443`): FederationRelationship {
  return { trustDomain, bundleEndpointUrl: url, bundleEndpointProfile: { type: 'https_web' } };
}

/** `federation list` as the CLI prints it (JSON field names as in the .proto), by trust domain. */
async function cliRelationships(spire: SpireFixture): Promise<Map<string, Record<string, unknown>>> {
  const listed = JSON.parse(await spire.server.cliOk(['federation', 'list', '-output', 'json'])) as { federation_relationships?: Record<string, unknown>[] };
  return new Map((listed.federation_relationships ?? []).map((relationship) => [String(relationship.trust_domain), relationship]));
}

for (const { kind, skip } of spireDatastores) describe(`federation relationships against spire-server on ${kind}`, { skip }, () => {
  let spire: SpireFixture;
  let client: SpireTrustDomainClient;

  before(async () => {
    spire = await startSpireFixture(kind);
    client = createTrustDomainClient({ socketPath: spire.server.socketPath, pageSize: 2 });
  });
  after(async () => {
    client?.close();
    await spire?.stop();
  });

  it('creates both profiles, with a bundle, as the CLI reads them; lists them page by page', async () => {
    const bundleText = spiffeBundleJson({ keyId: 'partner-key', sequence: 4 });
    const spiffeProfile: FederationRelationship = {
      trustDomain: 'partner.org',
      bundleEndpointUrl: 'https://spire.partner.org:8443/bundle',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSpiffeId: 'spiffe://partner.org/spire/server' },
      trustDomainBundle: parseTrustDomainBundle(bundleText, 'partner.org'),
    };
    const batch = [spiffeProfile, web('a.org'), web('b.org'), web('c.org'), web('d.org')];
    assert.deepEqual((await client.createFederationRelationships(batch)).map((outcome) => [outcome.trustDomain, outcome.kind]), batch.map((relationship) => [relationship.trustDomain, 'ok']));
    const listed = await client.listFederationRelationships();
    assert.deepEqual(
      listed.sort((x, y) => (x.trustDomain < y.trustDomain ? -1 : 1)),
      batch.map(({ trustDomainBundle: _bundle, ...relationship }) => relationship).sort((x, y) => (x.trustDomain < y.trustDomain ? -1 : 1)),
    );
    const cli = await cliRelationships(spire);
    assert.deepEqual(cli.get('partner.org')?.bundle_endpoint_url, 'https://spire.partner.org:8443/bundle');
    assert.deepEqual(cli.get('partner.org')?.https_spiffe, { endpoint_spiffe_id: 'spiffe://partner.org/spire/server' });
    assert.ok(cli.get('a.org')?.https_web !== undefined, JSON.stringify(cli.get('a.org')));
    // The bundle is the server's bundle of partner.org now: the same CA and JWT key.
    const stored = JSON.parse(await spire.server.cliOk(['bundle', 'list', '-id', 'spiffe://partner.org', '-format', 'spiffe'])) as { keys: { use: string; kid?: string; x5c?: string[] }[]; spiffe_sequence?: number };
    const written = JSON.parse(bundleText) as { keys: { x5c?: string[] }[] };
    assert.deepEqual(stored.keys.find((key) => key.use === 'x509-svid')?.x5c, written.keys[0]?.x5c);
    assert.equal(stored.keys.find((key) => key.use === 'jwt-svid')?.kid, 'partner-key');
    assert.equal(new X509Certificate(Buffer.from(stored.keys.find((key) => key.use === 'x509-svid')?.x5c?.[0] ?? '', 'base64')).subject, 'CN=test-ca');
  });

  it('a create of an existing trust domain, an update or delete of a missing one: per-relationship outcomes, the others written', async () => {
    const created = await client.createFederationRelationships([web('a.org', 'https://other'), web('e.org')]);
    assert.deepEqual(created.map((outcome) => outcome.kind), ['error', 'ok']);
    const refused = created[0];
    assert.ok(refused?.kind === 'error');
    // As the server answers (spire-server 1.13.3): the datastore's unique constraint, as INTERNAL, not ALREADY_EXISTS.
    assert.deepEqual([refused.code, refused.message.startsWith('failed to create federation relationship: datastore-sql: ')], [13, true], JSON.stringify(refused));
    const updated = await client.updateFederationRelationships([web('missing.org'), web('e.org', 'https://e.org/new')]);
    assert.deepEqual(updated.map((outcome) => [outcome.trustDomain, outcome.kind]), [['missing.org', 'error'], ['e.org', 'ok']]);
    // An update of a missing one is INTERNAL too, not NOT_FOUND.
    assert.deepEqual(updated[0]?.kind === 'error' && [updated[0].code, updated[0].message], [13, 'failed to update federation relationship: unable to fetch federation relationship: record not found']);
    const deleted = await client.deleteFederationRelationships(['missing.org', 'e.org']);
    assert.deepEqual(deleted.map((outcome) => [outcome.trustDomain, outcome.kind]), [['missing.org', 'not-found'], ['e.org', 'ok']]);
    assert.equal((await cliRelationships(spire)).has('e.org'), false);
    assert.equal((await cliRelationships(spire)).get('a.org')?.bundle_endpoint_url, 'https://spire.a.org:8443');
  });

  it('an update changes URL and profile and leaves the bundle unless it carries one', async () => {
    const before = await spire.server.cliOk(['bundle', 'list', '-id', 'spiffe://partner.org', '-format', 'spiffe']);
    const changed: FederationRelationship = { trustDomain: 'partner.org', bundleEndpointUrl: 'https://bundles.partner.org', bundleEndpointProfile: { type: 'https_web' } };
    assert.deepEqual((await client.updateFederationRelationships([changed])).map((outcome) => outcome.kind), ['ok']);
    assert.deepEqual((await client.listFederationRelationships()).find((relationship) => relationship.trustDomain === 'partner.org'), changed);
    assert.equal(await spire.server.cliOk(['bundle', 'list', '-id', 'spiffe://partner.org', '-format', 'spiffe']), before);
    const newer = parseTrustDomainBundle(spiffeBundleJson({ keyId: 'rotated', sequence: 9 }), 'partner.org');
    assert.deepEqual((await client.updateFederationRelationships([{ ...changed, trustDomainBundle: newer }])).map((outcome) => outcome.kind), ['ok']);
    const after = JSON.parse(await spire.server.cliOk(['bundle', 'list', '-id', 'spiffe://partner.org', '-format', 'spiffe'])) as { keys: { kid?: string }[] };
    assert.ok(after.keys.some((key) => key.kid === 'rotated'), JSON.stringify(after));
  });

  it('a relationship the CLI made reads back through the client', async () => {
    const bundlePath = join(spire.group.dir, 'cli.bundle.json');
    writeFileSync(bundlePath, spiffeBundleJson());
    await spire.server.cliOk([
      'federation', 'create',
      '-trustDomain', 'by-hand.org',
      '-bundleEndpointURL', 'https://by-hand.org:8443',
      '-bundleEndpointProfile', 'https_spiffe',
      '-endpointSpiffeID', 'spiffe://by-hand.org/spire/server',
      '-trustDomainBundlePath', bundlePath,
      '-trustDomainBundleFormat', 'spiffe',
    ]);
    assert.deepEqual((await client.listFederationRelationships()).find((relationship) => relationship.trustDomain === 'by-hand.org'), {
      trustDomain: 'by-hand.org',
      bundleEndpointUrl: 'https://by-hand.org:8443',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSpiffeId: 'spiffe://by-hand.org/spire/server' },
    });
  });
});
