import type { ClusterConnection } from '../kube/cluster-connection.ts';
import { NotShardHolderError } from './shard-membership.ts';

type StatusConnection = Pick<ClusterConnection, 'name' | 'requestJson'>;

/**
 * The management connection of a sharded replica's status writer: a status is written only while
 * `mayWrite(objectName)` holds when the request is sent (a write planned a second earlier, or by a replica
 * just thawed, may no longer be this replica's: ADR 24), so that a status has one writer. A refusal
 * throws, and the writer retries until the controller forgets the object.
 */
export function fencedStatusConnection(connection: StatusConnection, mayWrite: (objectName: string) => boolean): StatusConnection {
  return {
    name: connection.name,
    requestJson: async (method, path, options) => {
      const name = decodeURIComponent(/\/([^/]+)\/status$/.exec(path)?.[1] ?? '');
      if (!mayWrite(name)) throw new NotShardHolderError(`the status of ${name} is another replica's to write now`);
      return connection.requestJson(method, path, options);
    },
  };
}
