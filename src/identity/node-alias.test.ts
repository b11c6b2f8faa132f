import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSelector } from '../spire/entry.ts';
import { compileNodeAliasTemplate, defaultNodeAliasIDTemplate, nodeAliasEntry } from './node-alias.ts';

test('the node alias of a cluster: a node entry under the server, selecting every k8s_psat agent of that cluster', () => {
  const outcome = nodeAliasEntry(compileNodeAliasTemplate(defaultNodeAliasIDTemplate), 'example.org', 'prod-eks');
  assert.ok(outcome.ok);
  const { entry } = outcome;
  assert.equal(entry.spiffeId, 'spiffe://example.org/k8s-cluster/prod-eks/nodes');
  assert.equal(entry.parentId, 'spiffe://example.org/spire/server');
  assert.deepEqual(entry.selectors.map(formatSelector), ['k8s_psat:cluster:prod-eks']);
  assert.deepEqual([entry.x509SvidTtl, entry.jwtSvidTtl, entry.dnsNames, entry.federatesWith, entry.admin, entry.downstream, entry.hint], [0, 0, [], [], false, false, '']);
  const other = nodeAliasEntry(compileNodeAliasTemplate(defaultNodeAliasIDTemplate), 'example.org', 'dev-eks');
  assert.ok(other.ok && other.entry.digest !== entry.digest);
});

test('a template that renders no valid ID is a problem naming the config key and the cluster', () => {
  const outcome = nodeAliasEntry(compileNodeAliasTemplate('spiffe://{{ .TrustDomain }}/{{ .ClusterName }}/'), 'example.org', 'prod-eks');
  assert.ok(!outcome.ok);
  assert.equal(outcome.problem, 'config nodeAliasIDTemplate: rendered "spiffe://example.org/prod-eks/" for cluster prod-eks: SPIFFE ID "spiffe://example.org/prod-eks/": path has an empty segment or a trailing \'/\'');
});
