import type { Selector } from '../spire/entry.ts';
import { flatString } from './flat-string.ts';

/** A `type:value` selector (the value may hold further colons), or why the text is not one. */
export function parseWorkloadSelector(text: string): { readonly selector: Selector } | { readonly problem: string } {
  const colon = text.indexOf(':');
  if (colon === -1) return { problem: `selector ${JSON.stringify(text)} has no ":" between type and value` };
  // The usual type is one shared string, not a copy in each of the plan's selectors.
  const type = colon === 3 && text.startsWith('k8s') ? 'k8s' : text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (type === '') return { problem: `selector ${JSON.stringify(text)} has an empty type` };
  if (value === '') return { problem: `selector ${JSON.stringify(text)} has an empty value` };
  return { selector: { type, value } };
}

const podUidPrefix = 'pod-uid:';

/** The selector that ties an entry to one pod: `k8s:pod-uid:<uid>`. */
export function podUidSelector(uid: string): Selector {
  return { type: 'k8s', value: flatString(`${podUidPrefix}${uid}`) };
}

/** Whether `selector` ties its entry to one pod (`k8s:pod-uid:<uid>`). */
export function isPodUidSelector(selector: Selector): boolean {
  return selector.type === 'k8s' && selector.value.startsWith(podUidPrefix);
}

/** The UID of the pod that `selector` ties its entry to, or undefined when it is not a `k8s:pod-uid:` selector. */
export function selectedPodUid(selector: Selector): string | undefined {
  return isPodUidSelector(selector) ? selector.value.slice(podUidPrefix.length) : undefined;
}
