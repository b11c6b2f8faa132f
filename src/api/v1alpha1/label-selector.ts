import { z } from 'zod';

const labelName = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a Kubernetes label key (`[prefix/]name`), or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomain.test(prefix))) {
    return `invalid label key ${JSON.stringify(key)}: the prefix must be a DNS subdomain`;
  }
  if (!labelName.test(name)) {
    return `invalid label key ${JSON.stringify(key)}: the name must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Why `value` is not a Kubernetes label value, or undefined when it is one (the empty value is one). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '' || labelName.test(value)) return undefined;
  return `invalid label value ${JSON.stringify(value)}: must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
}

const labelKeySchema = z.string().superRefine((key, ctx) => {
  const problem = labelKeyProblem(key);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const labelValueSchema = z.string().superRefine((value, ctx) => {
  const problem = labelValueProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Labels, as in `metadata.labels` or an EKSClusterRegistry's `spec.labels`. */
export const labelsSchema = z.record(labelKeySchema, labelValueSchema);

/** The operators of a label selector requirement. */
export const selectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof selectorOperators)[number];

/** One `matchExpressions` item. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A Kubernetes label selector; an empty selector matches everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

const requirementSchema = z
  .strictObject({
    key: labelKeySchema,
    operator: z.enum(selectorOperators, { error: `must be one of ${selectorOperators.join(', ')}` }),
    values: z.array(labelValueSchema).optional(),
  })
  .transform((requirement, ctx): LabelSelectorRequirement => {
    const values = requirement.values ?? [];
    const needsValues = requirement.operator === 'In' || requirement.operator === 'NotIn';
    if (needsValues && values.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must be non-empty when operator is ${requirement.operator}` });
    }
    if (!needsValues && values.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must be empty when operator is ${requirement.operator}` });
    }
    return { key: requirement.key, operator: requirement.operator, values };
  });

export const labelSelectorSchema = z
  .strictObject({
    matchLabels: labelsSchema.optional(),
    matchExpressions: z.array(requirementSchema).optional(),
  })
  .transform((selector): LabelSelector => ({
    matchLabels: selector.matchLabels ?? {},
    matchExpressions: selector.matchExpressions ?? [],
  }));

/** The selector that selects everything: what an omitted selector means. */
export const everything: LabelSelector = { matchLabels: {}, matchExpressions: [] };

// Labels come from parsed JSON, so a key such as "constructor" must not reach Object.prototype.
function labelValue(labels: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** Whether `labels` satisfy `selector`, with Kubernetes' semantics (NotIn matches an absent key). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, wanted] of Object.entries(selector.matchLabels)) {
    if (labelValue(labels, key) !== wanted) return false;
  }
  for (const requirement of selector.matchExpressions) {
    const value = labelValue(labels, requirement.key);
    switch (requirement.operator) {
      case 'In':
        if (value === undefined || !requirement.values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && requirement.values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}
