/** The metadata every listed or watched object must carry: checked once, at the edge. */
export interface ObjectMeta {
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

/** One object as the apiserver sent it: its checked metadata, and the whole JSON for a transform to read. */
export interface KubeObject {
  readonly meta: ObjectMeta;
  readonly json: Readonly<Record<string, unknown>>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the metadata of one object from `where` (a list page, a watch), naming it in the error. */
export function toKubeObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw new Error(`${where}: an object is not a JSON object`);
  const metadata = value.metadata;
  if (!isRecord(metadata)) throw new Error(`${where}: an object has no metadata`);
  const { name, namespace, uid, resourceVersion } = metadata;
  if (typeof name !== 'string' || name === '') throw new Error(`${where}: an object has no metadata.name`);
  const id = typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
  if (namespace !== undefined && typeof namespace !== 'string') throw new Error(`${where}: ${id}: metadata.namespace is not a string`);
  if (typeof uid !== 'string' || uid === '') throw new Error(`${where}: ${id}: no metadata.uid`);
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw new Error(`${where}: ${id}: no metadata.resourceVersion`);
  return { meta: { name, namespace: namespace ?? '', uid, resourceVersion }, json: value };
}

/**
 * The cache key of an object: `namespace/name`, or `name` for a cluster-scoped one, as client-go's
 * MetaNamespaceKeyFunc; work queues carry the same keys.
 */
export function objectKey(meta: { readonly namespace: string; readonly name: string }): string {
  return meta.namespace === '' ? meta.name : `${meta.namespace}/${meta.name}`;
}

/** Splits a key made by `objectKey`. */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
