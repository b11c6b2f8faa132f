import { systemClock, type Clock } from './clock.ts';
import { objectKey, type KubeObject } from './kube-object.ts';
import { ObjectStore, type IndexFunction, type ObjectReader, type StoredObject } from './object-store.ts';
import { Reflector, type ReflectorEvent, type ReflectorOptions, type ReflectorSink, type ReplaceBatch } from './reflector.ts';
import type { ObjectEvent, ResourceSource } from './resource-source.ts';

/** Told of every change to an informer's cache, after the cache has it. Handlers should only mark work. */
export interface InformerHandlers<T> {
  /** `initialList` is true for the objects of the first list (and for replays to a late handler). */
  onAdd?(object: T, key: string, initialList: boolean): void;
  onUpdate?(oldObject: T, newObject: T, key: string): void;
  /**
   * `finalStateUnknown` is true when the delete was inferred by a relist (the object vanished while the
   * watch was down, client-go's DeletedFinalStateUnknown): `object` is then the last state seen.
   */
  onDelete?(object: T, key: string, finalStateUnknown: boolean): void;
}

/** The reflector's tuning (see ReflectorOptions for the defaults) and the informer's own options. */
export interface InformerOptions<T> extends Pick<ReflectorOptions, 'clock' | 'random' | 'pageSize' | 'watchTimeoutSeconds' | 'silentWatchMs' | 'backoff'> {
  readonly source: ResourceSource;
  /**
   * Turns an object's JSON into what the cache keeps: only the fields the engine reads, so memory scales
   * with pods rather than with pod specs. May throw for an object it cannot read: see `onError`.
   */
  readonly transform: (raw: unknown) => T;
  /** Named index functions, e.g. `{ namespace: byNamespace, node: byNodeName }`. */
  readonly indexers?: Readonly<Record<string, IndexFunction<T>>>;
  /**
   * Told of objects the transform refused and of handlers that threw. A refused object keeps its last
   * good state in the cache (never deleted because of a failure), and one never read stays out.
   */
  readonly onError?: (error: unknown) => void;
  readonly onReflectorEvent?: (event: ReflectorEvent) => void;
  /**
   * Every cached object is delivered to the handlers again, as an update from itself to itself, about
   * this often (client-go's resync, controller-runtime's SyncPeriod), so that a controller checks each
   * one again. Each informer draws its period once, between 0.9 and 1.1 times this (as
   * controller-runtime does), so that the informers of a fleet do not resync together. Default: never.
   */
  readonly resyncPeriodMs?: number;
}

/**
 * A cache of one resource of one cluster, kept current by a reflector, keyed by `namespace/name`
 * (`name` when cluster-scoped), with indexes and change handlers: client-go's shared index informer,
 * with handlers called synchronously (they only enqueue keys).
 *
 * A relist replaces the cache: objects that vanished are reported deleted (final state unknown);
 * objects whose resource version changed are reported updated; unchanged ones are not reported (that is
 * the resync's job, when `resyncPeriodMs` asks for one); an object whose uid changed under the same name
 * (deleted and recreated while the watch was down) is reported deleted, then added.
 */
export class Informer<T> implements ReflectorSink {
  readonly #store: ObjectStore<T>;
  readonly #transform: (raw: unknown) => T;
  readonly #onError: (error: unknown) => void;
  readonly #handlers = new Set<InformerHandlers<T>>();
  readonly #reflector: Reflector;
  readonly #description: string;
  readonly #clock: Clock;
  /** Undefined: no resync. */
  readonly #resyncPeriodMs: number | undefined;
  #synced = false;
  readonly #syncWaiters = new Set<() => void>();

  constructor(options: InformerOptions<T>) {
    this.#store = new ObjectStore(options.indexers);
    this.#transform = options.transform;
    this.#onError = options.onError ?? (() => {});
    this.#description = options.source.description;
    this.#clock = options.clock ?? systemClock;
    const period = options.resyncPeriodMs;
    this.#resyncPeriodMs = period === undefined || period <= 0 ? undefined : period * (0.9 + (options.random ?? Math.random)() * 0.2);
    const { source, clock, random, pageSize, watchTimeoutSeconds, silentWatchMs, backoff, onReflectorEvent } = options;
    this.#reflector = new Reflector({ source, sink: this, clock, random, pageSize, watchTimeoutSeconds, silentWatchMs, backoff, onEvent: onReflectorEvent });
  }

  /** The cache. */
  get store(): ObjectReader<T> {
    return this.#store;
  }

  get lastSyncResourceVersion(): string | undefined {
    return this.#reflector.lastSyncResourceVersion;
  }

