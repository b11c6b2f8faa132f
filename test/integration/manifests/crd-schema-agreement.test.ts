import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { clusterSpiffeIdSchema } from '../../../src/api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { spiffeIdSchema } from '../../../src/api/spiffeid-v1beta1/spiffe-id.ts';
import { clusterFederatedTrustDomainSchema } from '../../../src/api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { clusterSPIFFEIDSchema } from '../../../src/api/spire-v1alpha1/cluster-spiffeid.ts';
import { clusterStaticEntrySchema } from '../../../src/api/spire-v1alpha1/cluster-static-entry.ts';
import { eksClusterRegistrySchema } from '../../../src/api/v1alpha1/eks-cluster-registry.ts';
import { workloadIdentitySchema } from '../../../src/api/v1alpha1/workload-identity.ts';
import { readManifest } from './manifest-files.ts';

// The CRD schemas (served and enforced by the apiserver) and the zod schemas (what the registrar parses)
// describe the same objects. This walks both into `path -> shape` maps so that a field added, renamed or
// retyped on one side only fails here instead of being pruned by the apiserver or refused by the
// registrar.

/** The shape of one field: its JSON type, whether its parent requires it, its allowed values if an enum. */
interface FieldShape {
  readonly type: string;
  readonly required: boolean;
  readonly enum?: readonly string[];
}

type Shapes = Map<string, FieldShape>;

function addShape(shapes: Shapes, path: string, shape: FieldShape): void {
  const existing = shapes.get(path);
  assert.ok(existing === undefined || JSON.stringify(existing) === JSON.stringify(shape), `${path}: conflicting shapes ${JSON.stringify(existing)} and ${JSON.stringify(shape)}`);
  shapes.set(path, shape);
}

/** The schema that validates the input: pipes (transforms) are walked on their input side. */
function inputSchema(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else return current;
  }
}

function walkZod(schema: z.ZodType, path: string, required: boolean, shapes: Shapes): void {
  const inner = inputSchema(schema);
  if (inner instanceof z.ZodObject) {
    addShape(shapes, path, { type: 'object', required });
    for (const [key, field] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      walkZod(field, `${path}.${key}`, field._zod.optin !== 'optional', shapes);
    }
  } else if (inner instanceof z.ZodArray) {
    addShape(shapes, path, { type: 'array', required });
    walkZod(inner.element as z.ZodType, `${path}[]`, true, shapes);
  } else if (inner instanceof z.ZodRecord) {
    addShape(shapes, path, { type: 'map', required });
    walkZod(inner.valueType as z.ZodType, `${path}.*`, true, shapes);
  } else if (inner instanceof z.ZodUnion) {
    // e.g. parentIDTemplate: '' or a template; every option must have the same shape (addShape checks).
    for (const option of inner.options as readonly z.ZodType[]) walkZod(option, path, required, shapes);
  } else if (inner instanceof z.ZodEnum) {
    addShape(shapes, path, { type: 'string', required, enum: [...(inner.options as readonly string[])].sort() });
  } else if (inner instanceof z.ZodLiteral) {
    addShape(shapes, path, { type: typeof inner.value, required });
  } else if (inner instanceof z.ZodString) {
    addShape(shapes, path, { type: 'string', required });
  } else if (inner instanceof z.ZodBoolean) {
    addShape(shapes, path, { type: 'boolean', required });
  } else if (inner instanceof z.ZodNumber) {
    addShape(shapes, path, { type: inner.isInt ? 'integer' : 'number', required });
  } else {
    assert.fail(`${path}: the walk does not know zod type ${inner._zod.def.type}`);
  }
}

interface OpenApiSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly required?: readonly string[];
  readonly items?: OpenApiSchema;
  readonly additionalProperties?: OpenApiSchema;
  readonly enum?: readonly string[];
}

function walkOpenApi(schema: OpenApiSchema, path: string, required: boolean, shapes: Shapes): void {
  if (schema.type === 'object' && schema.additionalProperties !== undefined) {
    addShape(shapes, path, { type: 'map', required });
    walkOpenApi(schema.additionalProperties, `${path}.*`, true, shapes);
  } else if (schema.type === 'object') {
    addShape(shapes, path, { type: 'object', required });
    for (const [key, field] of Object.entries(schema.properties ?? {})) {
      walkOpenApi(field, `${path}.${key}`, schema.required?.includes(key) ?? false, shapes);
    }
  } else if (schema.type === 'array') {
    assert.ok(schema.items !== undefined, `${path}: an array without items`);
    addShape(shapes, path, { type: 'array', required });
    walkOpenApi(schema.items, `${path}[]`, true, shapes);
  } else {
    assert.ok(schema.type !== undefined, `${path}: no type`);
    addShape(shapes, path, { type: schema.type, required, ...(schema.enum === undefined ? {} : { enum: [...schema.enum].sort() }) });
  }
}

function under(shapes: Shapes, prefix: string): Shapes {
  return new Map([...shapes].filter(([path]) => path === prefix || path.startsWith(`${prefix}.`)));
}

async function crdSchema(file: string, versionName = 'v1alpha1'): Promise<OpenApiSchema> {
  const [crd] = await readManifest(`config/crd/bases/${file}`);
  assert.ok(crd !== undefined);
  const versions = (crd.object.spec as { versions: { name: string; schema: { openAPIV3Schema: OpenApiSchema } }[] }).versions;
  const version = versions.find((v) => v.name === versionName);
  assert.ok(version !== undefined, `${file}: no ${versionName}`);
  return version.schema.openAPIV3Schema;
}

