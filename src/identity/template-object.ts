// The JSON an informer keeps of a pod or node for templates (ClusterPod.templateObject): nothing when the
// templates reach only the fields the engine's view already holds (the default), else the object pruned
// to what they reach. A template that reaches further needs the objects again: the cluster's informers
// re-list (docs/templates.md, "Fields the informers keep").
import { emptyReach, mergeReach, pruneObject, type Reach, reachWithin } from './template-reach.ts';

function keys(fields: Record<string, readonly string[]>): Reach {
  const r = emptyReach();
  for (const [parent, names] of Object.entries(fields)) {
    const p = emptyReach();
    for (const n of names) p.keys.set(n, { all: true, keys: new Map(), elements: undefined });
    r.keys.set(parent, p);
  }
  return r;
}

/** What ClusterPod holds anyway (cluster-objects.ts), and template-data.ts gives templates without a templateObject. */
export const podViewReach: Reach = keys({
  metadata: ['name', 'generateName', 'namespace', 'uid', 'labels', 'annotations'],
  spec: ['serviceAccountName', 'nodeName', 'hostname', 'subdomain'],
});

export const nodeViewReach: Reach = keys({ metadata: ['name', 'uid', 'labels', 'annotations'], spec: ['providerID'] });

/** The object pruned to `reach` and the engine's view, or undefined where the view alone serves the templates. */
export function templateObject(object: unknown, reach: Reach, view: Reach): Readonly<Record<string, unknown>> | undefined {
  if (reachWithin(reach, view)) return undefined;
  const keep = emptyReach();
  mergeReach(keep, view);
  mergeReach(keep, reach);
  return pruneObject(object, keep) as Readonly<Record<string, unknown>>;
}
