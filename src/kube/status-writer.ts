import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ClusterConnection } from './cluster-connection.ts';
import { KubeApiError } from './kube-api-error.ts';
import { isRecord, splitObjectKey } from './kube-object.ts';
import { ExponentialRateLimiter } from './rate-limiter.ts';

/** A status as JSON: what `update` takes after normalising (no undefined, no null-valued keys). */
export type JsonObject = Record<string, unknown>;

export interface StatusWriterOptions {
  /** The management cluster's apiserver, where the custom resources live. */
  readonly connection: Pick<ClusterConnection, 'name' | 'requestJson'>;
  /** The resource's API group, e.g. `eksclusterregistry.spire.spiffe.io`. */
  readonly group: string;
  /** e.g. `v1alpha1`. */
  readonly version: string;
  /** The resource's plural name, e.g. `eksclusterregistries`. */
  readonly plural: string;
  /** Whether the resource is namespaced: its objects are then named by `namespace/name` keys. Default false. */
  readonly namespaced?: boolean;
  /** Failures go here (the writer never throws into its caller); successful writes at debug. */
  readonly logger: Logger;
  /** At most one write per object per this many ms; the updates in between are coalesced, the latest winning. Default 1000. */
  readonly minIntervalMs?: number;
  /**
   * Top-level status fields holding "last done at" times: a status that differs from the last written one
   * only in these is not written, unless the update says `includeTimestamps`. Otherwise every
   * reconciliation would write its object even when nothing else changed. Default
   * `['lastSync', 'lastReconciliation']`.
   */
  readonly timestampFields?: readonly string[];
  /** First retry delay after a failed write, doubling per failure. Default 500 ms. */
  readonly retryBaseDelayMs?: number;
  /** Longest retry delay. Default 60 000 ms. */
  readonly retryMaxDelayMs?: number;
  /** Writes in flight at once, over all objects, so that a full reconciliation does not burst the apiserver. Default 4. */
  readonly maxConcurrentWrites?: number;
  /** Default the system clock. */
  readonly clock?: Clock;
}

export interface StatusUpdateOptions {
  /** Write even if only the timestamp fields changed (e.g. a periodic "still synced" heartbeat). Default false. */
  readonly includeTimestamps?: boolean;
}

interface Desired {
  readonly status: JsonObject;
  readonly includeTimestamps: boolean;
}

/** What the writer knows about one object. */
interface ObjectState {
  /** The newest status asked for and not yet written. */
  pending: Desired | undefined;
  /** The write in flight, if any. */
  writing: Promise<void> | undefined;
  /** The last status written successfully, as asked for (the server may have pruned fields). */
  written: JsonObject | undefined;
  /** The server's status as last seen: from a write's answer, or from `observe`. */
  known: JsonObject | undefined;
  /** When the last write started (ms), for the per-object interval. */
  lastWriteAt: number;
  /** No retry before this (ms). */
  retryAt: number;
  cancelTimer: (() => void) | undefined;
}

const mergePatchType = 'application/merge-patch+json';

/**
 * Writes the `status` of custom resources through their /status subresource with JSON
 * merge patches (RFC 7386; no resourceVersion, so a status write never conflicts with a spec edit).
 * Callers state the whole status they want, as often as they like; the writer sends a request only when
 * it differs from what the object has (what was last written or observed), at most once per object per
 * `minIntervalMs` with the latest status winning, and retries conflicts and transient failures with
 * backoff until they succeed or a newer status replaces them. It never throws: failures are logged.
 */
export class StatusWriter {
  readonly #connection: Pick<ClusterConnection, 'name' | 'requestJson'>;
  readonly #base: string;
  readonly #plural: string;
  readonly #namespaced: boolean;
  readonly #logger: Logger;
  readonly #minIntervalMs: number;
  readonly #timestampFields: readonly string[];
  readonly #backoff: ExponentialRateLimiter<string>;
  readonly #maxConcurrentWrites: number;
  readonly #clock: Clock;
  readonly #objects = new Map<string, ObjectState>();
  #activeWrites = 0;
  readonly #waitingForSlot: (() => void)[] = [];

