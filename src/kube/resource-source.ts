import type { KubeStatus } from './kube-api-error.ts';
import type { KubeObject } from './kube-object.ts';

/** One page of a list. */
export interface ListPage {
  readonly items: readonly KubeObject[];
  /** The list's resource version: a watch from it sees every change after the list. */
  readonly resourceVersion: string;
  /** Asks for the next page; absent on the last one. */
  readonly continue?: string;
}

export interface ListOptions {
  /** The page size. */
  readonly limit: number;
  /** The token of the page before; absent for the first page. */
  readonly continue?: string;
  readonly signal: AbortSignal;
}

export interface WatchOptions {
  /** Events after this version are sent. */
  readonly resourceVersion: string;
  /** The server ends the watch normally after this long. */
  readonly timeoutSeconds: number;
  /** Aborting ends the watch: the iteration throws the signal's reason. */
  readonly signal: AbortSignal;
}

export type ObjectEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectEvent {
  readonly type: ObjectEventType;
  readonly object: KubeObject;
}

/** A watch event: a change, a bookmark (progress without a change), or an error the server sent in-stream. */
export type WatchEvent =
  | ObjectEvent
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string }
  | { readonly type: 'ERROR'; readonly status: KubeStatus };

/**
 * The edge the reflector needs for one resource of one cluster (pods of cluster A, say): list pages and
 * watch. Watches ask for bookmarks. A failed request throws (KubeApiError when the server answered);
 * a watch whose stream the server closes normally ends its iteration.
 */
export interface ResourceSource {
  /** Names the resource and cluster in errors and logs, e.g. `pods on cluster prod-a`. */
  readonly description: string;
  list(options: ListOptions): Promise<ListPage>;
  watch(options: WatchOptions): AsyncIterable<WatchEvent>;
}
