/**
 * Splits `items`, in order, into batches of at most `maxCount` items whose sizes add up to at most
 * `maxBytes`. An item larger than `maxBytes` on its own goes alone (the server will say whether it fits
 * its message limit).
 */
export function splitIntoBatches<T>(
  items: readonly T[],
  maxCount: number,
  maxBytes: number,
  sizeOf: (item: T) => number,
): T[][] {
  if (!Number.isInteger(maxCount) || maxCount < 1) throw new Error(`batch size ${maxCount} must be a whole number of at least 1`);
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (batch.length > 0 && (batch.length >= maxCount || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** `items` grouped by `key`, groups in the order their first item appears, items in order within each. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return [...groups.values()];
}
