import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleClusterSPIFFEID, sampleConfig, sampleIdentity, sampleRegistry } from '../../test/fixtures/fleet-objects.ts';
import { compileIdentities } from './compile-identities.ts';
import { clusterState, countEntry, countTargetedCluster, keepPodEntryIdPrefixes, zeroStats, type MutableStats } from './fleet-reports.ts';

test('an entry registers for the first identity that wants it and is masked for the others, each counted once', () => {
  const stats = new Map<string, MutableStats>([
    ['old', zeroStats()],
    ['new', zeroStats()],
  ]);
  countEntry(stats, ['old', 'new', 'old', 'unknown'], (name) => name);
  countEntry(stats, ['new'], (name) => name);
  assert.deepEqual([stats.get('old')?.entriesRegistered, stats.get('old')?.entriesMasked], [1, 0]);
  assert.deepEqual([stats.get('new')?.entriesRegistered, stats.get('new')?.entriesMasked], [1, 1]);
});

test('a targeted cluster counts for each identity; its namespaces only once it is synced', () => {
  const { compiled } = compileIdentities([sampleIdentity('all'), sampleIdentity('shop', { namespace: 'shop' }), sampleIdentity('bank', { namespace: 'bank' })], sampleConfig());
  const stats = new Map(compiled.map((identity) => [identity.name, zeroStats()]));
  countTargetedCluster(stats, compiled, undefined);
  countTargetedCluster(stats, compiled, { count: 4, has: (namespace) => namespace === 'shop', matching: () => 2 });
  assert.deepEqual(
    compiled.map(({ name }) => [name, stats.get(name)?.clustersTargeted, stats.get(name)?.namespacesFound]),
    [
      ['all', 2, 4],
      ['bank', 2, 0],
      ['shop', 2, 1],
    ],
  );
});

test("a ClusterSPIFFEID's namespaces are those its namespace selector matches", () => {
  const { compiled } = compileIdentities([], sampleConfig(), [sampleClusterSPIFFEID('team', { namespaceSelector: { matchLabels: { team: 'a' } } })]);
  const stats = new Map(compiled.map((identity) => [identity.name, zeroStats()]));
  countTargetedCluster(stats, compiled, { count: 4, has: () => true, matching: (selector) => (selector.matchLabels['team'] === 'a' ? 3 : 0) });
  assert.deepEqual(stats.get('ClusterSPIFFEID/team')?.namespacesFound, 3);
});

test('pod entries kept: the unsynced clusters, then the managed ones a broken identity targets; never an unmanaged one', () => {
  const prod = sampleRegistry('prod', { labels: { env: 'prod' } });
  const dev = sampleRegistry('dev', { labels: { env: 'dev' } });
  const broken = [sampleIdentity('broken', { clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] } })];
  const cluster = (registry: typeof prod, managed: boolean, synced: boolean) => ({ registry, entryIdPrefix: `${registry.metadata.name}.`, state: clusterState(managed, synced) });
  assert.deepEqual(keepPodEntryIdPrefixes([cluster(prod, true, true), cluster(dev, true, false)], broken), ['dev.', 'prod.']);
  assert.deepEqual(keepPodEntryIdPrefixes([cluster(prod, false, true), cluster(dev, true, true)], broken), []);
  assert.deepEqual(keepPodEntryIdPrefixes([cluster(prod, true, true)], []), []);
});
