import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../../../src/api/manifests.ts';

/** The repository's root directory. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `config/`, the deployable manifests. */
export const configDir = join(repoRoot, 'config');

/** A Kubernetes object as read from a manifest: loose, since the point of the tests is to check it. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** An object and the file (relative to the repository) it came from. */
export interface SourcedManifest {
  readonly object: ManifestObject;
  readonly source: string;
}

function isManifestObject(value: unknown): value is ManifestObject {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return typeof apiVersion === 'string' && typeof kind === 'string' && typeof metadata === 'object' && metadata !== null && typeof (metadata as { name?: unknown }).name === 'string';
}

/** Every `.yaml`/`.yml` file under `dir`, recursively, sorted; paths relative to the repository. */
export async function yamlFilesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) files.push(relative(repoRoot, join(entry.parentPath, entry.name)));
  }
  return files.sort();
}

/** The documents of a YAML file as parsed values (the project's own reader), failing on any YAML error. */
export async function readDocuments(file: string): Promise<readonly unknown[]> {
  const manifests = parseManifests(await readFile(join(repoRoot, file), 'utf8'), file);
  assert.deepEqual(manifests.errors, [], `${file} does not parse`);
  return manifests.objects;
}

/** The Kubernetes objects of a YAML file, each checked to have apiVersion, kind and metadata.name. */
export async function readManifest(file: string): Promise<SourcedManifest[]> {
  const documents = await readDocuments(file);
  assert.ok(documents.length > 0, `${file} holds no object`);
  return documents.map((document, index) => {
    assert.ok(isManifestObject(document), `${file}: document ${index + 1} lacks apiVersion, kind or metadata.name`);
    return { object: document, source: file };
  });
}

/** The seed's YAML, copied unchanged into test/fixtures/seed/. */
export async function readSeedFixture(name: string): Promise<SourcedManifest[]> {
  return readManifest(join('test', 'fixtures', 'seed', name));
}

// The only kustomization fields these manifests use; anything else would be silently ignored by the
// emulation below, so it is refused.
const kustomizationFields = new Set(['apiVersion', 'kind', 'namespace', 'resources']);

export interface Kustomization {
  /** The objects in the order kustomize emits them for `resources` (depth first). */
  readonly objects: readonly SourcedManifest[];
  /** Every kustomization.yaml read, relative to the repository. */
  readonly kustomizations: readonly string[];
}

/**
 * What `kustomize build <dir>` yields for kustomizations that use only `resources` and `namespace` (no
 * kustomize binary is needed): resources are files or directories with their own kustomization.yaml, and
 * the innermost `namespace` wins, set on every object `isNamespaced` says is namespaced. Fails when a
 * listed resource does not exist.
 */
export async function kustomize(dir: string, isNamespaced: (object: ManifestObject) => boolean): Promise<Kustomization> {
  const kustomizations: string[] = [];
  const build = async (at: string): Promise<SourcedManifest[]> => {
    const file = relative(repoRoot, join(at, 'kustomization.yaml'));
    kustomizations.push(file);
    const [document] = await readDocuments(file);
    assert.ok(typeof document === 'object' && document !== null, `${file} is empty`);
    const kustomization = document as Record<string, unknown>;
    assert.equal(kustomization.apiVersion, 'kustomize.config.k8s.io/v1beta1', `${file}: apiVersion`);
    assert.equal(kustomization.kind, 'Kustomization', `${file}: kind`);
    for (const field of Object.keys(kustomization)) assert.ok(kustomizationFields.has(field), `${file}: field ${field} is not emulated by the tests`);
    const resources = kustomization.resources;
    assert.ok(Array.isArray(resources) && resources.length > 0, `${file}: resources must list something`);
    const objects: SourcedManifest[] = [];
    for (const resource of resources) {
      assert.equal(typeof resource, 'string', `${file}: resources holds a non-string`);
      const path = resolve(at, resource as string);
      const info = await stat(path).catch(() => undefined);
      assert.ok(info !== undefined, `${file}: resource ${String(resource)} does not exist`);
      objects.push(...(info.isDirectory() ? await build(path) : await readManifest(relative(repoRoot, path))));
    }
    const namespace = kustomization.namespace;
    if (namespace === undefined) return objects;
    assert.equal(typeof namespace, 'string', `${file}: namespace`);
    return objects.map(({ object, source }) =>
      isNamespaced(object) ? { object: { ...object, metadata: { ...object.metadata, namespace: namespace as string } }, source } : { object, source },
    );
  };
  return { objects: await build(dir), kustomizations };
}

/** `Kind namespace/name` or `Kind name`, for messages and comparisons. */
export function objectRef(object: ManifestObject): string {
  const namespace = object.metadata.namespace;
  return `${object.kind} ${namespace === undefined ? '' : `${namespace}/`}${object.metadata.name}`;
}
