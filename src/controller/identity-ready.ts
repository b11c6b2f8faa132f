import type { ConditionUpdate } from '../kube/conditions.ts';

/** What a WorkloadIdentity's Ready condition is computed from. */
export interface IdentityReadiness {
  readonly generation: number;
  readonly entriesRegistered: number;
  /** The identity's template error, when its templates do not compile. */
  readonly templateError: string | undefined;
  /** Its render failures, one per pod that failed (already in a stable order). */
  readonly renderFailures: readonly { readonly message: string }[];
  /** Its entries the SPIRE server refused to write. Default none. */
  readonly refusedWrites?: readonly { readonly message: string }[];
}

/**
 * Ready=True only when the templates compile, every selected pod rendered and the SPIRE server took
 * every entry: an identity whose pods fail must never look healthy, whatever it registered for the others.
 */
export function identityReadyCondition(input: IdentityReadiness): ConditionUpdate {
  const { generation: observedGeneration, templateError, renderFailures } = input;
  if (templateError !== undefined) return { type: 'Ready', status: 'False', reason: 'TemplateInvalid', message: templateError, observedGeneration };
  const [first] = renderFailures;
  if (first !== undefined) {
    const pods = renderFailures.length === 1 ? '1 pod failed' : `${renderFailures.length} pods failed`;
    return { type: 'Ready', status: 'False', reason: 'RenderFailed', message: `${pods} to render; the first: ${first.message}`, observedGeneration };
  }
  const refused = input.refusedWrites ?? [];
  if (refused[0] !== undefined) {
    const entries = refused.length === 1 ? '1 entry' : `${refused.length} entries`;
    return { type: 'Ready', status: 'False', reason: 'EntryFailed', message: `the SPIRE server refused ${entries}; the first: ${refused[0].message}`, observedGeneration };
  }
  return { type: 'Ready', status: 'True', reason: 'Reconciled', message: `${input.entriesRegistered} entries registered`, observedGeneration };
}
