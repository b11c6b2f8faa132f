import { z } from 'zod';

/** A status condition, as Kubernetes' metav1.Condition. */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  /** RFC 3339, as stored. */
  readonly lastTransitionTime: string;
  readonly observedGeneration: number;
}

export const conditionSchema = z
  .looseObject({
    type: z.string().min(1),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z.string().optional(),
    message: z.string().optional(),
    lastTransitionTime: z.string().optional(),
    observedGeneration: z.number().int().optional(),
  })
  .transform(
    (condition): Condition => ({
      type: condition.type,
      status: condition.status,
      reason: condition.reason ?? '',
      message: condition.message ?? '',
      lastTransitionTime: condition.lastTransitionTime ?? '',
      observedGeneration: condition.observedGeneration ?? 0,
    }),
  );
