import { backoffDelayMs, waitToRetry, type BackoffPolicy } from '../backoff/backoff.ts';
import { systemClock, type Clock } from './clock.ts';
import { isResourceVersionGone, KubeApiError } from './kube-api-error.ts';
import type { KubeObject } from './kube-object.ts';
import type { ObjectEvent, ResourceSource } from './resource-source.ts';

/** Where a reflector puts what it lists and watches: an informer's store. */
export interface ReflectorSink {
  /** Starts a relist: the listed objects go into the batch, which replaces the store on commit. */
  startReplace(): ReplaceBatch;
  /** One change from the watch. */
  apply(event: ObjectEvent): void;
}

export interface ReplaceBatch {
  add(object: KubeObject): void;
  /** The list is complete: the store becomes exactly the batch. An abandoned list is never committed. */
  commit(): void;
}

/** client-go's reflector backoff: 800 ms doubling up to 30 s, each delay between half and all of that. */
export const defaultReflectorBackoff: BackoffPolicy = { initialDelayMs: 800, maxDelayMs: 30_000, multiplier: 2 };

/** What a reflector did, for logs, metrics and tests. */
export type ReflectorEvent =
  | { readonly type: 'listed'; readonly objects: number; readonly pages: number; readonly resourceVersion: string; readonly durationMs: number }
  | { readonly type: 'watch-ended'; readonly events: number; readonly resourceVersion: string }
  | { readonly type: 'relist'; readonly reason: string; readonly retryInMs: number }
  | { readonly type: 'silent-watch'; readonly silentMs: number; readonly resourceVersion: string; readonly retryInMs: number }
  | { readonly type: 'error'; readonly phase: 'list' | 'watch'; readonly error: unknown; readonly retryInMs: number };

export interface ReflectorOptions {
  readonly source: ResourceSource;
  readonly sink: ReflectorSink;
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Returns a number in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Objects per list page. Default 500 (client-go's). */
  readonly pageSize?: number;
  /**
   * The server-side timeout of each watch, in seconds. Default between 300 and 600, drawn per watch as
   * client-go does, so that the watches of many informers do not all end together.
   */
  readonly watchTimeoutSeconds?: (random: () => number) => number;
  /**
   * A watch without any event or bookmark for this long is abandoned and resumed: the connection may
   * be dead without the socket knowing. Default twice the watch's timeout: the server ends a healthy
   * watch at its timeout, and sends bookmarks (about every minute, and just before the timeout) when
   * it serves watches from its cache.
   */
  readonly silentWatchMs?: (timeoutSeconds: number) => number;
  /** Default `defaultReflectorBackoff`. */
  readonly backoff?: BackoffPolicy;
  readonly onEvent?: (event: ReflectorEvent) => void;
}

/** Outcome of one watch: why it ended and how many events it brought. */
type WatchEnd = { readonly kind: 'ended' | 'silent'; readonly events: number; readonly durationMs: number; readonly silentMs: number };

/** client-go: a watch that ends within a second without a single event is a failure, not a timeout. */
const shortWatchMs = 1000;

class ResourceVersionGoneError extends Error {}

/**
 * Keeps a sink in step with one resource: lists (paged), then watches from the list's resource version
 * with bookmarks and a server timeout, as client-go's reflector does.
 * - A watch the server ends normally is resumed from the last resource version seen (events and
 *   bookmarks advance it), without relisting.
 * - 410 Gone (HTTP or an ERROR event), or Expired, means that version left the server's history: relist.
 *   The relist replaces the sink's content, which reports objects that vanished meanwhile as deleted.
 * - A watch silent for longer than `silentWatchMs` is abandoned and resumed.
 * - Other failures back off exponentially with jitter, capped, and retry: a failed watch resumes from
 *   its last resource version (the server says 410 if that no longer works), a failed list relists.
 * The backoff restarts once a watch delivers an event or a bookmark. A relist or resume forced by 410 or silence
 * happens at once the first time, then backs off if it keeps happening without progress.
 */
export class Reflector {
  readonly #source: ResourceSource;
  readonly #sink: ReflectorSink;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #pageSize: number;
  readonly #watchTimeoutSeconds: (random: () => number) => number;
  readonly #silentWatchMs: (timeoutSeconds: number) => number;
  readonly #backoff: BackoffPolicy;
  readonly #onEvent: (event: ReflectorEvent) => void;
  /** The version to resume watching from; undefined when a (re)list is due. */
  #resourceVersion: string | undefined;
  #failures = 0;

  constructor(options: ReflectorOptions) {
    this.#source = options.source;
    this.#sink = options.sink;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#pageSize = options.pageSize ?? 500;
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds ?? ((random) => Math.floor(300 * (1 + random())));
    this.#silentWatchMs = options.silentWatchMs ?? ((timeoutSeconds) => 2 * timeoutSeconds * 1000);
    this.#backoff = options.backoff ?? defaultReflectorBackoff;
    this.#onEvent = options.onEvent ?? (() => {});
  }