  /** Adds handlers; a handler added after objects arrived is told of each as an add. Returns a remover. */
  addEventHandler(handlers: InformerHandlers<T>): () => void {
    this.#handlers.add(handlers);
    for (const [key, stored] of this.#store.entries()) this.#call(() => handlers.onAdd?.(stored.object, key, true));
    return () => this.#handlers.delete(handlers);
  }

  /** Lists and watches, and resyncs if asked to, until `signal` is aborted. */
  async run(signal: AbortSignal): Promise<void> {
    const stopResync = this.#resyncEvery(this.#resyncPeriodMs, signal);
    try {
      await this.#reflector.run(signal);
    } finally {
      stopResync();
    }
  }

  /** Resyncs every `periodMs` on the clock until `signal` is aborted or the returned function is called. */
  #resyncEvery(periodMs: number | undefined, signal: AbortSignal): () => void {
    if (periodMs === undefined) return () => {};
    let cancel = (): void => {};
    const schedule = (): void => {
      cancel = this.#clock.setTimer(() => {
        if (signal.aborted) return;
        this.#resync();
        schedule();
      }, periodMs);
    };
    schedule();
    return () => cancel();
  }

  /**
   * Tells the handlers of every cached object again, as an update with the same object before and after
   * (client-go's resync). Before the first list there is nothing complete to tell.
   */
  #resync(): void {
    if (!this.#synced) return;
    for (const [key, stored] of this.#store.entries()) this.#notify((h) => h.onUpdate?.(stored.object, stored.object, key));
  }

  /** True once the first complete list is in the cache: only then does absence mean deleted. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once synced; rejects with the signal's reason if `signal` is aborted first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        this.#syncWaiters.delete(done);
        reject(signal?.reason);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#syncWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  startReplace(): ReplaceBatch {
    const items = new Map<string, StoredObject<T>>();
    return {
      add: (object) => {
        const key = objectKey(object.meta);
        const stored = this.#read(object, key) ?? this.#keptOnRelist(key, object);
        if (stored !== undefined) items.set(key, stored);
      },
      commit: () => this.#replace(items),
    };
  }

  apply(event: ObjectEvent): void {
    const key = objectKey(event.object.meta);
    if (event.type === 'DELETED') {
      const old = this.#store.delete(key);
      if (old === undefined) return;
      this.#notify((h) => h.onDelete?.(old.object, key, false));
      return;
    }
    const stored = this.#read(event.object, key);
    if (stored === undefined) return;
    const old = this.#store.set(key, stored);
    if (old === undefined) this.#notify((h) => h.onAdd?.(stored.object, key, false));
    else if (old.uid !== stored.uid) {
      this.#notify((h) => h.onDelete?.(old.object, key, true));
      this.#notify((h) => h.onAdd?.(stored.object, key, false));
    } else this.#notify((h) => h.onUpdate?.(old.object, stored.object, key));
  }

  #read(object: KubeObject, key: string): StoredObject<T> | undefined {
    try {
      return { object: this.#transform(object.json), uid: object.meta.uid, resourceVersion: object.meta.resourceVersion };
    } catch (error) {
      this.#onError(new Error(`${this.#description}: ${key}: cannot read the object: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return undefined;
    }
  }

  /** A listed object the transform refused keeps its cached state, unless it is a different object now. */
  #keptOnRelist(key: string, object: KubeObject): StoredObject<T> | undefined {
    const old = this.#store.getStored(key);
    return old !== undefined && old.uid === object.meta.uid ? old : undefined;
  }

  #replace(items: Map<string, StoredObject<T>>): void {
    const old = this.#store.replace(items);
    const initialList = !this.#synced;
    for (const [key, before] of old) {
      const after = items.get(key);
      if (after === undefined || after.uid !== before.uid) this.#notify((h) => h.onDelete?.(before.object, key, true));
    }
    for (const [key, after] of items) {
      const before = old.get(key);
      if (before === undefined || before.uid !== after.uid) this.#notify((h) => h.onAdd?.(after.object, key, initialList));
      else if (before.resourceVersion !== after.resourceVersion) this.#notify((h) => h.onUpdate?.(before.object, after.object, key));
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters) waiter();
      this.#syncWaiters.clear();
    }
  }

  #notify(call: (handlers: InformerHandlers<T>) => void): void {
    for (const handlers of this.#handlers) this.#call(() => call(handlers));
  }

  #call(call: () => void): void {
    try {
      call();
    } catch (error) {
      // One broken handler must not stop the cache, nor the other handlers.
      this.#onError(new Error(`${this.#description}: an event handler threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }
}
