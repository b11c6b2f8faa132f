import { hostname } from 'node:os';
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ClusterConnection } from './cluster-connection.ts';
import { conditionTime } from './conditions.ts';
import { hasStatusCode } from './kube-api-error.ts';

/** The object an event is about: one of the registrar's cluster-scoped custom resources. */
export interface InvolvedObject {
  /** e.g. `eksclusterregistry.spire.spiffe.io/v1alpha1`. */
  readonly apiVersion: string;
  /** e.g. `EKSClusterRegistry`. */
  readonly kind: string;
  readonly name: string;
  /** A namespaced object's namespace, where its events must be (the apiserver refuses them elsewhere); undefined for a cluster-scoped one. */
  readonly namespace?: string;
  /** Ties the event to this incarnation of the object: one recreated under the same name gets its own. */
  readonly uid: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** The management cluster's apiserver. */
  readonly connection: Pick<ClusterConnection, 'name' | 'requestJson'>;
  /** Events that could not be written go here, at warn; events dropped by the rate bound at debug. */
  readonly logger: Logger;
  /**
   * Where the Events are created. Default `default`: the apiserver accepts events about cluster-scoped
   * objects only in `default` (or `kube-system`), refusing the controller's own namespace, and
   * `kubectl describe` finds them there (test/integration/kube/status-and-events.test.ts shows both).
   */
  readonly namespace?: string;
  /** `reportingComponent` and `source.component`. Default `spire-eks-workload-registrar`. */
  readonly component?: string;
  /** `reportingInstance` and `source.host`: which replica reported. Default the host name (the pod's name). */
  readonly instance?: string;
  /** A repeat within this long of the previous occurrence raises the count of the same Event. Default 600 000 ms (10 minutes). */
  readonly aggregationWindowMs?: number;
  /** Events about one object allowed at once before the rate bound applies. Default 25 (client-go's). */
  readonly burst?: number;
  /** After the burst, one more event per object per this long. Default 300 000 ms (client-go's: one per 5 minutes). */
  readonly refillIntervalMs?: number;
  /** Events waiting to be written; beyond this, new ones are dropped. Default 1000. */
  readonly maxQueued?: number;
  /** Default the system clock. */
  readonly clock?: Clock;
}

/** One Event as the recorder tracks it: the occurrences seen, and how many the apiserver has. */
interface EventRecord {
  readonly object: InvolvedObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly eventName: string;
  readonly firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  /** The count the apiserver holds; 0 until the Event is created. */
  sentCount: number;
  lastSeenMs: number;
  queued: boolean;
}

interface TokenBucket {
  tokens: number;
  updatedMs: number;
}

const reasonPattern = /^[A-Z][A-Za-z0-9]*$/;
const maxMessageLength = 1024;
const sweepIntervalMs = 60_000;

/**
 * Records core/v1 Events about the registrar's custom resources, as client-go's EventRecorder and
 * EventCorrelator do: an identical event (same object, type, reason and message) repeated within the
 * aggregation window raises the `count` and `lastTimestamp` of one Event (a merge patch) instead of
 * creating another, and a token bucket per object bounds the rate, so a flapping cluster cannot flood the
 * apiserver. Writes go one at a time, in the background; `event` never throws and never waits.
 */
export class EventRecorder {
  readonly #connection: Pick<ClusterConnection, 'name' | 'requestJson'>;
  readonly #logger: Logger;
  readonly #namespace: string;
  readonly #component: string;
  readonly #instance: string;
  readonly #windowMs: number;
  readonly #burst: number;
  readonly #refillIntervalMs: number;
  readonly #maxQueued: number;
  readonly #clock: Clock;
  readonly #records = new Map<string, EventRecord>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #queue: EventRecord[] = [];
  #draining: Promise<void> | undefined;
  #lastSweepMs = -Infinity;
  #sequence = 0;

