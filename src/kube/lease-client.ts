import type { ClusterConnection } from './cluster-connection.ts';
import { hasStatusCode } from './kube-api-error.ts';
import { isRecord } from './kube-object.ts';

/** The leader election record a Lease holds (client-go's LeaderElectionRecord). */
export interface LeaseRecord {
  /** Empty when nobody holds the lease (released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC 3339 with microseconds, as metav1.MicroTime; empty when unset. */
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** A Lease as read: its record and the version an update must name (optimistic concurrency). */
export interface Lease {
  readonly resourceVersion: string;
  readonly record: LeaseRecord;
  /** The whole object, so that an update keeps what it does not know (labels, newer fields). */
  readonly json: Readonly<Record<string, unknown>>;
}

/** The edge the leader elector needs: one named Lease. */
export interface LeaseClient {
  readonly description: string;
  /** The lease, or undefined if it does not exist. */
  get(signal: AbortSignal): Promise<Lease | undefined>;
  /** Creates it; throws KubeApiError 409 if someone else just did. */
  create(record: LeaseRecord, signal: AbortSignal): Promise<Lease>;
  /** Replaces the record of `lease`; throws KubeApiError 409 if the lease changed since it was read. */
  update(lease: Lease, record: LeaseRecord, signal: AbortSignal): Promise<Lease>;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, which the apiserver requires. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The coordination.k8s.io/v1 Lease `namespace/name` over HTTP; `labels` are set when it is created. */
export function httpLeaseClient(connection: ClusterConnection, namespace: string, name: string, labels: Readonly<Record<string, string>> = {}): LeaseClient {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  const description = `Lease ${namespace}/${name} on cluster ${connection.name}`;
  const spec = (record: LeaseRecord): Record<string, unknown> => ({
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
    ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
    ...(record.renewTime ? { renewTime: record.renewTime } : {}),
  });
  return {
    description,
    async get(signal) {
      try {
        return parseLease(await connection.requestJson('GET', path, { signal }), description);
      } catch (error) {
        if (hasStatusCode(error, 404)) return undefined;
        throw error;
      }
    },
    async create(record, signal) {
      const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) }, spec: spec(record) };
      return parseLease(await connection.requestJson('POST', collection, { body, signal }), description);
    },
    async update(lease, record, signal) {
      const metadata = isRecord(lease.json.metadata) ? lease.json.metadata : {};
      const oldSpec = isRecord(lease.json.spec) ? lease.json.spec : {};
      const { acquireTime: _a, renewTime: _r, ...keptSpec } = oldSpec;
      const body = { ...lease.json, metadata: { ...metadata, resourceVersion: lease.resourceVersion }, spec: { ...keptSpec, ...spec(record) } };
      return parseLease(await connection.requestJson('PUT', path, { body, signal }), description);
    },
  };
}

export function parseLease(body: unknown, where: string): Lease {
  if (!isRecord(body) || !isRecord(body.metadata)) throw new Error(`${where}: the answer is not a Lease`);
  const resourceVersion = body.metadata.resourceVersion;
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw new Error(`${where}: no metadata.resourceVersion`);
  const spec = isRecord(body.spec) ? body.spec : {};
  const text = (field: string): string => {
    const value = spec[field];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw new Error(`${where}: spec.${field} is not a string`);
    return value;
  };
  const integer = (field: string): number => {
    const value = spec[field];
    if (value === undefined || value === null) return 0;
    if (!Number.isInteger(value)) throw new Error(`${where}: spec.${field} is not an integer`);
    return value as number;
  };
  return {
    resourceVersion,
    record: {
      holderIdentity: text('holderIdentity'),
      leaseDurationSeconds: integer('leaseDurationSeconds'),
      acquireTime: text('acquireTime'),
      renewTime: text('renewTime'),
      leaseTransitions: integer('leaseTransitions'),
    },
    json: body,
  };
}
