import { KubeApiError } from '../kube/kube-api-error.ts';
import type { ObjectReader } from '../kube/object-store.ts';
import type { ReflectorEvent } from '../kube/reflector.ts';
import type { ManagedObjects } from './controller.ts';
import type { ManagedObject } from './managed-object.ts';

/**
 * A management kind that a cluster may not serve yet: its CRD came with a later release, and `helm
 * upgrade` never adds CRDs. While its list answers 404 the kind counts as synced and empty, so that the
 * controller keeps serving every other kind instead of waiting for ever; once the CRD is installed, the
 * informer's next list fills the cache and its objects are handled as they come.
 */
export class OptionalKind<T> implements ManagedObjects<T> {
  readonly #objects: ManagedObjects<T>;
  readonly #waiters = new Set<() => void>();
  #absent = false;

  constructor(objects: ManagedObjects<T>) {
    this.#objects = objects;
  }

  get store(): ObjectReader<ManagedObject<T>> {
    return this.#objects.store;
  }

  /** Whether the kind's list last answered 404. */
  get absent(): boolean {
    return this.#absent;
  }

  /** Takes the informer's reflector events; true for the one that first says the kind is not served. */
  observe(event: ReflectorEvent): boolean {
    if (event.type === 'listed') this.#absent = false;
    if (event.type !== 'error' || event.phase !== 'list' || !(event.error instanceof KubeApiError) || event.error.code !== 404 || this.#absent) return false;
    this.#absent = true;
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
    return true;
  }

  hasSynced(): boolean {
    return this.#absent || this.#objects.hasSynced();
  }

  async waitForSync(signal: AbortSignal): Promise<void> {
    if (this.hasSynced()) return;
    await new Promise<void>((resolve, reject) => {
      this.#waiters.add(resolve);
      this.#objects.waitForSync(signal).then(resolve, reject);
    });
  }
}
