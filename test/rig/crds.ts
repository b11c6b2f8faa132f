import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import type { ApiServer } from './kube-apiserver.ts';

interface CrdShape {
  readonly spec: { readonly group: string; readonly names: { readonly plural: string }; readonly versions: readonly { readonly name: string; readonly served: boolean }[] };
}

/**
 * Creates the CustomResourceDefinition of each YAML file in `dir` (one per file) and waits until the
 * apiserver serves each kind, at its first served version: a create right after the CRD's would otherwise
 * meet a 404.
 */
export async function installCrdDirectory(api: ApiServer, dir: string, timeoutMs = 30_000): Promise<void> {
  const paths: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort()) {
    const crd = parseAllDocuments(readFileSync(join(dir, file), 'utf8'))[0]?.toJS() as CrdShape;
    const { status, body } = await api.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (status !== 201) throw new Error(`${api.name}: CRD ${file}: HTTP ${status}: ${JSON.stringify(body)}`);
    const version = crd.spec.versions.find((v) => v.served)?.name;
    paths.push(`/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (const path of paths) {
    while ((await api.request('GET', path)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`${api.name}: ${path} not served after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
