import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegistrationEntry } from '../spire/entry.ts';
import { byId, registrationEntry } from '../../test/support/registration-entry.ts';
import { diffEntries, differingFields } from './diff-entries.ts';

function entry(id: string, fields: Partial<RegistrationEntry> = {}): RegistrationEntry {
  return registrationEntry({
    id,
    spiffeId: 'spiffe://example.org/ns/default/sa/web',
    parentId: 'spiffe://example.org/spire/agent/k8s_psat/c/n',
    selectors: [
      { type: 'k8s', value: 'ns:default' },
      { type: 'k8s', value: 'pod-uid:1' },
    ],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: ['web.default.svc', 'web'],
    federatesWith: ['a.org', 'b.org'],
    ...fields,
  });
}

const options = { entryIdPrefix: 'eks-' };

test('missing entries are created, surplus owned entries deleted, equal entries left alone', () => {
  const diff = diffEntries([entry('eks-a'), entry('eks-b')], byId([entry('eks-b'), entry('eks-z'), entry('eks-c')]), options);
  assert.deepEqual(
    diff.creates.map((e) => e.id),
    ['eks-a'],
  );
  assert.deepEqual(diff.updates, []);
  assert.deepEqual(diff.deletes, ['eks-c', 'eks-z']);
});

test('entries without the prefix are never touched, even with a desired ID of the same digest', () => {
  const foreign = [entry('other-a'), entry('join-token-x', { spiffeId: 'spiffe://example.org/x' }), entry('EKS-a')];
  const diff = diffEntries([], byId(foreign), options);
  assert.deepEqual(diff, { creates: [], updates: [], deletes: [] });
});

test('an update carries exactly the fields that differ', () => {
  const desired = entry('eks-a', { x509SvidTtl: 60, hint: 'h', admin: true, dnsNames: ['web'] });
  const diff = diffEntries([desired], byId([entry('eks-a')]), options);
  assert.deepEqual(diff.updates, [{ entry: desired, fields: ['x509SvidTtl', 'dnsNames', 'admin', 'hint'] }]);
  assert.deepEqual(diff.creates, []);
  assert.deepEqual(diff.deletes, []);
});

test('every field is compared', () => {
  const base = entry('eks-a');
  const changes: [Partial<RegistrationEntry>, string][] = [
    [{ spiffeId: 'spiffe://example.org/x' }, 'spiffeId'],
    [{ parentId: 'spiffe://example.org/p' }, 'parentId'],
    [{ selectors: [{ type: 'k8s', value: 'pod-uid:1' }] }, 'selectors'],
    [{ x509SvidTtl: 1 }, 'x509SvidTtl'],
    [{ jwtSvidTtl: 1 }, 'jwtSvidTtl'],
    [{ dnsNames: [] }, 'dnsNames'],
    [{ federatesWith: ['a.org'] }, 'federatesWith'],
    [{ admin: true }, 'admin'],
    [{ downstream: true }, 'downstream'],
    [{ hint: 'x' }, 'hint'],
  ];
  for (const [change, field] of changes) assert.deepEqual(differingFields({ ...base, ...change }, base), [field]);
});

test('selectors, DNS names and federated trust domains compare as sets: order alone is no change', () => {
  const desired = entry('eks-a');
  const reordered = entry('eks-a', {
    selectors: [...desired.selectors].reverse(),
    dnsNames: [...desired.dnsNames].reverse(),
    federatesWith: [...desired.federatesWith].reverse(),
  });
  assert.deepEqual(differingFields(desired, reordered), []);
  assert.deepEqual(diffEntries([desired], byId([reordered]), options).updates, []);
  assert.deepEqual(differingFields(desired, entry('eks-a', { dnsNames: ['web', 'web'] })), ['dnsNames']);
});

test('entries of clusters in keepIdPrefixes are not deleted, but still created and updated', () => {
  const diff = diffEntries([entry('eks-c1-new'), entry('eks-c1-upd', { hint: 'x' })], byId([entry('eks-c1-old'), entry('eks-c1-upd'), entry('eks-c2-old')]), {
    entryIdPrefix: 'eks-',
    keepIdPrefixes: ['eks-c1-'],
  });
  assert.deepEqual(
    diff.creates.map((e) => e.id),
    ['eks-c1-new'],
  );
  assert.deepEqual(
    diff.updates.map((u) => u.fields),
    [['hint']],
  );
  assert.deepEqual(diff.deletes, ['eks-c2-old']);
});

test('under keepPodEntryIdPrefixes only the entries that select a pod are kept; the others are deleted as anywhere', () => {
  const ofPod = (id: string) => entry(id, { selectors: [{ type: 'k8s', value: 'pod-uid:u1' }, { type: 'k8s', value: 'ns:shop' }] });
  const declared = (id: string) => entry(id, { selectors: [{ type: 'k8s', value: 'ns:shop' }] });
  const diff = diffEntries([], byId([ofPod('eks-c1-pod'), declared('eks-c1-declared'), ofPod('eks-c2-pod')]), { entryIdPrefix: 'eks-', keepPodEntryIdPrefixes: ['eks-c1-'] });
  assert.deepEqual(diff.deletes, ['eks-c1-declared', 'eks-c2-pod']);
  assert.deepEqual(diffEntries([], byId([declared('eks-c1-declared')]), { entryIdPrefix: 'eks-', keepIdPrefixes: ['eks-c1-'], keepPodEntryIdPrefixes: ['eks-c1-'] }).deletes, [], 'keepIdPrefixes keeps them all');
});

test('misuse is refused: an empty prefix, a desired entry without the prefix, a duplicate desired ID', () => {
  assert.throws(() => diffEntries([], byId([entry('x')]), { entryIdPrefix: '' }), /empty entryIdPrefix/);
  assert.throws(() => diffEntries([entry('other-a')], new Map(), options), /lacks the prefix/);
  assert.throws(() => diffEntries([entry('eks-a'), entry('eks-a')], new Map(), options), /appears twice/);
});

test('entries of pods in keepPodUids are not deleted; entries of other pods are', () => {
  const ofPod = (id: string, uid: string) => entry(id, { selectors: [{ type: 'k8s', value: `pod-uid:${uid}` }] });
  const diff = diffEntries([], byId([ofPod('eks-a', 'failed'), ofPod('eks-b', 'gone'), entry('other-c')]), { entryIdPrefix: 'eks-', keepPodUids: ['failed'] });
  assert.deepEqual(diff.deletes, ['eks-b']);
});
