import { KubeApiError } from '../kube/kube-api-error.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { actsOnClass } from '../reconcile/cluster-spiffeid-identity.ts';

/** The `reconcile` toggles of the kinds that make entries, with the resource each lists. */
const entryKinds = [
  { toggle: 'clusterSPIFFEIDs', kind: 'ClusterSPIFFEID', plural: 'clusterspiffeids' },
  { toggle: 'clusterStaticEntries', kind: 'ClusterStaticEntry', plural: 'clusterstaticentries' },
] as const;

/** Lists the objects of a spire.spiffe.io kind (its plural), narrowed by a label selector (`k=v,...`) unless it is empty. */
export type ListObjects = (plural: string, labelSelector: string) => Promise<readonly unknown[]>;

/** `k=v,...` of a label set, as the apiserver's labelSelector parameter takes it. */
export function labelSelectorText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function className(object: unknown): string {
  const spec = (object as { spec?: { className?: unknown } } | null)?.spec;
  return typeof spec?.className === 'string' ? spec.className : '';
}

/**
 * Why entries that no source wants must not be deleted now, or undefined: objects of this registrar's
 * class exist of a kind that `reconcile` turned off. Their entries cannot be told from stale ones (an
 * entry's ID comes from its key and cluster, not its source), so a toggle never deletes: the sweep waits
 * until those objects are gone or the kind is on. A kind whose CRD is not installed has no objects; a list
 * that fails holds too, since whether objects exist is then unknown.
 */
export async function sweepHold(config: Pick<ControllerManagerConfig, 'reconcile' | 'className' | 'watchClassless' | 'clusterSPIFFEIDCacheLabels'>, list: ListObjects): Promise<string | undefined> {
  const reasons: string[] = [];
  for (const { toggle, kind, plural } of entryKinds) {
    if (config.reconcile[toggle]) continue;
    let objects: readonly unknown[];
    try {
      objects = await list(plural, plural === 'clusterspiffeids' ? labelSelectorText(config.clusterSPIFFEIDCacheLabels) : '');
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) continue;
      reasons.push(`reconcile.${toggle} is false and the ${kind} objects cannot be listed (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const ours = objects.filter((object) => actsOnClass(className(object), config)).length;
    if (ours > 0) reasons.push(`reconcile.${toggle} is false and ${ours} ${kind} object(s) of this class exist: which entries they made is unknown`);
  }
  return reasons.length === 0 ? undefined : `${reasons.join('; ')} (delete them, or turn the kind on)`;
}
