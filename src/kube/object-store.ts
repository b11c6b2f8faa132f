/** Maps an object to the values it is indexed under (none, one, or several). */
export type IndexFunction<T> = (object: T) => readonly string[];

/** One cached object, with the identity the informer needs to tell an update from a replacement. */
export interface StoredObject<T> {
  readonly object: T;
  readonly uid: string;
  readonly resourceVersion: string;
}

/** Read access to an informer's cache. */
export interface ObjectReader<T> {
  readonly size: number;
  get(key: string): T | undefined;
  keys(): IterableIterator<string>;
  list(): T[];
  /** The objects whose index function returned `value` for index `indexName`. */
  byIndex(indexName: string, value: string): T[];
  /** The keys of those objects. */
  keysByIndex(indexName: string, value: string): string[];
  /** Every value index `indexName` holds. */
  indexValues(indexName: string): string[];
}

/**
 * Objects by key, with indexes kept up to date on every change (client-go's ThreadSafeStore with its
 * Indexers). Only the informer writes to it.
 */
export class ObjectStore<T> implements ObjectReader<T> {
  readonly #indexers: ReadonlyMap<string, IndexFunction<T>>;
  #items = new Map<string, StoredObject<T>>();
  /** index name -> index value -> keys. */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Readonly<Record<string, IndexFunction<T>>> = {}) {
    this.#indexers = new Map(Object.entries(indexers));
    for (const name of this.#indexers.keys()) this.#indexes.set(name, new Map());
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key)?.object;
  }

  getStored(key: string): StoredObject<T> | undefined {
    return this.#items.get(key);
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  list(): T[] {
    return [...this.#items.values()].map((stored) => stored.object);
  }

  entries(): IterableIterator<[string, StoredObject<T>]> {
    return this.#items.entries();
  }

  byIndex(indexName: string, value: string): T[] {
    return this.keysByIndex(indexName, value).map((key) => this.#items.get(key)?.object as T);
  }

  keysByIndex(indexName: string, value: string): string[] {
    return [...(this.#index(indexName).get(value) ?? [])];
  }

  indexValues(indexName: string): string[] {
    return [...this.#index(indexName).keys()];
  }

  /** Adds or replaces the object under `key`; returns what was there. */
  set(key: string, stored: StoredObject<T>): StoredObject<T> | undefined {
    const old = this.#items.get(key);
    if (old !== undefined) this.#unindex(key, old.object);
    this.#items.set(key, stored);
    this.#addToIndexes(key, stored.object);
    return old;
  }

  /** Removes the object under `key`; returns what was there. */
  delete(key: string): StoredObject<T> | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#unindex(key, old.object);
    this.#items.delete(key);
    return old;
  }

  /** Makes the store exactly `items`, rebuilding the indexes; returns the items it had. */
  replace(items: Map<string, StoredObject<T>>): Map<string, StoredObject<T>> {
    const old = this.#items;
    this.#items = items;
    for (const index of this.#indexes.values()) index.clear();
    for (const [key, stored] of items) this.#addToIndexes(key, stored.object);
    return old;
  }

  #index(name: string): Map<string, Set<string>> {
    const index = this.#indexes.get(name);
    if (index === undefined) throw new Error(`no index named "${name}" (known: ${[...this.#indexes.keys()].join(', ') || 'none'})`);
    return index;
  }

  #addToIndexes(key: string, object: T): void {
    for (const [name, indexFunction] of this.#indexers) {
      const index = this.#indexes.get(name) as Map<string, Set<string>>;
      for (const value of indexFunction(object)) {
        let keys = index.get(value);
        if (keys === undefined) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  #unindex(key: string, object: T): void {
    for (const [name, indexFunction] of this.#indexers) {
      const index = this.#indexes.get(name) as Map<string, Set<string>>;
      for (const value of indexFunction(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        // Empty sets would otherwise pile up as pods come and go on short-lived nodes.
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

/** Index by namespace (client-go's NamespaceIndex), for objects that carry one. */
export function byNamespace<T extends { readonly namespace: string }>(object: T): readonly string[] {
  return [object.namespace];
}

/** An index function over one label's value; objects without the label are not indexed. */
export function byLabel<T extends { readonly labels: Readonly<Record<string, string>> }>(label: string): IndexFunction<T> {
  return (object) => {
    const value = object.labels[label];
    return value === undefined ? [] : [value];
  };
}

/** Index by node name, for pods; unscheduled pods (empty node name) are not indexed. */
export function byNodeName<T extends { readonly nodeName: string }>(object: T): readonly string[] {
  return object.nodeName === '' ? [] : [object.nodeName];
}
