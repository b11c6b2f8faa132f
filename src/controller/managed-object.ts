import { conditionSchema, type Condition } from '../api/v1alpha1/condition.ts';
import type { Validated } from '../api/validation.ts';
import { isRecord } from '../kube/kube-object.ts';

/**
 * A custom resource of the management cluster as its informer keeps it: parsed once, when it arrives,
 * with the bookkeeping the controller reads whether the spec is valid or not.
 */
export interface ManagedObject<T> {
  readonly name: string;
  /** Empty for a cluster-scoped object. */
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  /** The annotations with string values (a ClusterFederatedTrustDomain's ownership record is one, also on an invalid object). */
  readonly annotations: Readonly<Record<string, string>>;
  /**
   * What the desired state takes from the object: everything but its status, finalizers, the `reconcile`
   * annotation and bookkeeping. Its own status and finalizer writes come back as updates; re-rendering on
   * them would re-render every pod of the cluster or identity once more.
   */
  readonly intent: string;
  /** The `reconcile` annotation, by which a user asks for a full reconciliation now. */
  readonly reconcileRequest: string | undefined;
  /** The status conditions as stored (their transition times are kept across writes). */
  readonly conditions: readonly Condition[];
  /** The validated object, or every problem with its field. */
  readonly parsed: Validated<T>;
}

/** An informer transform: `parse` validates the object; the rest is read leniently, for any object. */
export function managedObject<T>(parse: (raw: unknown) => Validated<T>): (raw: unknown) => ManagedObject<T> {
  return (raw) => {
    const object = isRecord(raw) ? raw : {};
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    const status = isRecord(object.status) ? object.status : {};
    // A condition the schema refuses is dropped: the next status write replaces it.
    const listed: unknown[] = Array.isArray(status.conditions) ? status.conditions : [];
    const conditions = listed.flatMap((condition) => conditionSchema.safeParse(condition).data ?? []);
    const deleting = metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
    return {
      name: typeof metadata.name === 'string' ? metadata.name : '',
      namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
      uid: typeof metadata.uid === 'string' ? metadata.uid : '',
      generation: typeof metadata.generation === 'number' ? metadata.generation : 0,
      resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
      deleting,
      finalizers: Array.isArray(metadata.finalizers) ? metadata.finalizers.map(String) : [],
      annotations: Object.fromEntries(Object.entries(annotations).filter((pair): pair is [string, string] => typeof pair[1] === 'string')),
      intent: JSON.stringify([object.spec, metadata.generation, metadata.labels, { ...annotations, reconcile: undefined }, deleting]),
      reconcileRequest: typeof annotations.reconcile === 'string' ? annotations.reconcile : undefined,
      conditions,
      parsed: parse(raw),
    };
  };
}
