import { z } from 'zod';
import { objectMetaSchema, type ObjectMeta } from './v1alpha1/object-meta.ts';
import { objectName, validate, type Validated } from './validation.ts';

/** A custom resource as the registrar keeps it: validated spec, and a status that is never absent. */
export interface CustomResource<Kind extends string, Spec, Status, Meta = ObjectMeta> {
  readonly kind: Kind;
  readonly metadata: Meta;
  readonly spec: Spec;
  readonly status: Status;
}

export interface CustomResourceDefinition<Kind extends string, Spec, Status, Meta> {
  /** `group/version`. */
  readonly apiVersion: string;
  readonly kind: Kind;
  /** Default the metadata every kind has; a namespaced kind passes one that requires the namespace. */
  readonly metadata?: z.ZodType<Meta>;
  readonly spec: z.ZodType<Spec>;
  readonly status: z.ZodType<Status>;
  /** The status of an object that has none yet. */
  readonly emptyStatus: Status;
}

/** The schema of a whole object of one kind: unknown top-level fields refused, metadata and spec validated. */
export function customResourceSchema<Kind extends string, Spec, Status, Meta = ObjectMeta>(definition: CustomResourceDefinition<Kind, Spec, Status, Meta>) {
  return z
    .strictObject({
      apiVersion: z.literal(definition.apiVersion),
      kind: z.literal(definition.kind),
      metadata: definition.metadata ?? (objectMetaSchema as unknown as z.ZodType<Meta>),
      spec: definition.spec,
      status: definition.status.nullish(),
    })
    .transform(
      (object): CustomResource<Kind, Spec, Status, Meta> => ({
        kind: object.kind,
        metadata: object.metadata,
        spec: object.spec,
        status: object.status ?? definition.emptyStatus,
      }),
    );
}

/** Validates a Kubernetes object against a kind's schema; errors read `<Kind> <name>: <field>: <problem>`. */
export function parseCustomResource<T>(schema: z.ZodType<T>, kind: string, object: unknown): Validated<T> {
  return validate(schema, object, `${kind} ${objectName(object)}`);
}
