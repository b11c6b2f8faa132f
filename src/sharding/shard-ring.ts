import { hash } from 'node:crypto';

// Rendezvous (highest random weight) hashing: each cluster goes to the replica whose score for it is
// highest. Adding a replica moves only the clusters it now scores highest on; removing one moves only
// its own clusters; no table is stored anywhere (ADR 24).

/** The score of replica `member` for cluster `cluster`: 64 bits of SHA-256 over both names. */
export function shardScore(member: string, cluster: string): bigint {
  return BigInt(`0x${hash('sha256', `${member}\0${cluster}`, 'hex').slice(0, 16)}`);
}

/** The replica that holds `cluster` among `members` (replica names), or undefined when there is none. */
export function clusterOwner(cluster: string, members: Iterable<string>): string | undefined {
  let owner: string | undefined;
  let best = -1n;
  for (const member of members) {
    const score = shardScore(member, cluster);
    // Ties (2^-64) go to the smaller name, so that every replica decides alike.
    if (score > best || (score === best && owner !== undefined && member < owner)) {
      owner = member;
      best = score;
    }
  }
  return owner;
}

/** Which replica holds each cluster, by cluster. */
export function shardAssignment(clusters: Iterable<string>, members: Iterable<string>): Map<string, string> {
  const names = [...new Set(members)];
  const assignment = new Map<string, string>();
  for (const cluster of clusters) {
    const owner = clusterOwner(cluster, names);
    if (owner !== undefined) assignment.set(cluster, owner);
  }
  return assignment;
}

/** The clusters whose replica changes from `before` to `after` (assignments of the same clusters). */
export function movedClusters(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const moved: string[] = [];
  for (const [cluster, owner] of after) if (before.get(cluster) !== owner) moved.push(cluster);
  for (const cluster of before.keys()) if (!after.has(cluster)) moved.push(cluster);
  return moved;
}
