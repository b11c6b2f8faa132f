import type { SpiffeIdClusterEntry } from '../api/spiffeid-v1beta1/spiffe-id-spec.ts';
import { nodeAliasSource } from './spiffe-id-entries.ts';

/** Where one ClusterSpiffeID or SpiffeID stands, per cluster it targets (in registry order). */
export interface SpiffeIdReport {
  /** The source name (spiffeIdSourceName). */
  readonly name: string;
  readonly clusters: readonly SpiffeIdClusterEntry[];
}

/** The entry that won a key: its ID and the source that decides its fields. */
export interface EntryWinner {
  readonly id: string;
  readonly source: string;
}

/** A source as people read it: `WorkloadIdentity web`, `ClusterSpiffeID api`, `SpiffeID shop/web`. */
export function describeSource(source: string): string {
  if (source === nodeAliasSource) return "the cluster's node alias";
  const slash = source.indexOf('/');
  return slash === -1 ? `WorkloadIdentity ${source}` : `${source.slice(0, slash)} ${source.slice(slash + 1)}`;
}

/** The report of `source` in `cluster`: its entry written, masked by an older source, or failed with `failure`. */
export function spiffeIdClusterEntry(cluster: string, source: string, winner: EntryWinner | undefined, failure: string | undefined): SpiffeIdClusterEntry {
  if (failure !== undefined || winner === undefined) return { cluster, entryId: '', state: 'Failed', message: failure ?? 'no entry' };
  if (winner.source === source) return { cluster, entryId: winner.id, state: 'Written', message: '' };
  return { cluster, entryId: winner.id, state: 'Masked', message: `${describeSource(winner.source)} wants the same entry and is older: it decides the entry's fields` };
}
