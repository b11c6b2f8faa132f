import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'node:test';
import { MemoryTrustDomains } from '../../test/support/memory-trust-domains.ts';
import type { FederationRelationship } from '../spire/trust-domain-relationship.ts';
import type { TrustDomainObject } from './federation-plan.ts';
import { reconcileFederation } from './federation-reconciler.ts';

function relationship(trustDomain: string, url = `https://${trustDomain}`): FederationRelationship {
  return { trustDomain, bundleEndpointUrl: url, bundleEndpointProfile: { type: 'https_web' } };
}

/** Objects whose claims are recorded in memory, as the controller records them in annotations. */
function world(objects: TrustDomainObject[]) {
  const byName = new Map(objects.map((object) => [object.name, object]));
  const recorded: string[] = [];
  const refuseClaims = new Set<string>();
  return {
    objects: () => [...byName.values()],
    recorded,
    refuseClaims,
    set: (object: TrustDomainObject) => byName.set(object.name, object),
    recordClaim: async (name: string, trustDomain: string | undefined) => {
      if (refuseClaims.has(name)) throw new Error('409 Conflict');
      recorded.push(`${name}=${trustDomain ?? '-'}`);
      const object = byName.get(name);
      assert.ok(object);
      if (object.deleting && trustDomain === undefined) byName.delete(name);
      else byName.set(name, { ...object, claim: trustDomain });
    },
  };
}

test('create, change, conflict, delete: the owned relationship follows its object; a foreign one is never touched', async () => {
  const spire = new MemoryTrustDomains();
  spire.relationships.set('foreign.org', relationship('foreign.org', 'https://by-hand'));
  const w = world([
    { name: 'partner', creationTimestamp: 1, deleting: false, claim: undefined, wants: relationship('partner.org') },
    { name: 'clash', creationTimestamp: 1, deleting: false, claim: undefined, wants: relationship('foreign.org') },
  ]);
  const first = await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.deepEqual([first.created, first.failures], [['partner.org'], []]);
  assert.deepEqual(w.recorded, ['partner=partner.org']);
  assert.deepEqual([first.outcomes.get('partner')?.state, first.outcomes.get('clash')?.state], ['set', 'conflict']);
  assert.deepEqual(spire.relationships.get('foreign.org'), relationship('foreign.org', 'https://by-hand'));

  // Restart-safe: a second pass over the recorded claims writes nothing.
  spire.writes = [];
  await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.deepEqual(spire.writes, []);

  // Drift of an owned relationship is repaired, changed by hand or deleted.
  spire.relationships.set('partner.org', relationship('partner.org', 'https://tampered'));
  assert.deepEqual((await reconcileFederation(spire, w.recordClaim, w.objects())).updated, ['partner.org']);
  spire.relationships.delete('partner.org');
  assert.deepEqual((await reconcileFederation(spire, w.recordClaim, w.objects())).created, ['partner.org']);

  const partner = w.objects().find((object) => object.name === 'partner');
  assert.ok(partner);
  w.set({ ...partner, deleting: true });
  const deleted = await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.deepEqual(deleted.deleted, ['partner.org']);
  assert.deepEqual(w.objects().map((object) => object.name), ['clash']);
  assert.deepEqual([...spire.relationships.keys()], ['foreign.org']);
});

test('nothing is written without the claim recorded first; a failed delete keeps the claim', async () => {
  const spire = new MemoryTrustDomains();
  const w = world([{ name: 'partner', creationTimestamp: 1, deleting: false, claim: undefined, wants: relationship('partner.org') }]);
  w.refuseClaims.add('partner');
  const refused = await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.deepEqual([spire.writes, refused.outcomes.get('partner')?.state], [[], 'failed']);
  assert.match(refused.failures[0] ?? '', /^ClusterFederatedTrustDomain partner: its ownership of the relationship could not be recorded, nothing written: 409 Conflict/);
  w.refuseClaims.clear();
  await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.ok(spire.relationships.has('partner.org'));

  const partner = w.objects()[0];
  assert.ok(partner);
  w.set({ ...partner, deleting: true });
  spire.refuse.add('partner.org');
  const failed = await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.match(failed.failures[0] ?? '', /partner: delete of the relationship it owns failed, kept: federation relationship with partner\.org: INTERNAL: refused/);
  assert.equal(w.objects()[0]?.claim, 'partner.org');
});

