import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FederationRelationship } from '../spire/trust-domain-relationship.ts';
import { planFederation, type TrustDomainObject } from './federation-plan.ts';

function relationship(trustDomain: string, url = `https://${trustDomain}`): FederationRelationship {
  return { trustDomain, bundleEndpointUrl: url, bundleEndpointProfile: { type: 'https_web' } };
}

function object(name: string, age: number, wants: TrustDomainObject['wants'], more: Partial<TrustDomainObject> = {}): TrustDomainObject {
  return { name, creationTimestamp: age, deleting: false, claim: undefined, wants, ...more };
}

test('a new trust domain is claimed by its object, then created; one the object owns is kept equal to it', () => {
  const plan = planFederation([object('a', 1, relationship('a.org')), object('b', 1, relationship('b.org', 'https://b.org/new'), { claim: 'b.org' }), object('c', 1, relationship('c.org'), { claim: 'c.org' })], [relationship('b.org'), relationship('c.org')]);
  assert.deepEqual(plan.claims, [{ name: 'a', trustDomain: 'a.org' }]);
  assert.deepEqual(plan.create, [relationship('a.org')]);
  assert.deepEqual(plan.update, [relationship('b.org', 'https://b.org/new')]);
  assert.deepEqual([plan.delete, plan.releases], [[], []]);
  assert.deepEqual([...plan.findings.values()].map((finding) => finding.state), ['set', 'set', 'set']);
});

test('the bundle is not compared: a relationship whose URL and profile match is not rewritten', () => {
  const bundle = { trustDomain: 'b.org', x509Authorities: [], jwtAuthorities: [], refreshHintSeconds: 0, sequenceNumber: 1 };
  const plan = planFederation([object('b', 1, { ...relationship('b.org'), trustDomainBundle: bundle }, { claim: 'b.org' })], [relationship('b.org')]);
  assert.deepEqual([plan.create, plan.update], [[], []]);
});

test('a relationship nobody here owns is left untouched and told as a conflict; foreign relationships nobody wants are not even looked at', () => {
  const plan = planFederation([object('a', 1, relationship('a.org'))], [relationship('a.org', 'https://by-hand'), relationship('z.org')]);
  assert.deepEqual([plan.claims, plan.create, plan.update, plan.delete, plan.releases], [[], [], [], [], []]);
  assert.deepEqual([...plan.findings], [['a', { state: 'conflict', trustDomain: 'a.org' }]]);
});

test('two objects naming one trust domain: the oldest decides, the other is told it is masked', () => {
  const plan = planFederation([object('newer', 2, relationship('a.org', 'https://two')), object('older', 1, relationship('a.org', 'https://one'))], []);
  assert.deepEqual(plan.create, [relationship('a.org', 'https://one')]);
  assert.deepEqual(plan.findings.get('newer'), { state: 'masked', trustDomain: 'a.org', by: 'older', held: false });
});

test('deleted, retargeted or handed to another class: the owned relationship is deleted, then released', () => {
  const plan = planFederation(
    [
      object('gone', 1, relationship('a.org'), { claim: 'a.org', deleting: true }),
      object('moved', 1, relationship('c.org'), { claim: 'b.org' }),
      object('other', 1, 'other-class', { claim: 'd.org' }),
      object('never-made', 1, relationship('e.org'), { claim: 'e.org', deleting: true }),
    ],
    [relationship('a.org'), relationship('b.org'), relationship('d.org')],
  );
  assert.deepEqual(plan.delete, ['a.org', 'b.org', 'd.org']);
  assert.deepEqual(plan.releases, [
    { name: 'gone', trustDomain: 'a.org', afterDelete: true },
    { name: 'moved', trustDomain: 'b.org', afterDelete: true },
    { name: 'other', trustDomain: 'd.org', afterDelete: true },
    { name: 'never-made', trustDomain: 'e.org', afterDelete: false },
  ]);
  assert.deepEqual([plan.claims, plan.create], [[{ name: 'moved', trustDomain: 'c.org' }], [relationship('c.org')]]);
});

test('an owner being deleted passes its relationship to the next object that wants it, without a delete', () => {
  const plan = planFederation([object('first', 1, relationship('a.org'), { claim: 'a.org', deleting: true }), object('second', 2, relationship('a.org', 'https://second'))], [relationship('a.org')]);
  assert.deepEqual(plan.delete, []);
  assert.deepEqual(plan.claims, [{ name: 'second', trustDomain: 'a.org' }]);
  assert.deepEqual(plan.update, [relationship('a.org', 'https://second')]);
  assert.deepEqual(plan.releases, [{ name: 'first', trustDomain: 'a.org', afterDelete: false, to: 'second' }]);
});

test('an owner whose spec became invalid holds its relationship as it is: nothing deleted, nothing rewritten', () => {
  const plan = planFederation([object('broken', 1, 'invalid', { claim: 'a.org' }), object('newer', 2, relationship('a.org', 'https://newer'))], [relationship('a.org')]);
  assert.deepEqual([plan.claims, plan.create, plan.update, plan.delete, plan.releases], [[], [], [], [], []]);
  assert.deepEqual(plan.findings.get('newer'), { state: 'masked', trustDomain: 'a.org', by: 'broken', held: true });
});