  constructor(options: StatusWriterOptions) {
    this.#connection = options.connection;
    this.#base = `/apis/${options.group}/${options.version}`;
    this.#plural = options.plural;
    this.#namespaced = options.namespaced ?? false;
    this.#logger = options.logger.child({ resource: `${options.plural}.${options.group}` });
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    this.#timestampFields = options.timestampFields ?? ['lastSync', 'lastReconciliation'];
    this.#backoff = new ExponentialRateLimiter(options.retryBaseDelayMs ?? 500, options.retryMaxDelayMs ?? 60_000);
    this.#maxConcurrentWrites = options.maxConcurrentWrites ?? 4;
    this.#clock = options.clock ?? systemClock;
  }

  /** Asks for `status` to be the object's status: written soon, unless it is what the object has already. */
  update(name: string, status: Record<string, unknown>, options: StatusUpdateOptions = {}): void {
    let json: JsonObject;
    try {
      json = toJsonObject(status);
    } catch (error) {
      this.#logger.error({ name, err: error }, 'Status not written: it is not JSON');
      return;
    }
    const state = this.#state(name);
    const desired: Desired = { status: json, includeTimestamps: (options.includeTimestamps ?? false) || (state.pending?.includeTimestamps ?? false) };
    // While a write is in flight, what the object will hold is not known yet: decide when it ends.
    if (state.writing === undefined && !this.#differs(state, desired)) {
      state.pending = undefined;
      state.cancelTimer?.();
      state.cancelTimer = undefined;
      return;
    }
    state.pending = desired;
    if (state.writing === undefined && state.cancelTimer === undefined) this.#schedule(name, state);
  }

  /**
   * Tells the writer the status the object has on the server (from an informer), so that an update
   * asking for that status again sends nothing, after a restart too.
   */
  observe(name: string, status: Record<string, unknown> | undefined): void {
    const state = this.#state(name);
    const observed = status === undefined ? {} : toJsonObject(status);
    // Our own write coming back changes nothing; anything else (an older event, someone else's edit)
    // means what we wrote may not be there any more.
    if (state.known !== undefined && isDeepStrictEqual(observed, state.known)) return;
    state.known = observed;
    state.written = undefined;
  }

  /** Drops what the writer knows and plans for `name` (the object was deleted). */
  forget(name: string): void {
    const state = this.#objects.get(name);
    if (state === undefined) return;
    state.cancelTimer?.();
    this.#objects.delete(name);
    this.#backoff.forget(name);
  }

