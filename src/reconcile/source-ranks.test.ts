import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceRanks } from './source-ranks.ts';

test('sources of every kind share one age order: older first, never-stored last, then by name; node aliases before all, the pod controller after all', () => {
  const ranks = sourceRanks([
    { name: 'web', creationTimestamp: 2000 },
    { name: 'ClusterSpiffeID/api', creationTimestamp: 1000 },
    { name: 'SpiffeID/shop/web', creationTimestamp: undefined },
    { name: 'api', creationTimestamp: 2000 },
  ]);
  assert.deepEqual(Object.fromEntries(ranks), { NodeAlias: -1, 'ClusterSpiffeID/api': 0, api: 1, web: 2, 'SpiffeID/shop/web': 3, PodController: 4 });
});