  /** The resource version the reflector last saw (from a list, an event or a bookmark). */
  get lastSyncResourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** Lists and watches until `signal` is aborted; resolves then. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#list(signal);
        const end = await this.#watch(this.#resourceVersion ?? '', signal);
        if (end.kind === 'silent') {
          const retryInMs = this.#nextForcedDelay();
          this.#onEvent({ type: 'silent-watch', silentMs: end.silentMs, resourceVersion: this.#resourceVersion ?? '', retryInMs });
          if (retryInMs > 0) await waitToRetry(this.#clock, retryInMs, signal);
        } else if (end.events === 0 && end.durationMs < shortWatchMs) {
          throw new Error(`watch of ${this.#source.description} ended after ${end.durationMs} ms without an event`);
        } else {
          this.#onEvent({ type: 'watch-ended', events: end.events, resourceVersion: this.#resourceVersion ?? '' });
        }
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof ResourceVersionGoneError || isResourceVersionGone(error)) {
          this.#resourceVersion = undefined;
          const retryInMs = this.#nextForcedDelay();
          this.#onEvent({ type: 'relist', reason: error instanceof Error ? error.message : String(error), retryInMs });
          if (retryInMs > 0) await waitToRetry(this.#clock, retryInMs, signal);
          continue;
        }
        const phase = this.#resourceVersion === undefined ? 'list' : 'watch';
        const retryInMs = backoffDelayMs(this.#failures++, this.#backoff, this.#random);
        this.#onEvent({ type: 'error', phase, error, retryInMs });
        await waitToRetry(this.#clock, retryInMs, signal);
      }
    }
  }

  /** No wait the first time in a row, then the backoff. */
  #nextForcedDelay(): number {
    const failures = this.#failures++;
    return failures === 0 ? 0 : backoffDelayMs(failures - 1, this.#backoff, this.#random);
  }

  async #list(signal: AbortSignal): Promise<void> {
    const started = this.#clock.now();
    const batch = this.#sink.startReplace();
    let objects = 0;
    let pages = 0;
    let resourceVersion = '';
    let next: string | undefined;
    do {
      // A 410 here means the continue token expired (the snapshot left etcd's history): relist.
      const page = await this.#source.list({ limit: this.#pageSize, signal, ...(next === undefined ? {} : { continue: next }) });
      signal.throwIfAborted();
      if (pages === 0) resourceVersion = page.resourceVersion;
      pages++;
      for (const item of page.items) batch.add(item);
      objects += page.items.length;
      next = page.continue;
    } while (next !== undefined);
    batch.commit();
    this.#resourceVersion = resourceVersion;
    this.#onEvent({ type: 'listed', objects, pages, resourceVersion, durationMs: this.#clock.now() - started });
  }

  async #watch(resourceVersion: string, signal: AbortSignal): Promise<WatchEnd> {
    const timeoutSeconds = this.#watchTimeoutSeconds(this.#random);
    const silentMs = this.#silentWatchMs(timeoutSeconds);
    const abandon = new AbortController();
    const watchSignal = AbortSignal.any([signal, abandon.signal]);
    let silent = false;
    let cancelSilenceTimer = (): void => {};
    const armSilenceTimer = (): void => {
      cancelSilenceTimer();
      cancelSilenceTimer = this.#clock.setTimer(() => {
        silent = true;
        abandon.abort(new Error(`watch of ${this.#source.description} silent for ${silentMs} ms`));
      }, silentMs);
    };
    const started = this.#clock.now();
    let events = 0;
    armSilenceTimer();
    try {
      for await (const event of this.#source.watch({ resourceVersion, timeoutSeconds, signal: watchSignal })) {
        if (silent) break;
        armSilenceTimer();
        events++;
        // Progress (not an ERROR event) ends a run of failures.
        if (event.type !== 'ERROR') this.#failures = 0;
        switch (event.type) {
          case 'BOOKMARK':
            this.#resourceVersion = event.resourceVersion;
            break;
          case 'ERROR':
            if (event.status.code === 410 || event.status.reason === 'Expired' || event.status.reason === 'Gone') {
              throw new ResourceVersionGoneError(`watch of ${this.#source.description} from ${resourceVersion}: ${event.status.code} ${event.status.message}`);
            }
            throw new KubeApiError(`watch of ${this.#source.description}`, event.status);
          default:
            this.#sink.apply(event);
            this.#resourceVersion = event.object.meta.resourceVersion;
        }
      }
    } catch (error) {
      if (!silent || signal.aborted) throw error;
    } finally {
      cancelSilenceTimer();
      abandon.abort();
    }
    const durationMs = this.#clock.now() - started;
    return { kind: silent ? 'silent' : 'ended', events, durationMs, silentMs };
  }
}
