import { ObjectStore, type ObjectReader } from '../kube/object-store.ts';
import type { ManagedObjects } from './controller.ts';
import type { ManagedObject } from './managed-object.ts';

/**
 * A kind that `reconcile` turned off: never listed or watched, always synced and empty, so that the
 * controller serves the other kinds as if it had none of these objects (SCM does not set up its controller).
 */
export class DisabledKind<T> implements ManagedObjects<T> {
  readonly store: ObjectReader<ManagedObject<T>> = new ObjectStore<ManagedObject<T>>();

  hasSynced(): boolean {
    return true;
  }

  async waitForSync(): Promise<void> {}
}
