/**
 * spire-controller-manager's ControllerManagerConfig keys (v0.7.0) that the registrar does not take, each
 * with why and what to do instead, so that a config brought from SCM is refused with an answer rather
 * than an "unknown field". Paths are dotted. The keys it does take are in controllerManagerConfigSchema.
 */
export const scmOnlyKeys: Readonly<Record<string, string>> = {
  validatingWebhookConfigurationName:
    'not supported: the registrar does not patch a ValidatingWebhookConfiguration; its chart (webhook.enabled) installs one with its certificate (docs/adr/0019)',
  logLevel: 'not supported: set the log level with run -v (0-1 info, 2 and above debug)',
  logEncoding: 'not supported: the registrar logs JSON lines',
  grpc: "not supported: the registrar's SPIRE client sets its own message sizes and pages listings (docs/adr/0004)",
  cacheNamespace: 'not supported: every namespace of a workload cluster is watched; ignoreNamespaces, a namespace or a namespaceSelector narrow what is selected',
  cacheNamespaces: 'not supported: every namespace of a workload cluster is watched; ignoreNamespaces, a namespace or a namespaceSelector narrow what is selected',
  gracefulShutDown: 'not supported: on SIGTERM the registrar stops its work and exits once in-flight writes end',
  controller: 'not supported (groupKindConcurrency, cacheSyncTimeout, recoverPanic): the registrar has one worker loop for SPIRE writes and waits at most 60 s for clusters to sync',
  staticManifestPath: 'not supported: the registrar reads its objects from the management cluster; plan, diff and apply read manifest files',
  expandEnvStaticManifests: 'not supported: there are no static manifests (staticManifestPath) to expand',
  enableEntryRenderCache: "not supported: the registrar renders a pod again only when it, its node, its namespace's labels or a template changes; there is no render cache to size",
  entryRenderCacheSize: "not supported: the registrar renders a pod again only when it, its node, its namespace's labels or a template changes; there is no render cache to size",
  'leaderElection.resourceLock': 'not supported: the registrar always locks with a Lease (resourceLock: leases); remove the key',
  'webhook.host': 'not supported: the webhook listens on every address of the pod; remove the key',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits a config document into its SCM-only keys, as errors naming each key (`logLevel: not supported: ...`),
 * and the document without them, for the schema to check the rest.
 */
export function withoutScmOnlyKeys(document: unknown): { readonly document: unknown; readonly errors: readonly string[] } {
  const errors: string[] = [];
  const strip = (value: unknown, prefix: string): unknown => {
    if (!isRecord(value)) return value;
    const kept: [string, unknown][] = [];
    for (const [key, child] of Object.entries(value)) {
      const path = `${prefix}${key}`;
      const reason = Object.hasOwn(scmOnlyKeys, path) ? scmOnlyKeys[path] : undefined;
      if (reason !== undefined) errors.push(`${path}: ${reason}`);
      else kept.push([key, prefix === '' ? strip(child, `${key}.`) : child]);
    }
    return Object.fromEntries(kept);
  };
  const stripped = strip(document, '');
  return { document: stripped, errors };
}
