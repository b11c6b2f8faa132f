import type { Readable } from 'node:stream';
import type { ClusterConnection } from './cluster-connection.ts';
import { parseStatus } from './kube-api-error.ts';
import { isRecord, toKubeObject } from './kube-object.ts';
import type { ListOptions, ListPage, ResourceSource, WatchEvent, WatchOptions } from './resource-source.ts';

/** A resource type, optionally limited to one namespace. */
export interface ResourceRef {
  /** The API group; empty for the core group (pods, nodes, namespaces). */
  readonly group: string;
  readonly version: string;
  /** The plural resource name, e.g. `pods`, `endpointslices`. */
  readonly resource: string;
  /** Only this namespace's objects; every namespace when absent. */
  readonly namespace?: string;
}

export interface ResourceSelectors {
  /** A label selector in the apiserver's syntax, e.g. `app=web,tier!=db`. */
  readonly labelSelector?: string;
  /** A field selector, e.g. `spec.nodeName=node-1`. */
  readonly fieldSelector?: string;
}

/** The collection path of `ref`, e.g. `/api/v1/pods` or `/apis/discovery.k8s.io/v1/namespaces/x/endpointslices`. */
export function resourcePath(ref: ResourceRef): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const namespace = ref.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(ref.namespace)}`;
  return `${base}${namespace}/${ref.resource}`;
}

/**
 * The reflector's edge over HTTP. Lists are consistent reads (no resourceVersion), paged with
 * limit/continue, each page parsed with JSON.parse into plain objects (no typed deserialization: see
 * docs/adr/0013-kube-client-edge.md). Watches ask for bookmarks and end after `timeoutSeconds`.
 */
export function httpResourceSource(connection: ClusterConnection, ref: ResourceRef, selectors: ResourceSelectors = {}): ResourceSource {
  const path = resourcePath(ref);
  const description = `${ref.resource}${ref.namespace === undefined ? '' : ` in namespace ${ref.namespace}`} on cluster ${connection.name}`;
  const selectorParams = (query: URLSearchParams): URLSearchParams => {
    if (selectors.labelSelector) query.set('labelSelector', selectors.labelSelector);
    if (selectors.fieldSelector) query.set('fieldSelector', selectors.fieldSelector);
    return query;
  };

  return {
    description,
    async list(options: ListOptions): Promise<ListPage> {
      const query = selectorParams(new URLSearchParams({ limit: String(options.limit) }));
      if (options.continue !== undefined) query.set('continue', options.continue);
      const body = await connection.requestJson('GET', `${path}?${query}`, { signal: options.signal });
      return parseListPage(body, `list of ${description}`);
    },
    watch(options: WatchOptions): AsyncIterable<WatchEvent> {
      const query = selectorParams(
        new URLSearchParams({
          watch: '1',
          resourceVersion: options.resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(options.timeoutSeconds),
        }),
      );
      return watchEvents(connection, `${path}?${query}`, `watch of ${description}`, options.signal);
    },
  };
}

export function parseListPage(body: unknown, where: string): ListPage {
  if (!isRecord(body) || !Array.isArray(body.items)) throw new Error(`${where}: the answer is not a list`);
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  const resourceVersion = metadata.resourceVersion;
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw new Error(`${where}: the list has no metadata.resourceVersion`);
  const items = body.items.map((item) => toKubeObject(item, where));
  const next = metadata.continue;
  return typeof next === 'string' && next !== '' ? { items, resourceVersion, continue: next } : { items, resourceVersion };
}

async function* watchEvents(connection: ClusterConnection, pathAndQuery: string, where: string, signal: AbortSignal): AsyncGenerator<WatchEvent> {
  const stream: Readable = await connection.openStream(pathAndQuery, signal);
  stream.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of stream) {
      buffer += chunk as string;
      let start = 0;
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n', start)) {
        const line = buffer.slice(start, newline);
        start = newline + 1;
        if (line.trim() !== '') yield parseWatchEvent(line, where);
      }
      buffer = buffer.slice(start);
    }
    if (buffer.trim() !== '') yield parseWatchEvent(buffer, where);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof Error && error.message.startsWith(where)) throw error;
    throw new Error(`${where}: the stream broke: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    stream.destroy();
  }
}

export function parseWatchEvent(line: string, where: string): WatchEvent {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    throw new Error(`${where}: an event is not JSON: ${line.slice(0, 200)}`);
  }
  if (!isRecord(event) || !isRecord(event.object)) throw new Error(`${where}: an event has no object`);
  switch (event.type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type: event.type, object: toKubeObject(event.object, where) };
    case 'BOOKMARK': {
      const metadata = event.object.metadata;
      const resourceVersion = isRecord(metadata) ? metadata.resourceVersion : undefined;
      if (typeof resourceVersion !== 'string' || resourceVersion === '') throw new Error(`${where}: a bookmark has no resourceVersion`);
      return { type: 'BOOKMARK', resourceVersion };
    }
    case 'ERROR':
      return { type: 'ERROR', status: parseStatus(500, event.object) };
    default:
      throw new Error(`${where}: unknown event type ${JSON.stringify(event.type)}`);
  }
}
