import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clusterTag } from '../identity/entry-id.ts';
import { clusterOwner, movedClusters, shardAssignment, shardScore } from './shard-ring.ts';

const replicaName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const replicas = fc.uniqueArray(replicaName, { minLength: 1, maxLength: 8 });
const clusters = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }).map(clusterTag), { minLength: 1, maxLength: 60 });

test('every cluster has exactly one holder among the members, whatever order each replica lists them in', () => {
  fc.assert(
    fc.property(replicas, clusters, fc.integer(), (members, tags, seed) => {
      const shuffled = [...members].sort((a, b) => (shardScore(a, String(seed)) < shardScore(b, String(seed)) ? -1 : 1));
      for (const tag of tags) {
        const owner = clusterOwner(tag, members);
        assert.ok(owner !== undefined && members.includes(owner));
        assert.equal(clusterOwner(tag, shuffled), owner);
      }
    }),
  );
});

test('a replica that joins takes only clusters, and gives none to another; one that leaves moves only its own', () => {
  fc.assert(
    fc.property(replicas, replicaName, clusters, (members, newcomer, tags) => {
      fc.pre(!members.includes(newcomer));
      const before = shardAssignment(tags, members);
      const after = shardAssignment(tags, [...members, newcomer]);
      for (const cluster of movedClusters(before, after)) assert.equal(after.get(cluster), newcomer);
      // And back: leaving moves exactly the clusters it had.
      const left = shardAssignment(tags, members);
      assert.deepEqual(movedClusters(after, left).sort(), tags.filter((tag) => after.get(tag) === newcomer).sort());
    }),
  );
});

test('scaling 3 -> 5 -> 2 moves about the share the arithmetic says, not everything', () => {
  const tags = Array.from({ length: 3000 }, (_, index) => clusterTag(`cluster-${index}`));
  const three = ['r-0', 'r-1', 'r-2'];
  const five = [...three, 'r-3', 'r-4'];
  const two = ['r-0', 'r-1'];
  const a3 = shardAssignment(tags, three);
  const a5 = shardAssignment(tags, five);
  const a2 = shardAssignment(tags, two);
  // 3 -> 5: the two newcomers take 2/5 of the clusters; 5 -> 2: the three leavers' 3/5 move.
  const share = (moved: string[]): number => moved.length / tags.length;
  assert.ok(Math.abs(share(movedClusters(a3, a5)) - 2 / 5) < 0.04, `3 -> 5 moved ${share(movedClusters(a3, a5))}`);
  assert.ok(Math.abs(share(movedClusters(a5, a2)) - 3 / 5) < 0.04, `5 -> 2 moved ${share(movedClusters(a5, a2))}`);
  // Balance: each of five holds a fifth, within a few per cent.
  for (const member of five) {
    const held = [...a5.values()].filter((owner) => owner === member).length / tags.length;
    assert.ok(Math.abs(held - 1 / 5) < 0.04, `${member} holds ${held}`);
  }
});

test('no members, no holder', () => {
  assert.equal(clusterOwner(clusterTag('a'), []), undefined);
  assert.deepEqual([...shardAssignment(['x'], [])], []);
});
