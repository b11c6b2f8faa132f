import { everything, labelSelectorSchema, type LabelSelector } from '../v1alpha1/label-selector.ts';
import { apiGroup } from '../v1alpha1/group-version.ts';
import type { ObjectMeta } from '../v1alpha1/object-meta.ts';
import { validate } from '../validation.ts';

/**
 * The annotation that narrows a spire-controller-manager object to some clusters: a label selector over
 * EKSClusterRegistry `spec.labels`, as JSON (`{"matchLabels":{"env":"prod"}}`). An annotation, not a spec
 * field, so that the object stays valid for spire-controller-manager's own CRD (whose structural schema
 * would prune or refuse a field it does not know) and the same manifest serves both.
 */
export const registrySelectorAnnotation = `${apiGroup}/cluster-selector`;

const where = `metadata.annotations[${JSON.stringify(registrySelectorAnnotation)}]`;

/** The registries the object applies to: every enabled one without the annotation. Problems name the annotation. */
export function registrySelectorOf(metadata: ObjectMeta): { readonly selector: LabelSelector } | { readonly problems: readonly string[] } {
  const text = Object.hasOwn(metadata.annotations, registrySelectorAnnotation) ? metadata.annotations[registrySelectorAnnotation] : undefined;
  if (text === undefined || text.trim() === '') return { selector: everything };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problems: [`${where}: not JSON (a label selector such as {"matchLabels":{"env":"prod"}}): ${(error as Error).message}`] };
  }
  const parsed = validate(labelSelectorSchema, json, where);
  return parsed.ok ? { selector: parsed.value } : { problems: parsed.errors };
}
