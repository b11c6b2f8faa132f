import { z } from 'zod';
import { parseWorkloadSelector } from '../../identity/workload-selector.ts';
import type { Selector } from '../../spire/entry.ts';
import { labelsSchema } from '../v1alpha1/label-selector.ts';
import { namespaceName } from '../v1alpha1/object-meta.ts';

/**
 * `spec.selector` of a ClusterSpiffeID or SpiffeID, mapped to the selectors of SPIRE's k8s workload
 * attestor, and the one field that is not a workload selector.
 */
export interface MappedSelector {
  /** In the order written; the entry sorts them. */
  readonly selectors: readonly Selector[];
  /**
   * `selector.cluster` (the retired k8s-workload-registrar's k8s_psat cluster name): only clusters whose
   * EKSClusterRegistry has this `spec.clusterName` are targeted. Undefined: no such restriction.
   */
  readonly clusterName: string | undefined;
  /** The namespaces the selectors name (`k8s:ns:`), each with the field that names it. */
  readonly namespaces: readonly { readonly field: string; readonly namespace: string }[];
}

/** The fields that map one to one to a `k8s:` selector, with the selector's name. */
const singleValued = [
  ['podName', 'pod-name'],
  ['podUid', 'pod-uid'],
  ['namespace', 'ns'],
  ['serviceAccount', 'sa'],
  ['containerName', 'container-name'],
  ['containerImage', 'container-image'],
  ['nodeName', 'node-name'],
] as const;

/**
 * The k8s workload attestor's selector names. The retired k8s-workload-registrar put `k8s:` before every
 * `arbitrary` item, so its manifests say `ns:shop` where this API says `k8s:ns:shop`; no SPIRE selector
 * type has one of these names, so an item that starts with one is read the retired way.
 */
const k8sSelectorNames = new Set([
  'ns',
  'sa',
  'pod-label',
  'pod-name',
  'pod-uid',
  'pod-image',
  'pod-image-count',
  'pod-init-image',
  'pod-init-image-count',
  'pod-owner',
  'pod-owner-uid',
  'container-name',
  'container-image',
  'node-name',
]);

// Go's omitempty wrote absent fields as empty strings: "" means not set, as it did there.
const optionalText = z.string().nullish();

export const spiffeIdSelectorSchema = z
  .strictObject({
    podLabel: labelsSchema.nullish(),
    podName: optionalText,
    podUid: optionalText,
    namespace: optionalText.refine((name) => name === undefined || name === null || name === '' || namespaceName.test(name), {
      error: (issue) => `invalid namespace name ${JSON.stringify(issue.input)}`,
    }),
    serviceAccount: optionalText,
    containerName: optionalText,
    containerImage: optionalText,
    nodeName: optionalText,
    arbitrary: z.array(z.string()).nullish(),
    cluster: optionalText,
    agent_node_uid: optionalText.refine((uid) => uid === undefined || uid === null || uid === '', {
      error:
        'not supported: it is a node attestation selector (k8s_psat:agent_node_uid), which matches one agent, never a workload; ' +
        'the registrar parents entries to each cluster\'s node alias instead (omit parentId), or name a parent agent in parentId',
    }),
  })
  .transform((selector, ctx): MappedSelector => {
    const selectors: Selector[] = [];
    const namespaces: { field: string; namespace: string }[] = [];
    for (const [key, value] of Object.entries(selector.podLabel ?? {})) selectors.push({ type: 'k8s', value: `pod-label:${key}:${value}` });
    for (const [field, name] of singleValued) {
      const value = selector[field];
      if (typeof value !== 'string' || value === '') continue;
      selectors.push({ type: 'k8s', value: `${name}:${value}` });
      if (name === 'ns') namespaces.push({ field, namespace: value });
    }
    for (const [index, text] of (selector.arbitrary ?? []).entries()) {
      const colon = text.indexOf(':');
      const parsed = parseWorkloadSelector(colon > 0 && k8sSelectorNames.has(text.slice(0, colon)) ? `k8s:${text}` : text);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: ['arbitrary', index], message: `${parsed.problem}: expected type:value, e.g. k8s:pod-label:app:web` });
      else {
        selectors.push(parsed.selector);
        const { type, value } = parsed.selector;
        if (type === 'k8s' && value.startsWith('ns:')) namespaces.push({ field: `arbitrary[${index}]`, namespace: value.slice('ns:'.length) });
      }
    }
    if (selectors.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'selects every workload: set at least one of podLabel, podName, podUid, namespace, serviceAccount, containerName, containerImage, nodeName, arbitrary' });
    }
    const cluster = selector.cluster ?? '';
    return { selectors, clusterName: cluster === '' ? undefined : cluster, namespaces };
  });
