import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterEntryIdPrefix, clusterTag, entryId, entryIdCharacters, entryKey, keyDigest, maxEntryIdLength, maxEntryIdPrefixLength, sortSelectors } from './entry-id.ts';

const selectors = [
  { type: 'k8s', value: 'pod-uid:1' },
  { type: 'k8s', value: 'ns:default' },
];

test('the key ignores selector order; any change of SPIFFE ID, parent ID or selectors changes it', () => {
  const key = entryKey('spiffe://td/a', 'spiffe://td/p', sortSelectors(selectors));
  assert.equal(key, entryKey('spiffe://td/a', 'spiffe://td/p', sortSelectors([...selectors].reverse())));
  assert.notEqual(key, entryKey('spiffe://td/b', 'spiffe://td/p', sortSelectors(selectors)));
  assert.notEqual(key, entryKey('spiffe://td/a', 'spiffe://td/q', sortSelectors(selectors)));
  assert.notEqual(key, entryKey('spiffe://td/a', 'spiffe://td/p', sortSelectors(selectors.slice(1))));
});

test('the key is unambiguous where naive concatenation is not', () => {
  const a = entryKey('spiffe://td/a', 'spiffe://td/p', [{ type: 'k8s', value: 'x:y' }]);
  const b = entryKey('spiffe://td/a', 'spiffe://td/p', [{ type: 'k8s:x', value: 'y' }]);
  assert.notEqual(a, b);
  const c = entryKey('spiffe://td/ab', 'spiffe://td/p', []);
  const d = entryKey('spiffe://td/a', 'bspiffe://td/p', []);
  assert.notEqual(c, d);
});

test('sortSelectors orders by type then value by code unit and drops duplicates', () => {
  assert.deepEqual(
    sortSelectors([
      { type: 'unix', value: 'uid:0' },
      { type: 'k8s', value: 'sa:b' },
      { type: 'k8s', value: 'Z' },
      { type: 'k8s', value: 'sa:b' },
    ]),
    [
      { type: 'k8s', value: 'Z' },
      { type: 'k8s', value: 'sa:b' },
      { type: 'unix', value: 'uid:0' },
    ],
  );
});

test('IDs are deterministic: prefix, 12-hex cluster tag, 32-hex (128-bit) digest of the key', () => {
  const key = entryKey('spiffe://td/a', 'spiffe://td/p', selectors);
  const id = entryId(clusterEntryIdPrefix('eks-workload-', 'prod'), keyDigest(key));
  assert.match(id, /^eks-workload-[0-9a-f]{12}-[0-9a-f]{32}$/);
  assert.equal(id, entryId(clusterEntryIdPrefix('eks-workload-', 'prod'), keyDigest(key)));
  assert.notEqual(id, entryId(clusterEntryIdPrefix('eks-workload-', 'prod-east'), keyDigest(key)));
  assert.ok(entryIdCharacters.test(id));
});

test("one cluster's ID prefix is never a prefix of another's", () => {
  const prod = clusterEntryIdPrefix('eks-', 'prod');
  const prodEast = clusterEntryIdPrefix('eks-', 'prod-east');
  assert.equal(prodEast.startsWith(prod), false);
  assert.equal(clusterTag('prod'), clusterTag('prod'));
  assert.equal(clusterTag('prod').length, 12);
});

test('the longest allowed prefix still gives IDs within the 255-character limit', () => {
  const id = entryId(clusterEntryIdPrefix('p'.repeat(maxEntryIdPrefixLength), 'c'), keyDigest('k'));
  assert.equal(id.length, maxEntryIdLength);
});
