import { hash } from 'node:crypto';
import type { Selector } from '../spire/entry.ts';

// Entry IDs: `<entryIDPrefix><cluster tag>-<digest of the key>`. The tag has a fixed length so that
// one cluster's ID prefix is never a prefix of another's ("prod" and "prod-east" would be).

/** Hex characters of the per-cluster tag: 48 bits, so that a fleet of thousands has no collision. */
export const clusterTagLength = 12;

/** Hex characters of the key digest: 128 bits of SHA-256. */
export const keyDigestLength = 32;

/** SPIRE's limit on entry IDs. */
export const maxEntryIdLength = 255;

/** The longest `entryIDPrefix` that leaves room for the tag and the digest. */
export const maxEntryIdPrefixLength = maxEntryIdLength - clusterTagLength - 1 - keyDigestLength;

/** The characters SPIRE allows in an entry ID. */
export const entryIdCharacters = /^[A-Za-z0-9._-]*$/;

// The first `length` hex characters of SHA-256. Hex output allocates no Buffer (half the time of a Buffer
// digest); joining two halves copies them into one flat string, where a slice of the hex would keep all 64.
function sha256Hex(text: string, length: number): string {
  const hex = hash('sha256', text, 'hex');
  return [hex.slice(0, length / 2), hex.slice(length / 2, length)].join('');
}

/** The stable tag of a cluster in its entries' IDs, from the EKSClusterRegistry's name. */
export function clusterTag(registryName: string): string {
  return sha256Hex(`cluster\0${registryName}`, clusterTagLength);
}

/** The ID prefix shared by every entry of one cluster, and by no entry of another. */
export function clusterEntryIdPrefix(entryIdPrefix: string, registryName: string): string {
  return `${entryIdPrefix}${clusterTag(registryName)}-`;
}

function compareSelectors(a: Selector, b: Selector): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/** Selectors in the canonical order (by type, then value, by code unit), without duplicates. */
export function sortSelectors(selectors: readonly Selector[]): Selector[] {
  const sorted = selectors.slice();
  // An entry has a handful of selectors: insertion sort (stable, as sort is) is several times faster there.
  if (sorted.length > 16) sorted.sort(compareSelectors);
  else {
    for (let index = 1; index < sorted.length; index++) {
      const selector = sorted[index] as Selector;
      let at = index;
      for (; at > 0 && compareSelectors(sorted[at - 1] as Selector, selector) > 0; at--) sorted[at] = sorted[at - 1] as Selector;
      sorted[at] = selector;
    }
  }
  let kept = 0;
  for (const selector of sorted) {
    const previous = sorted[kept - 1];
    if (previous === undefined || compareSelectors(previous, selector) !== 0) sorted[kept++] = selector;
  }
  sorted.length = kept;
  return sorted;
}

/**
 * The entry key, SPIRE's own notion of "the same entry": (SPIFFE ID, parent ID, selector set), as one
 * unambiguous string. `selectors` must be sorted (sortSelectors).
 */
export function entryKey(spiffeId: string, parentId: string, selectors: readonly Selector[]): string {
  return JSON.stringify([spiffeId, parentId, selectors.map((selector) => [selector.type, selector.value])]);
}

/** The collision-resistant digest of an entry key: 128 bits of its SHA-256, in hex. */
export function keyDigest(key: string): string {
  return sha256Hex(key, keyDigestLength);
}

/** The deterministic ID of the entry whose key has digest `digest`, in the cluster whose ID prefix is `clusterIdPrefix`. */
export function entryId(clusterIdPrefix: string, digest: string): string {
  return `${clusterIdPrefix}${digest}`;
}
