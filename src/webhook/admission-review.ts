import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/** Validates one object of a kind the webhook serves: the problems found, each naming the object and field; none when valid. */
export type ObjectValidator = (object: unknown) => readonly string[];

/** The validators by `group/Kind`. */
export type KindValidators = ReadonlyMap<string, ObjectValidator>;

const reviewSchema = z.looseObject({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.looseObject({
    uid: z.string().min(1),
    kind: z.looseObject({ group: z.string(), version: z.string(), kind: z.string() }),
    operation: z.string(),
    object: z.unknown().optional(),
    oldObject: z.unknown().optional(),
  }),
});

export interface AdmissionResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
    /** Shown by kubectl as `Warning: ...`; the request is allowed. */
    readonly warnings?: readonly string[];
  };
}

/** Why a body is not an AdmissionReview request the webhook can answer (the server replies 400). */
export class BadReviewError extends Error {}

function specOf(object: unknown): unknown {
  return typeof object === 'object' && object !== null && 'spec' in object ? object.spec : undefined;
}

/**
 * The verdict on one AdmissionReview (admission.k8s.io/v1), with the controller's own validation: a
 * create, or an update that changes the spec, of a served kind is allowed exactly when it validates.
 * An update that leaves the spec as it was (finalizers, labels, annotations) is allowed even for an
 * object stored before the webhook existed, so that such an object can still be deleted or relabelled.
 */
export function reviewAdmission(body: unknown, validators: KindValidators): AdmissionResponse {
  const parsed = reviewSchema.safeParse(body);
  if (!parsed.success) throw new BadReviewError(`not an admission.k8s.io/v1 AdmissionReview request: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const { request } = parsed.data;
  const allow = (): AdmissionResponse => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, allowed: true } });
  const validator = validators.get(`${request.kind.group}/${request.kind.kind}`);
  if (validator === undefined || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return allow();
  if (request.operation === 'UPDATE' && isDeepStrictEqual(specOf(request.object), specOf(request.oldObject))) return allow();
  const problems = validator(request.object);
  if (problems.length === 0) return allow();
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: request.uid, allowed: false, status: { code: 422, reason: 'Invalid', message: problems.join('; ') } },
  };
}
