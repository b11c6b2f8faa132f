import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEtcd } from '../../rig/etcd.ts';
import { startApiServer, type ApiRequestOptions, type ApiResponse, type ApiServer } from '../../rig/kube-apiserver.ts';
import { ProcessGroup } from '../../rig/processes.ts';
import type { ManifestObject } from './manifest-files.ts';

export type { ApiResponse };

/** A request's body and content types (see the rig's `ApiServer.request`); always as admin. */
export interface RequestOptions extends Omit<ApiRequestOptions, 'token'> {
  readonly body?: unknown;
}

/** Where the apiserver serves a kind: found by discovery, as kubectl finds it. */
export interface ResourceInfo {
  readonly namespaced: boolean;
  /** The collection's path, e.g. `/apis/apps/v1/namespaces/spire-system/deployments`. */
  collection(namespace: string | undefined): string;
}

/** A real etcd and kube-apiserver, and the requests the manifest tests make as admin. */
export interface ManifestsApi {
  readonly api: ApiServer;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  resource(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** The object's own path. */
  objectPath(object: ManifestObject): Promise<string>;
  /**
   * POSTs the object; `dryRun` asks for a server-side dry run, and unknown fields are errors
   * (`fieldValidation=Strict`, what `kubectl apply` asks for) unless `lenient`.
   */
  create(object: unknown, options?: { dryRun?: boolean; lenient?: boolean }): Promise<ApiResponse>;
  /** Creates CRDs and waits until they are Established and their resources are served. */
  installCrds(crds: readonly ManifestObject[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startManifestsApi(prefix: string): Promise<ManifestsApi> {
  const group = new ProcessGroup(prefix);
  try {
    const etcd = await startEtcd(group);
    const api = await startApiServer(group, { name: 'management', etcd });
    const send = (method: string, path: string, { body, ...types }: RequestOptions = {}): Promise<ApiResponse> => api.request(method, path, body, types);
    // Discovery is re-read on a miss: a CRD's kind appears once the CRD is established.
    const discovered = new Map<string, ResourceInfo>();
    const resource = async (apiVersion: string, kind: string): Promise<ResourceInfo> => {
      const key = `${apiVersion} ${kind}`;
      const known = discovered.get(key);
      if (known !== undefined) return known;
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const response = await send('GET', base);
      assert.equal(response.status, 200, `discovery of ${apiVersion}: ${JSON.stringify(response.body)}`);
      const list = (response.body as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources;
      const found = list.find((r) => r.kind === kind && !r.name.includes('/'));
      assert.ok(found !== undefined, `${apiVersion} serves no ${kind}`);
      const info: ResourceInfo = {
        namespaced: found.namespaced,
        collection: (namespace) => {
          if (!found.namespaced) return `${base}/${found.name}`;
          assert.ok(namespace !== undefined, `${kind} is namespaced: the object needs a namespace`);
          return `${base}/namespaces/${namespace}/${found.name}`;
        },
      };
      discovered.set(key, info);
      return info;
    };
    const objectPath = async (object: ManifestObject): Promise<string> =>
      `${(await resource(object.apiVersion, object.kind)).collection(object.metadata.namespace)}/${object.metadata.name}`;
    const create = async (object: unknown, options: { dryRun?: boolean; lenient?: boolean } = {}): Promise<ApiResponse> => {
      const manifest = object as ManifestObject;
      const info = await resource(manifest.apiVersion, manifest.kind);
      const query = new URLSearchParams();
      if (options.dryRun === true) query.set('dryRun', 'All');
      if (options.lenient !== true) query.set('fieldValidation', 'Strict');
      return send('POST', `${info.collection(manifest.metadata.namespace)}?${query}`, { body: object });
    };
    const installCrds = async (crds: readonly ManifestObject[]): Promise<void> => {
      for (const crd of crds) {
        const response = await create(crd);
        assert.equal(response.status, 201, `${crd.metadata.name}: ${JSON.stringify(response.body)}`);
      }
      for (const crd of crds) {
        const spec = crd.spec as { group: string; names: { plural: string }; versions: { name: string }[] };
        await eventually(`CRD ${crd.metadata.name} established`, async () => {
          const response = await send('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
          const conditions = (response.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
          return conditions.some((c) => c.type === 'Established' && c.status === 'True');
        });
        for (const version of spec.versions) {
          await eventually(`${spec.names.plural}.${spec.group}/${version.name} served`, async () => {
            return (await send('GET', `/apis/${spec.group}/${version.name}/${spec.names.plural}`)).status === 200;
          });
        }
      }
    };
    return { api, request: send, resource, objectPath, create, installCrds, stop: () => group.stopAll() };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}

/** Polls `check` every 50 ms until it resolves true; fails after `timeoutMs` naming `what`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The message of a Status error response. */
export function statusMessage(response: ApiResponse): string {
  const body = response.body as { message?: unknown };
  return typeof body.message === 'string' ? body.message : JSON.stringify(response.body);
}
