import type { InformerHandlers } from '../kube/informer.ts';
import type { ManagedObject } from './managed-object.ts';
import type { WorkItem } from './work-item.ts';

/**
 * The event handlers of a management resource's informer: each change of an object's intent is its work
 * item; a changed `reconcile` annotation (`kubectl annotate ... reconcile=now --overwrite`) is also a full
 * reconciliation, which lists the server and so repairs what was changed behind the controller's back.
 * Status-only updates (the controller's own writes coming back) are nothing; a finalizer change is the
 * object's item (deleting waits on them).
 */
export function objectHandlers<T>(item: (name: string) => WorkItem, enqueue: (item: WorkItem) => void): InformerHandlers<ManagedObject<T>> {
  return {
    onAdd: (_object, name) => enqueue(item(name)),
    onUpdate: (before, after, name) => {
      if (before.intent !== after.intent || before.finalizers.join() !== after.finalizers.join()) enqueue(item(name));
      if (before.reconcileRequest !== after.reconcileRequest) enqueue({ kind: 'full' });
    },
    onDelete: (_object, name) => enqueue(item(name)),
  };
}
