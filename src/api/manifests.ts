import { parseAllDocuments } from 'yaml';

/** The Kubernetes objects found in a file, and every problem with its documents. */
export interface Manifests {
  readonly objects: readonly unknown[];
  readonly errors: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// `kind: List` (kubectl's output) and typed lists (`PodList`, from the API) hold their objects in items;
// a typed list's items carry no kind of their own.
function expandList(object: unknown, into: unknown[]): void {
  if (!isRecord(object) || typeof object.kind !== 'string' || !object.kind.endsWith('List') || !Array.isArray(object.items)) {
    into.push(object);
    return;
  }
  const itemKind = object.kind === 'List' ? undefined : object.kind.slice(0, -'List'.length);
  for (const item of object.items) {
    if (itemKind !== undefined && isRecord(item) && item.kind === undefined) {
      expandList({ apiVersion: object.apiVersion, kind: itemKind, ...item }, into);
    } else {
      expandList(item, into);
    }
  }
}

/**
 * The objects of a manifest file: YAML with any number of `---` documents, or JSON (parsed directly,
 * which is much faster for large cluster dumps). Lists are flattened; empty documents are skipped.
 * `source` names the file in errors.
 */
export function parseManifests(text: string, source: string): Manifests {
  const objects: unknown[] = [];
  const errors: string[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      for (const object of Array.isArray(parsed) ? parsed : [parsed]) expandList(object, objects);
      return { objects, errors };
    } catch {
      // Not JSON after all (YAML flow style is a superset): the YAML parser reports the real problem.
    }
  }
  const documents = parseAllDocuments(text, { prettyErrors: true });
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) {
      for (const error of document.errors) errors.push(`${source}: document ${index + 1}: ${error.message.split('\n')[0] ?? ''}`);
      continue;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      errors.push(`${source}: document ${index + 1}: expected a Kubernetes object (a map), got ${Array.isArray(value) ? 'a list' : typeof value}`);
      continue;
    }
    expandList(value, objects);
  }
  return { objects, errors };
}
