// Proves the project's own .proto field numbers against a real spire-server: what the client writes, the
// server's CLI reads back field for field, and what the CLI writes, the client reads back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RegistrationEntry } from '../../../src/spire/entry.ts';
import { registrationEntry } from '../../support/registration-entry.ts';
import { federateWith, idsOf, spireDatastores, startSpireFixture, type SpireFixture } from './spire-fixture.ts';

const everyField: RegistrationEntry = {
  id: 'own-every-field',
  spiffeId: 'spiffe://example.org/ns/shop/sa/cart',
  parentId: 'spiffe://example.org/spire/agent/k8s_psat/c1/node-7',
  selectors: [
    { type: 'k8s', value: 'pod-uid:9f1c' },
    { type: 'k8s', value: 'ns:shop' },
    { type: 'unix', value: 'uid:1000' },
  ],
  x509SvidTtl: 1234,
  jwtSvidTtl: 567,
  dnsNames: ['z.shop.svc', 'a.shop.svc'],
  federatesWith: ['third.org', 'other.org'],
  admin: true,
  downstream: false,
  hint: 'the-hint',
};

// The flags the other way round, so that swapped field numbers would show.
const downstreamOnly: RegistrationEntry = { ...everyField, id: 'own-downstream', spiffeId: 'spiffe://example.org/ns/shop/sa/relay', admin: false, downstream: true };

const sortedSelectors = [
  { type: 'k8s', value: 'ns:shop' },
  { type: 'k8s', value: 'pod-uid:9f1c' },
  { type: 'unix', value: 'uid:1000' },
];

