import type { z } from 'zod';

/** A value validated at the edge, or every problem found, each naming the object and the field. */
export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

/** `spec.podSelector.matchExpressions[0].key`: the path as a user writes it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a map';
  if (typeof input === 'string') return `the string ${JSON.stringify(input)}`;
  return `${typeof input} ${String(input)}`;
}

// Messages in the words of Kubernetes objects and YAML rather than of JavaScript types.
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    const expected = issue.expected === 'object' || issue.expected === 'record' ? 'a map' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    return `expected ${expected}, got ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, got ${issue.input === undefined ? 'nothing' : describe(issue.input)}`;
  }
  return undefined;
};

function messagesOf(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`);
  }
  if (issue.code === 'invalid_union') {
    // A union's branches each explain themselves; the first branch's problems are the useful ones.
    const first = issue.errors[0];
    if (first !== undefined && first.length > 0) return first.flatMap((inner) => messagesOf({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  const path = formatPath(issue.path);
  return [path === '' ? issue.message : `${path}: ${issue.message}`];
}

/**
 * Validates `input` against `schema`; every problem becomes one line `<where>: <field path>: <problem>`,
 * e.g. `WorkloadIdentity web-app: spec.ttl: invalid duration "1x"`.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: string): Validated<z.output<S>> {
  const result = schema.safeParse(input, { error: errorMap, reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.flatMap(messagesOf).map((message) => `${where}: ${message}`) };
}

/** An object's metadata.name for error messages, before it is validated. */
export function objectName(object: unknown): string {
  if (typeof object === 'object' && object !== null && 'metadata' in object) {
    const metadata = object.metadata;
    if (typeof metadata === 'object' && metadata !== null && 'name' in metadata && typeof metadata.name === 'string' && metadata.name !== '') {
      return metadata.name;
    }
  }
  return '(unnamed)';
}
