import type { ClusterConnection } from './cluster-connection.ts';
import { hasStatusCode } from './kube-api-error.ts';
import { isRecord } from './kube-object.ts';
import { parseLease, type Lease } from './lease-client.ts';

/** A Lease of a set, with its name. */
export interface NamedLease extends Lease {
  readonly name: string;
}

/** The Leases of one namespace that carry one label: the replicas' Leases when sharding. */
export interface LeaseSet {
  readonly description: string;
  list(signal: AbortSignal): Promise<NamedLease[]>;
  /** Deletes the Lease if it is still at `resourceVersion`; a Lease already gone or changed is left. */
  remove(name: string, resourceVersion: string, signal: AbortSignal): Promise<void>;
}

/** The Leases of `namespace` labelled `labelKey=labelValue`, over HTTP. */
export function httpLeaseSet(connection: ClusterConnection, namespace: string, labelKey: string, labelValue: string): LeaseSet {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const description = `Leases ${labelKey}=${labelValue} in ${namespace} on cluster ${connection.name}`;
  return {
    description,
    async list(signal) {
      const body = await connection.requestJson('GET', `${collection}?labelSelector=${encodeURIComponent(`${labelKey}=${labelValue}`)}`, { signal });
      if (!isRecord(body) || !Array.isArray(body.items)) throw new Error(`${description}: the answer is not a LeaseList`);
      return body.items.map((item: unknown) => {
        const name = isRecord(item) && isRecord(item.metadata) ? item.metadata.name : undefined;
        if (typeof name !== 'string') throw new Error(`${description}: a Lease without metadata.name`);
        return { name, ...parseLease(item, `${description}: Lease ${name}`) };
      });
    },
    async remove(name, resourceVersion, signal) {
      try {
        await connection.requestJson('DELETE', `${collection}/${encodeURIComponent(name)}`, {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion } },
          signal,
        });
      } catch (error) {
        if (hasStatusCode(error, 404) || hasStatusCode(error, 409)) return;
        throw error;
      }
    },
  };
}
