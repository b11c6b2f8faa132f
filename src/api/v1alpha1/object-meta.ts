import { z } from 'zod';
import { labelsSchema } from './label-selector.ts';

const dnsSubdomain = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** The metadata of a cluster-scoped object of this API, reduced to what the registrar reads. */
export interface ObjectMeta {
  readonly name: string;
  /** Empty for an object that was never stored (a file given to `plan`). */
  readonly uid: string;
  /** Milliseconds since the epoch; undefined for an object that was never stored. */
  readonly creationTimestamp: number | undefined;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

const timestampSchema = z.string().transform((text, ctx): number => {
  const milliseconds = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(milliseconds)) return milliseconds;
  ctx.addIssue({ code: 'custom', message: `invalid RFC 3339 timestamp ${JSON.stringify(text)}` });
  return z.NEVER;
});

const metaFields = {
  name: z.string().superRefine((name, ctx) => {
    if (name.length > 253 || !dnsSubdomain.test(name)) {
      ctx.addIssue({ code: 'custom', message: `invalid name ${JSON.stringify(name)}: must be a lowercase DNS subdomain` });
    }
  }),
  uid: z.string().optional(),
  creationTimestamp: timestampSchema.nullish(),
  generation: z.number().int().nonnegative().optional(),
  resourceVersion: z.string().optional(),
  labels: labelsSchema.nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
};

function objectMeta(meta: z.output<z.ZodObject<typeof metaFields>>): ObjectMeta {
  return {
    name: meta.name,
    uid: meta.uid ?? '',
    creationTimestamp: meta.creationTimestamp ?? undefined,
    generation: meta.generation ?? 0,
    resourceVersion: meta.resourceVersion ?? '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
  };
}

// Kubernetes adds many metadata fields (managedFields, finalizers, ...); the registrar ignores them.
export const objectMetaSchema = z.looseObject(metaFields).transform(objectMeta);

/** The metadata of a namespaced object. */
export interface NamespacedObjectMeta extends ObjectMeta {
  readonly namespace: string;
}

/** A Kubernetes namespace name (an RFC 1123 label). */
export const namespaceName = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export const namespacedObjectMetaSchema = z
  .looseObject({ ...metaFields, namespace: z.string().regex(namespaceName, { error: (issue) => `invalid namespace name ${JSON.stringify(issue.input)}` }) })
  .transform((meta): NamespacedObjectMeta => ({ ...objectMeta(meta), namespace: meta.namespace }));