/** Required-ness, field by field, where the two sides differ. */
function requiredDifferences(zod: Shapes, crd: Shapes): string[] {
  return [...zod].filter(([path, shape]) => crd.get(path)?.required !== shape.required).map(([path, shape]) => `${path}: zod ${shape.required}, crd ${crd.get(path)?.required}`);
}

function withoutRequired(shapes: Shapes): Map<string, Omit<FieldShape, 'required'>> {
  return new Map([...shapes].map(([path, { required: _required, ...rest }]) => [path, rest]));
}

// The CRDs require what metav1.Condition requires, so that what the registrar writes is a well-formed
// condition; the registrar reads status leniently (it also reads objects written before a status existed).
const conditionFieldsRequiredOnlyByTheCrd = ['reason', 'message', 'lastTransitionTime'];

const kinds = [
  { kind: 'EKSClusterRegistry', file: 'eksclusterregistry.spire.spiffe.io_eksclusterregistries.yaml', version: 'v1alpha1', schema: eksClusterRegistrySchema },
  { kind: 'WorkloadIdentity', file: 'eksclusterregistry.spire.spiffe.io_workloadidentities.yaml', version: 'v1alpha1', schema: workloadIdentitySchema },
  { kind: 'ClusterSpiffeID', file: 'spiffeid.spiffe.io_clusterspiffeids.yaml', version: 'v1beta1', schema: clusterSpiffeIdSchema },
  { kind: 'SpiffeID', file: 'spiffeid.spiffe.io_spiffeids.yaml', version: 'v1beta1', schema: spiffeIdSchema },
  { kind: 'ClusterSPIFFEID', file: 'spire.spiffe.io_clusterspiffeids.yaml', version: 'v1alpha1', schema: clusterSPIFFEIDSchema },
  { kind: 'ClusterStaticEntry', file: 'spire.spiffe.io_clusterstaticentries.yaml', version: 'v1alpha1', schema: clusterStaticEntrySchema },
  { kind: 'ClusterFederatedTrustDomain', file: 'spire.spiffe.io_clusterfederatedtrustdomains.yaml', version: 'v1alpha1', schema: clusterFederatedTrustDomainSchema },
];

for (const { kind, file, version, schema } of kinds) {
  test(`${kind}: the CRD's spec and the zod schema have the same fields, types, enums and required fields`, async () => {
    const zod: Shapes = new Map();
    walkZod(schema, '', true, zod);
    const crd: Shapes = new Map();
    walkOpenApi(await crdSchema(file, version), '', true, crd);
    assert.ok(under(zod, '.spec').size > 5, 'the zod walk found the spec fields');
    assert.deepEqual(Object.fromEntries(under(crd, '.spec')), Object.fromEntries(under(zod, '.spec')));
  });

  test(`${kind}: the CRD's status and the zod schema have the same fields, types and enums`, async () => {
    const zod: Shapes = new Map();
    walkZod(schema, '', true, zod);
    const crd: Shapes = new Map();
    walkOpenApi(await crdSchema(file, version), '', true, crd);
    assert.deepEqual(Object.fromEntries(withoutRequired(under(crd, '.status'))), Object.fromEntries(withoutRequired(under(zod, '.status'))));
    assert.deepEqual(
      requiredDifferences(under(zod, '.status'), under(crd, '.status')),
      conditionFieldsRequiredOnlyByTheCrd.map((field) => `.status.conditions[].${field}: zod false, crd true`),
    );
  });
}

/** Every named property under `schema`, with its path. */
function properties(schema: OpenApiSchema, path: string): [string, OpenApiSchema & { description?: string }][] {
  const own = Object.entries(schema.properties ?? {}).flatMap(([key, field]) => [[`${path}.${key}`, field] as [string, OpenApiSchema], ...properties(field, `${path}.${key}`)]);
  const nested = [schema.items, schema.additionalProperties].flatMap((inner) => (inner === undefined ? [] : properties(inner, `${path}[]`)));
  return [...own, ...nested];
}

test('every spec field of every CRD is described, with its default or "Required"', async () => {
  for (const { file, version } of kinds) {
    const schema = await crdSchema(file, version);
    const spec = schema.properties?.spec;
    const status = schema.properties?.status;
    assert.ok(spec !== undefined && status !== undefined, file);
    const specFields = properties(spec, '.spec');
    assert.ok(specFields.length > 5, file);
    for (const [path, field] of specFields) assert.match(field.description ?? '', /Default|Required/, `${file}: ${path}`);
    for (const [path, field] of properties(status, '.status')) assert.ok((field.description ?? '') !== '', `${file}: ${path}`);
  }
});

test('the walk sees a drift: a field the CRD lacks, a field of another type', () => {
  const drifted = z.strictObject({ spec: z.strictObject({ a: z.string(), b: z.number().int().optional() }) });
  const zod: Shapes = new Map();
  walkZod(drifted, '', true, zod);
  const crd: Shapes = new Map();
  walkOpenApi({ type: 'object', properties: { spec: { type: 'object', required: ['a'], properties: { a: { type: 'string' }, b: { type: 'string' } } } } }, '', true, crd);
  assert.notDeepEqual(Object.fromEntries(under(crd, '.spec')), Object.fromEntries(under(zod, '.spec')));
  assert.deepEqual(zod.get('.spec.b'), { type: 'integer', required: false });
  assert.deepEqual(crd.get('.spec.b'), { type: 'string', required: false });
});