for (const { kind, skip } of spireDatastores) describe(`Entry API fields against spire-server on ${kind}`, { skip }, () => {
  let spire: SpireFixture;

  before(async () => {
    spire = await startSpireFixture(kind);
    await federateWith(spire.server, 'other.org', spire.group.dir);
    await federateWith(spire.server, 'third.org', spire.group.dir);
  });

  after(() => spire.stop());

  it('writes every field where the server reads it', async () => {
    const outcomes = await spire.client.createEntries([everyField, downstreamOnly]);
    assert.deepEqual(outcomes.map((outcome) => outcome.kind), ['ok', 'ok'], JSON.stringify(outcomes));
    const [shown] = (
      JSON.parse(await spire.server.cliOk(['entry', 'show', '-entryID', everyField.id, '-output', 'json'])) as { entries: Record<string, unknown>[] }
    ).entries;
    assert.ok(shown);
    assert.deepEqual(
      {
        ...shown,
        selectors: [...(shown.selectors as { type: string; value: string }[])].sort((a, b) => (a.type + a.value < b.type + b.value ? -1 : 1)),
        federates_with: [...(shown.federates_with as string[])].sort(),
        created_at: typeof shown.created_at,
      },
      {
        id: 'own-every-field',
        spiffe_id: { trust_domain: 'example.org', path: '/ns/shop/sa/cart' },
        parent_id: { trust_domain: 'example.org', path: '/spire/agent/k8s_psat/c1/node-7' },
        selectors: sortedSelectors,
        x509_svid_ttl: 1234,
        jwt_svid_ttl: 567,
        // The server keeps DNS names in the order written (the first becomes the X.509-SVID's CN).
        dns_names: ['z.shop.svc', 'a.shop.svc'],
        federates_with: ['other.org', 'third.org'],
        admin: true,
        downstream: false,
        hint: 'the-hint',
        // Fields the registrar does not manage, at the server's values.
        expires_at: '0',
        store_svid: false,
        revision_number: '0',
        created_at: 'string',
      },
    );
    const flags = (await spire.server.cliEntries()).find((entry) => entry.id === downstreamOnly.id);
    assert.deepEqual([flags?.admin, flags?.downstream, flags?.spiffe_id], [false, true, { trust_domain: 'example.org', path: '/ns/shop/sa/relay' }]);
  });

  it('reads every field the CLI wrote, normalized', async () => {
    await spire.server.cliOk([
      'entry', 'create',
      '-entryID', 'cli-every-field',
      '-spiffeID', 'spiffe://example.org/ns/shop/sa/db',
      '-parentID', 'spiffe://example.org/spire/agent/k8s_psat/c1/node-8',
      '-selector', 'unix:uid:1000',
      '-selector', 'k8s:ns:shop',
      '-x509SVIDTTL', '4321',
      '-jwtSVIDTTL', '765',
      '-dns', 'y.shop.svc',
      '-dns', 'b.shop.svc',
      '-federatesWith', 'spiffe://third.org',
      '-federatesWith', 'spiffe://other.org',
      '-downstream',
      '-hint', 'cli-hint',
    ]);
    const expected: RegistrationEntry = {
      id: 'cli-every-field',
      spiffeId: 'spiffe://example.org/ns/shop/sa/db',
      parentId: 'spiffe://example.org/spire/agent/k8s_psat/c1/node-8',
      selectors: [
        { type: 'k8s', value: 'ns:shop' },
        { type: 'unix', value: 'uid:1000' },
      ],
      x509SvidTtl: 4321,
      jwtSvidTtl: 765,
      dnsNames: ['b.shop.svc', 'y.shop.svc'],
      federatesWith: ['other.org', 'third.org'],
      admin: false,
      downstream: true,
      hint: 'cli-hint',
    };
    assert.deepEqual(await spire.client.getEntry('cli-every-field'), expected);
    assert.deepEqual(
      (await spire.client.listEntries()).find((entry) => entry.id === 'cli-every-field'),
      expected,
    );
    await spire.server.cliOk(['entry', 'create', '-entryID', 'cli-admin', '-spiffeID', 'spiffe://example.org/admin', '-parentID', 'spiffe://example.org/node', '-selector', 'unix:uid:0', '-admin']);
    const admin = await spire.client.getEntry('cli-admin');
    assert.deepEqual([admin?.admin, admin?.downstream], [true, false]);
  });

  it('round-trips the defaults: no TTLs, DNS names, federation, flags or hint', async () => {
    const plain = registrationEntry({ id: 'own-defaults', spiffeId: 'spiffe://example.org/plain', parentId: everyField.parentId, selectors: everyField.selectors });
    const [outcome] = await spire.client.createEntries([plain]);
    assert.deepEqual(outcome, { kind: 'ok', entryId: plain.id, spiffeId: plain.spiffeId, entry: undefined });
    assert.deepEqual(await spire.client.getEntry('own-defaults'), { ...plain, selectors: sortedSelectors });
  });

  it('says undefined for an entry that does not exist', async () => {
    assert.equal(await spire.client.getEntry('no-such-entry'), undefined);
  });

  it('filters by every criterion, as the server understands them', async () => {
    const { client } = spire;
    assert.deepEqual(idsOf(await client.listEntries({ bySpiffeId: 'spiffe://example.org/ns/shop/sa/cart' })), ['own-every-field']);
    assert.deepEqual(idsOf(await client.listEntries({ byParentId: 'spiffe://example.org/spire/agent/k8s_psat/c1/node-8' })), ['cli-every-field']);
    const shop = [{ type: 'k8s', value: 'ns:shop' }];
    assert.deepEqual(idsOf(await client.listEntries({ bySelectors: { selectors: shop, match: 'exact' } })), []);
    assert.deepEqual(
      idsOf(await client.listEntries({ bySelectors: { selectors: shop, match: 'superset' } })),
      ['cli-every-field', 'own-defaults', 'own-downstream', 'own-every-field'],
    );
    assert.deepEqual(
      idsOf(await client.listEntries({ bySelectors: { selectors: [...shop, { type: 'unix', value: 'uid:1000' }], match: 'subset' } })),
      ['cli-every-field'],
    );
    assert.deepEqual(
      idsOf(await client.listEntries({ bySelectors: { selectors: [{ type: 'k8s', value: 'pod-uid:9f1c' }, { type: 'x', value: 'y' }], match: 'any' } })),
      ['own-defaults', 'own-downstream', 'own-every-field'],
    );
    assert.deepEqual(
      idsOf(await client.listEntries({ byFederatesWith: { trustDomains: ['other.org'], match: 'superset' } })),
      ['cli-every-field', 'own-downstream', 'own-every-field'],
    );
    assert.deepEqual(idsOf(await client.listEntries({ byHint: 'cli-hint' })), ['cli-every-field']);
    assert.deepEqual(idsOf(await client.listEntries({ byDownstream: true })), ['cli-every-field', 'own-downstream']);
    // The server filters on true only: false is the same as no filter.
    assert.equal((await client.listEntries({ byDownstream: false })).length, 5);
    assert.equal(await client.countEntries({ byDownstream: true }), 2);
    assert.equal(await client.countEntries(), 5);
  });
});