test('a retargeted object gives up its old trust domain before it claims the new one; a write the server refuses is told on the object', async () => {
  const spire = new MemoryTrustDomains();
  spire.relationships.set('old.org', relationship('old.org'));
  const w = world([{ name: 'partner', creationTimestamp: 1, deleting: false, claim: 'old.org', wants: relationship('new.org') }]);
  spire.refuse.add('new.org');
  const report = await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.deepEqual([report.deleted, w.recorded], [['old.org'], ['partner=new.org']]);
  assert.deepEqual(report.outcomes.get('partner'), { state: 'failed', trustDomain: 'new.org', message: 'create refused: federation relationship with new.org: INTERNAL: refused' });
});

test('an owner that moves to another trust domain while a newer object takes its old one: handed over and claimed anew in one pass, nothing deleted', async () => {
  const spire = new MemoryTrustDomains();
  spire.relationships.set('x.org', relationship('x.org'));
  const w = world([
    { name: 'a', creationTimestamp: 1, deleting: false, claim: 'x.org', wants: relationship('y.org') },
    { name: 'b', creationTimestamp: 2, deleting: false, claim: undefined, wants: relationship('x.org', 'https://b') },
  ]);
  const report = await reconcileFederation(spire, w.recordClaim, w.objects());
  assert.deepEqual(report.failures, []);
  assert.deepEqual([report.created, report.updated, report.deleted], [['y.org'], ['x.org'], []]);
  assert.deepEqual(w.recorded, ['b=x.org', 'a=y.org']);
  assert.deepEqual(w.objects().map((object) => [object.name, object.claim]), [['a', 'y.org'], ['b', 'x.org']]);
});

test('property: over random objects, server states and refusals, a relationship nobody here owned is never changed or deleted, an owner with an invalid spec loses nothing, and repeated reconciliations converge', async () => {
  const domains = ['a.org', 'b.org', 'c.org'];
  const urls = ['https://one', 'https://two'];
  const wantsArb = fc.oneof(
    fc.record({ domain: fc.constantFrom(...domains), url: fc.constantFrom(...urls) }).map(({ domain, url }): TrustDomainObject['wants'] => relationship(domain, url)),
    fc.constant<TrustDomainObject['wants']>('invalid'),
    fc.constant<TrustDomainObject['wants']>('other-class'),
  );
  const objectsArb = fc.uniqueArray(
    fc.record({ name: fc.constantFrom('p', 'q', 'r', 's'), age: fc.integer({ min: 1, max: 3 }), deleting: fc.boolean(), claim: fc.option(fc.constantFrom(...domains), { nil: undefined }), wants: wantsArb }),
    { selector: (object) => object.name, maxLength: 4 },
  );
  const serverArb = fc.uniqueArray(fc.record({ domain: fc.constantFrom(...domains), url: fc.constantFrom(...urls) }), { selector: (r) => r.domain });
  await fc.assert(
    fc.asyncProperty(objectsArb, serverArb, fc.subarray(domains), async (generated, server, refused) => {
      const spire = new MemoryTrustDomains();
      for (const { domain, url } of server) spire.relationships.set(domain, relationship(domain, url));
      const objects = generated.map((o): TrustDomainObject => ({ name: o.name, creationTimestamp: o.age, deleting: o.deleting, claim: o.claim, wants: o.wants }));
      // What no object claims at the start is someone else's; what an invalid, living owner claims is held.
      const foreign = new Map(server.filter(({ domain }) => !objects.some((o) => o.claim === domain)).map(({ domain, url }) => [domain, url]));
      const held = new Map(server.filter(({ domain }) => objects.some((o) => o.claim === domain && o.wants === 'invalid' && !o.deleting)).map(({ domain, url }) => [domain, url]));
      const w = world(objects);
      for (const domain of refused) spire.refuse.add(domain);
      await reconcileFederation(spire, w.recordClaim, w.objects());
      spire.refuse.clear();
      for (let pass = 0; pass < 3; pass++) await reconcileFederation(spire, w.recordClaim, w.objects());
      for (const [domain, url] of [...foreign, ...held]) assert.equal(spire.relationships.get(domain)?.bundleEndpointUrl, url, `${domain} changed`);
      for (const write of spire.writes) assert.ok(!foreign.has(write.split(' ')[1] ?? ''), `wrote ${write}, which nobody here owned`);
      // Converged: one more pass writes nothing.
      spire.writes = [];
      await reconcileFederation(spire, w.recordClaim, w.objects());
      assert.deepEqual(spire.writes, []);
    }),
    { numRuns: 300 },
  );
});
