import type { ConditionUpdate } from '../kube/conditions.ts';

/** What a WorkloadIdentity's Ready condition is computed from. */
export interface IdentityReadiness {
  readonly generation: number;
  readonly entriesRegistered: number;
  /** The identity's template error, when its templates do not compile. */
  readonly templateError: string | undefined;
  /** Its render failures, one per pod that failed (already in a stable order). */
  readonly renderFailures: readonly { readonly message: string }[];
}

/**
 * Ready=True only when the templates compile and every selected pod rendered: an identity whose pods
 * fail must never look healthy, whatever it registered for the others.
 */
export function identityReadyCondition(input: IdentityReadiness): ConditionUpdate {
  const { generation: observedGeneration, templateError, renderFailures } = input;
  if (templateError !== undefined) return { type: 'Ready', status: 'False', reason: 'TemplateInvalid', message: templateError, observedGeneration };
  const [first] = renderFailures;
  if (first !== undefined) {
    const pods = renderFailures.length === 1 ? '1 pod failed' : `${renderFailures.length} pods failed`;
    return { type: 'Ready', status: 'False', reason: 'RenderFailed', message: `${pods} to render; the first: ${first.message}`, observedGeneration };
  }
  return { type: 'Ready', status: 'True', reason: 'Reconciled', message: `${input.entriesRegistered} entries registered`, observedGeneration };
}
