import { podControllerSource } from './pod-controller.ts';
import { nodeAliasSource } from './spiffe-id-entries.ts';

/** A source of entries as ranking sees it. */
export interface AgedSource {
  readonly name: string;
  /** Milliseconds since the epoch; undefined for an object never stored (a file given to `plan`). */
  readonly creationTimestamp: number | undefined;
}

/**
 * Every source's place in age order (0 the oldest), over all kinds at once, so that the oldest source
 * wins an entry whatever its kind: the older creationTimestamp first, never-stored objects after stored
 * ones, then by source name. The node aliases come before all (-1): the registrar's own entries; the pod
 * controller after all: an entry that an object declares keeps that object's fields.
 */
export function sourceRanks(sources: Iterable<AgedSource>): Map<string, number> {
  const sorted = [...sources].filter((source) => source.name !== podControllerSource).sort((a, b) => {
    const at = a.creationTimestamp ?? Number.POSITIVE_INFINITY;
    const bt = b.creationTimestamp ?? Number.POSITIVE_INFINITY;
    if (at !== bt) return at < bt ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const ranks = new Map<string, number>([[nodeAliasSource, -1]]);
  for (const [rank, source] of sorted.entries()) ranks.set(source.name, rank);
  ranks.set(podControllerSource, sorted.length);
  return ranks;
}
