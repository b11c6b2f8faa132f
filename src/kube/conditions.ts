import type { Condition } from '../api/v1alpha1/condition.ts';

/** What a controller says about one condition type; the time it changed is set by setCondition. */
export interface ConditionUpdate {
  /** CamelCase, e.g. `Ready`. */
  readonly type: string;
  readonly status: Condition['status'];
  /** CamelCase, e.g. `ClusterUnreachable`: the CRDs refuse anything else, and an empty reason. */
  readonly reason: string;
  /** For people; may be empty. */
  readonly message: string;
  /** The metadata.generation the condition was computed for. Default 0 (unknown). */
  readonly observedGeneration?: number;
}

// The CRDs' patterns (metav1.Condition's), checked here so that a bad constant fails in a unit test
// rather than as a refused status write at run time.
const typePattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const reasonPattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** metav1.Time: RFC 3339 in UTC to the second, as the apiserver writes it. */
export function conditionTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns `conditions` with `update` applied, as apimachinery's meta.SetStatusCondition: a new type is
 * appended with `now` as its lastTransitionTime; an existing one takes the new reason, message and
 * observedGeneration, and its lastTransitionTime moves to `now` only when its status changes, so that
 * "Ready since" stays true across reconciliations that find nothing new. The input is not changed.
 * Throws for a type or reason the CRDs would refuse (a programming error).
 */
export function setCondition(conditions: readonly Condition[], update: ConditionUpdate, now: Date): Condition[] {
  if (update.type.length > 316 || !typePattern.test(update.type)) throw new Error(`condition type ${JSON.stringify(update.type)} is not CamelCase as metav1.Condition requires`);
  if (update.reason.length > 1024 || !reasonPattern.test(update.reason)) {
    throw new Error(`condition ${update.type}: reason ${JSON.stringify(update.reason)} is not CamelCase as metav1.Condition requires`);
  }
  const existing = conditions.find((condition) => condition.type === update.type);
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime: existing !== undefined && existing.status === update.status && existing.lastTransitionTime !== '' ? existing.lastTransitionTime : conditionTime(now),
    observedGeneration: update.observedGeneration ?? 0,
  };
  if (existing === undefined) return [...conditions, next];
  return conditions.map((condition) => (condition === existing ? next : condition));
}

/** The condition of `type`, if any. */
export function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((condition) => condition.type === type);
}

/** Whether both lists hold the same conditions, every field equal (lastTransitionTime included), in any order. */
export function conditionsEqual(a: readonly Condition[], b: readonly Condition[]): boolean {
  if (a.length !== b.length) return false;
  const byType = new Map(b.map((condition) => [condition.type, condition]));
  // Types are the list's keys; with a duplicate, matching by type would not pair the lists one to one.
  if (byType.size !== b.length || new Set(a.map((condition) => condition.type)).size !== a.length) return false;
  return a.every((condition) => {
    const other = byType.get(condition.type);
    return (
      other !== undefined &&
      other.status === condition.status &&
      other.reason === condition.reason &&
      other.message === condition.message &&
      other.lastTransitionTime === condition.lastTransitionTime &&
      other.observedGeneration === condition.observedGeneration
    );
  });
}