  constructor(options: EventRecorderOptions) {
    this.#connection = options.connection;
    this.#logger = options.logger;
    this.#namespace = options.namespace ?? 'default';
    this.#component = options.component ?? 'spire-eks-workload-registrar';
    this.#instance = options.instance ?? hostname();
    this.#windowMs = options.aggregationWindowMs ?? 600_000;
    this.#burst = options.burst ?? 25;
    this.#refillIntervalMs = options.refillIntervalMs ?? 300_000;
    this.#maxQueued = options.maxQueued ?? 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Records that `reason` happened to `object`. `reason` is CamelCase (e.g. `ClusterUnreachable`); the
   * message is for people and is cut to 1024 characters.
   */
  event(object: InvolvedObject, type: EventType, reason: string, message: string): void {
    const fields = { kind: object.kind, name: object.name, reason };
    if (!reasonPattern.test(reason) || (type !== 'Normal' && type !== 'Warning')) {
      this.#logger.error({ ...fields, type }, 'Event not recorded: its type must be Normal or Warning and its reason CamelCase');
      return;
    }
    const now = this.#clock.now();
    this.#sweep(now);
    if (!this.#takeToken(object.uid, now)) {
      this.#logger.debug(fields, 'Event not recorded: too many about this object lately');
      return;
    }
    const text = message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 3)}...` : message;
    const key = JSON.stringify([object.uid, type, reason, text]);
    let record = this.#records.get(key);
    if (record !== undefined && now - record.lastSeenMs <= this.#windowMs) {
      record.count++;
      record.lastTimestamp = conditionTime(new Date(now));
      record.lastSeenMs = now;
    } else {
      const time = conditionTime(new Date(now));
      record = { object, type, reason, message: text, eventName: this.#eventName(object.name, now), firstTimestamp: time, lastTimestamp: time, count: 1, sentCount: 0, lastSeenMs: now, queued: false };
      this.#records.set(key, record);
    }
    if (record.queued) return;
    if (this.#queue.length >= this.#maxQueued) {
      this.#logger.warn(fields, 'Event not recorded: too many waiting to be written');
      return;
    }
    record.queued = true;
    this.#queue.push(record);
    this.#draining ??= this.#drain();
  }

  /** How many distinct events are remembered for aggregation: those seen within the window, give or take a minute. */
  get trackedEvents(): number {
    return this.#records.size;
  }

  /** Resolves once every event recorded so far has been written (or failed and been logged). */
  async flush(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Let the caller's synchronous burst of events coalesce before the first write.
    await Promise.resolve();
    try {
      for (let record = this.#queue.shift(); record !== undefined; record = this.#queue.shift()) {
        record.queued = false;
        if (record.sentCount !== record.count) await this.#write(record);
      }
    } finally {
      // In the same turn as the empty queue was seen, so an event recorded next starts a new drain.
      this.#draining = undefined;
    }
  }

  async #write(record: EventRecord): Promise<void> {
    const { count, lastTimestamp } = record;
    const collection = `/api/v1/namespaces/${encodeURIComponent(this.#namespaceOf(record.object))}/events`;
    const path = `${collection}/${encodeURIComponent(record.eventName)}`;
    try {
      if (record.sentCount > 0) {
        try {
          await this.#connection.requestJson('PATCH', path, { body: { count, lastTimestamp }, contentType: 'application/merge-patch+json' });
          record.sentCount = count;
          return;
        } catch (error) {
          // Events live an hour (the apiserver's --event-ttl): a repeat after that creates it again.
          if (!hasStatusCode(error, 404)) throw error;
        }
      }
      await this.#connection.requestJson('POST', collection, { body: this.#eventObject(record, count, lastTimestamp) });
      record.sentCount = count;
    } catch (error) {
      this.#logger.warn({ kind: record.object.kind, name: record.object.name, reason: record.reason, err: error }, 'Event not recorded');
    }
  }

  #eventObject(record: EventRecord, count: number, lastTimestamp: string): Record<string, unknown> {
    const { apiVersion, kind, name, namespace, uid } = record.object;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: record.eventName, namespace: this.#namespaceOf(record.object) },
      involvedObject: { apiVersion, kind, name, uid, ...(namespace === undefined ? {} : { namespace }) },
      type: record.type,
      reason: record.reason,
      message: record.message,
      count,
      firstTimestamp: record.firstTimestamp,
      lastTimestamp,
      source: { component: this.#component, host: this.#instance },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
    };
  }

  #namespaceOf(object: InvolvedObject): string {
    return object.namespace ?? this.#namespace;
  }

  /** `<object name>.<time in hex>`, as client-go names events: unique, and sorted by time per object. */
  #eventName(objectName: string, nowMs: number): string {
    // Nanoseconds as client-go uses, made unique within a millisecond by a sequence number.
    const suffix = (BigInt(nowMs) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(16);
    return `${objectName.slice(0, 253 - suffix.length - 1)}.${suffix}`;
  }

  #takeToken(uid: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(uid) ?? { tokens: this.#burst, updatedMs: nowMs };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (nowMs - bucket.updatedMs) / this.#refillIntervalMs);
    bucket.updatedMs = nowMs;
    this.#buckets.set(uid, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets events past their window and buckets that are full again, so memory follows recent activity. */
  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < sweepIntervalMs) return;
    this.#lastSweepMs = nowMs;
    for (const [key, record] of this.#records) {
      if (!record.queued && nowMs - record.lastSeenMs > this.#windowMs) this.#records.delete(key);
    }
    for (const [uid, bucket] of this.#buckets) {
      if (bucket.tokens + (nowMs - bucket.updatedMs) / this.#refillIntervalMs >= this.#burst) this.#buckets.delete(uid);
    }
  }
}