  /**
   * Writes every pending status now, ignoring the interval and retry delays, and resolves once each has
   * been tried (a failure stays scheduled for its retry). For a graceful shutdown, and for tests.
   */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.#objects].map(async ([name, state]) => {
        if (state.writing !== undefined) await state.writing;
        if (this.#objects.get(name) !== state || state.writing !== undefined || state.pending === undefined) return state.writing;
        state.cancelTimer?.();
        state.cancelTimer = undefined;
        await this.#attempt(name, state);
      }),
    );
  }

  #state(name: string): ObjectState {
    let state = this.#objects.get(name);
    if (state === undefined) {
      state = { pending: undefined, writing: undefined, written: undefined, known: undefined, lastWriteAt: -Infinity, retryAt: -Infinity, cancelTimer: undefined };
      this.#objects.set(name, state);
    }
    return state;
  }

  #differs(state: ObjectState, desired: Desired): boolean {
    const comparable = (status: JsonObject): JsonObject => (desired.includeTimestamps ? status : omit(status, this.#timestampFields));
    const wanted = comparable(desired.status);
    return [state.written, state.known].every((current) => current === undefined || !isDeepStrictEqual(comparable(current), wanted));
  }

  #schedule(name: string, state: ObjectState): void {
    const now = this.#clock.now();
    const at = Math.max(now, state.lastWriteAt + this.#minIntervalMs, state.retryAt);
    state.cancelTimer = this.#clock.setTimer(() => {
      state.cancelTimer = undefined;
      void this.#attempt(name, state);
    }, at - now);
  }

  async #attempt(name: string, state: ObjectState): Promise<void> {
    const desired = state.pending;
    if (this.#objects.get(name) !== state || desired === undefined || state.writing !== undefined) return;
    state.pending = undefined;
    if (!this.#differs(state, desired)) return;
    const writing = this.#write(name, state, desired);
    state.writing = writing;
    await writing;
    state.writing = undefined;
    if (this.#objects.get(name) === state && state.pending !== undefined && state.cancelTimer === undefined) this.#schedule(name, state);
  }

  async #write(name: string, state: ObjectState, desired: Desired): Promise<void> {
    await this.#acquireSlot();
    try {
      state.lastWriteAt = this.#clock.now();
      const patch = mergePatch(state.known, desired.status);
      if (Object.keys(patch).length > 0) {
        let server = await this.#patch(name, patch);
        // The object may hold fields we never knew of (first write, someone else's edit): remove them too.
        const removal = server === undefined ? {} : removalPatch(server, desired.status);
        if (Object.keys(removal).length > 0) server = await this.#patch(name, removal);
        state.known = server;
        this.#logger.debug({ name }, 'Wrote status');
      }
      state.written = desired.status;
      state.retryAt = -Infinity;
      this.#backoff.forget(name);
    } catch (error) {
      if (isPermanent(error)) {
        this.#backoff.forget(name);
        if (error instanceof KubeApiError && error.code === 404) {
          // Deleted meanwhile: if it comes back under the same name, its status starts empty.
          state.known = undefined;
          state.written = undefined;
          this.#logger.debug({ name }, 'Status not written: the object no longer exists');
        } else {
          this.#logger.error({ name, err: error }, 'Status not written: the apiserver refused it');
        }
        return;
      }
      const delayMs = this.#backoff.when(name);
      state.retryAt = this.#clock.now() + delayMs;
      state.pending ??= desired;
      this.#logger.warn({ name, err: error, retryInMs: delayMs }, 'Writing status failed; will retry');
    } finally {
      this.#releaseSlot();
    }
  }

  #objectPath(name: string): string {
    if (!this.#namespaced) return `${this.#plural}/${encodeURIComponent(name)}`;
    const { namespace, name: objectName } = splitObjectKey(name);
    return `namespaces/${encodeURIComponent(namespace)}/${this.#plural}/${encodeURIComponent(objectName)}`;
  }

  async #patch(name: string, patch: JsonObject): Promise<JsonObject | undefined> {
    const path = `${this.#base}/${this.#objectPath(name)}/status`;
    const answer = await this.#connection.requestJson('PATCH', path, { body: { status: patch }, contentType: mergePatchType });
    return isRecord(answer) && isRecord(answer.status) ? toJsonObject(answer.status) : isRecord(answer) ? {} : undefined;
  }

  async #acquireSlot(): Promise<void> {
    if (this.#activeWrites < this.#maxConcurrentWrites) {
      this.#activeWrites++;
      return;
    }
    // The slot is handed over by the releasing write, so the count does not change in between.
    await new Promise<void>((resolve) => this.#waitingForSlot.push(resolve));
  }

  #releaseSlot(): void {
    const next = this.#waitingForSlot.shift();
    if (next !== undefined) next();
    else this.#activeWrites--;
  }
}

/** A failure that retrying the same request cannot cure: a bad request, a refused value, a missing object. */
function isPermanent(error: unknown): boolean {
  return error instanceof KubeApiError && [400, 404, 405, 406, 413, 415, 422].includes(error.code);
}

/**
 * The value as JSON would carry it, with null-valued keys dropped: in a merge patch null means "remove",
 * so a status compares and patches the same whether a field is null or absent. Throws if not JSON.
 */
function toJsonObject(value: Record<string, unknown>): JsonObject {
  return withoutNulls(JSON.parse(JSON.stringify(value)) as unknown) as JsonObject;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (!isRecord(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) result[key] = withoutNulls(item);
  return result;
}

function omit(status: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(status).filter(([key]) => !keys.includes(key)));
}

/**
 * The JSON merge patch that turns `from` into `to`: changed and new fields, nested objects patched
 * field by field, arrays replaced whole, and null for fields `to` lacks. Without `from`, all of `to`.
 */
export function mergePatch(from: JsonObject | undefined, to: JsonObject): JsonObject {
  if (from === undefined) return to;
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(to)) {
    const old = from[key];
    if (isDeepStrictEqual(old, value)) continue;
    patch[key] = isRecord(value) && isRecord(old) ? mergePatch(old, value) : value;
  }
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  return patch;
}

/** The merge patch that removes from `server` the fields `wanted` lacks, at any depth of nested objects. */
export function removalPatch(server: JsonObject, wanted: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(server)) {
    if (!(key in wanted)) patch[key] = null;
    else {
      const inner = wanted[key];
      if (isRecord(value) && isRecord(inner)) {
        const nested = removalPatch(value, inner);
        if (Object.keys(nested).length > 0) patch[key] = nested;
      }
    }
  }
  return patch;
}
