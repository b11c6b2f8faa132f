import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterConnection } from '../../../src/kube/cluster-connection.ts';
import type { ClusterCredentials } from '../../../src/kube/cluster-credentials.ts';
import { startEtcd, type Etcd } from '../../rig/etcd.ts';
import { startApiServer, type ApiServer } from '../../rig/kube-apiserver.ts';
import { ProcessGroup } from '../../rig/processes.ts';

/** A real etcd and kube-apiserver of the rig, and a connection to the apiserver, for one test file. */
export interface KubeFixture {
  readonly group: ProcessGroup;
  readonly etcd: Etcd;
  readonly api: ApiServer;
  readonly connection: ClusterConnection;
  /** How many times the connection asked for credentials. */
  credentialRequests(): number;
  /** Creates a pod (no kubelet runs: it is only an object) and returns its resourceVersion. */
  createPod(namespace: string, name: string, spec?: { nodeName?: string; labels?: Record<string, string> }): Promise<string>;
  deletePod(namespace: string, name: string): Promise<void>;
  /** Compacts etcd's history up to its current revision: older resource versions become 410 Gone. */
  compactEtcd(): Promise<void>;
  /** Pauses (SIGSTOP) or resumes (SIGCONT) the apiserver: its connections stay open and go silent. */
  freezeApiServer(frozen: boolean): void;
  stop(): Promise<void>;
}

/**
 * Pods bypass the apiserver's watch cache (`--watch-cache-sizes=pods#0`), so that a pod watch from a
 * compacted resource version reaches etcd and gets a real 410 Gone.
 */
export async function startKubeFixture(prefix: string): Promise<KubeFixture> {
  const group = new ProcessGroup(prefix);
  try {
    const etcd = await startEtcd(group);
    const api = await startApiServer(group, { name: 'kube', etcd, extraArgs: ['--watch-cache-sizes=pods#0'] });
    let credentialRequests = 0;
    const connection = new ClusterConnection({
      name: 'kube',
      credentials: async (): Promise<ClusterCredentials> => {
        credentialRequests++;
        return { server: api.url, caPem: api.caPem, token: api.adminToken };
      },
      requestTimeoutMs: 10_000,
    });
    const ok = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const response = await api.request(method, path, body);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as Record<string, unknown>;
    };
    return {
      group,
      etcd,
      api,
      connection,
      credentialRequests: () => credentialRequests,
      createPod: async (namespace, name, spec = {}) => {
        const pod = await ok('POST', `/api/v1/namespaces/${namespace}/pods`, {
          metadata: { name, labels: spec.labels ?? {} },
          spec: { nodeName: spec.nodeName ?? 'node-1', containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        });
        return (pod.metadata as { resourceVersion: string }).resourceVersion;
      },
      deletePod: async (namespace, name) => {
        // Grace period 0: no kubelet runs to finish a graceful deletion.
        await ok('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}?gracePeriodSeconds=0`);
      },
      compactEtcd: async () => {
        const post = async (path: string, body: unknown): Promise<{ header: { revision: string } }> =>
          (await (await fetch(`${etcd.endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) })).json()) as { header: { revision: string } };
        const { header } = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
        await post('/v3/kv/compaction', { revision: header.revision, physical: true });
      },
      freezeApiServer: (frozen) => {
        process.kill(api.process().pid, frozen ? 'SIGSTOP' : 'SIGCONT');
      },
      stop: async () => {
        connection.close();
        await group.stopAll();
      },
    };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** What the tests keep of a pod: the engine-like view, without depending on the engine's types. */
export interface TestPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function toTestPod(raw: unknown): TestPod {
  const pod = raw as { metadata: { namespace: string; name: string; uid: string; labels?: Record<string, string> }; spec?: { nodeName?: string } };
  return { namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, nodeName: pod.spec?.nodeName ?? '', labels: pod.metadata.labels ?? {} };
}
