import { entryId } from '../identity/entry-id.ts';
import type { RenderedEntry } from '../identity/render-entry.ts';
import { isPodUidSelector } from '../identity/workload-selector.ts';
import type { Selector } from '../spire/entry.ts';
import { compareEntries, type PlannedEntry } from './planned-entry.ts';

/** Who wants an entry: an identity in a cluster. */
export interface EntrySource {
  readonly identity: string;
  /** The EKSClusterRegistry's name. */
  readonly cluster: string;
  /** The cluster's entry ID prefix. */
  readonly clusterIdPrefix: string;
}

type MutableEntry = { -readonly [K in keyof PlannedEntry]: PlannedEntry[K] };

/**
 * The desired entries, one per entry key, as sources add them. The identity of the lowest rank decides an
 * entry's fields (and so its cluster and ID); the others are listed after it, in rank order. Equal
 * SPIFFE IDs, parent IDs and selectors are shared between entries: with hundreds of thousands of
 * entries, the same parent IDs and `k8s:ns:` selectors would otherwise be stored once per entry.
 */
export class DesiredEntries {
  readonly #byDigest = new Map<string, MutableEntry>();
  readonly #strings = new Map<string, string>();
  readonly #selectors = new Map<string, Map<string, Selector>>();
  readonly #ranks: ReadonlyMap<string, number>;
  readonly #soleSource = new Map<string, readonly string[]>();

  /** `ranks`: every identity's position in age order (0 the oldest). */
  constructor(ranks: ReadonlyMap<string, number>) {
    this.#ranks = ranks;
  }

  #string(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    this.#strings.set(value, value);
    return value;
  }

  #selectorList(selectors: readonly Selector[]): Selector[] {
    return selectors.map((selector) => {
      // A pod-uid selector is unique to its pod, whose entries already share one object.
      if (isPodUidSelector(selector)) return selector;
      let ofType = this.#selectors.get(selector.type);
      if (ofType === undefined) this.#selectors.set(selector.type, (ofType = new Map()));
      let shared = ofType.get(selector.value);
      if (shared === undefined) ofType.set(selector.value, (shared = selector));
      return shared;
    });
  }

  #fields(source: EntrySource, rendered: RenderedEntry, digest: string): MutableEntry {
    let identities = this.#soleSource.get(source.identity);
    if (identities === undefined) this.#soleSource.set(source.identity, (identities = [source.identity]));
    return {
      id: entryId(source.clusterIdPrefix, digest),
      spiffeId: this.#string(rendered.spiffeId),
      parentId: this.#string(rendered.parentId),
      selectors: this.#selectorList(rendered.selectors),
      x509SvidTtl: rendered.x509SvidTtl,
      jwtSvidTtl: rendered.jwtSvidTtl,
      dnsNames: rendered.dnsNames,
      federatesWith: rendered.federatesWith,
      admin: rendered.admin,
      downstream: rendered.downstream,
      hint: rendered.hint,
      cluster: source.cluster,
      identities,
    };
  }

  /** Adds the entry that `source` wants. */
  add(source: EntrySource, rendered: RenderedEntry): void {
    const { digest } = rendered;
    const existing = this.#byDigest.get(digest);
    if (existing === undefined) {
      this.#byDigest.set(digest, this.#fields(source, rendered, digest));
      return;
    }
    if (existing.identities.includes(source.identity)) return;
    const identities = [...existing.identities, source.identity].sort((a, b) => (this.#ranks.get(a) ?? 0) - (this.#ranks.get(b) ?? 0));
    if (identities[0] === existing.identities[0]) {
      existing.identities = identities;
      return;
    }
    // Only across clusters (the same pod UID and node in two registries) can an older source come later.
    const replacement = this.#fields(source, rendered, digest);
    replacement.identities = identities;
    this.#byDigest.set(digest, replacement);
  }

  /** The entries, sorted by SPIFFE ID, parent ID, then selectors. */
  sorted(): PlannedEntry[] {
    return [...this.#byDigest.values()].sort(compareEntries);
  }
}
