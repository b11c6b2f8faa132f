import { everything, type LabelSelector } from './label-selector.ts';
import { groupVersion } from './group-version.ts';
import { workloadIdentityKind, type WorkloadIdentitySpec } from './workload-identity.ts';

/** Whole seconds as Go's time.Duration prints them (`1h0m0s`, `5m0s`, `30s`), which the schema reads back. */
export function goDurationText(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}

function selectorManifest(selector: LabelSelector): Record<string, unknown> | undefined {
  if (selector === everything) return undefined;
  const manifest: Record<string, unknown> = {};
  if (Object.keys(selector.matchLabels).length > 0) manifest.matchLabels = { ...selector.matchLabels };
  if (selector.matchExpressions.length > 0) {
    manifest.matchExpressions = selector.matchExpressions.map(({ key, operator, values }) => (values.length > 0 ? { key, operator, values: [...values] } : { key, operator }));
  }
  return manifest;
}

/**
 * The spec of a WorkloadIdentity as a user writes it: the inverse of the schema's transform (parsing the
 * result gives `spec` back), with fields at their defaults left out.
 */
export function workloadIdentitySpecManifest(spec: WorkloadIdentitySpec): Record<string, unknown> {
  const manifest: Record<string, unknown> = {};
  const set = (key: string, value: unknown, isDefault: boolean): void => {
    if (!isDefault) manifest[key] = value;
  };
  set('applicationName', spec.applicationName, spec.applicationName === '');
  set('namespace', spec.namespace, spec.namespace === undefined);
  manifest.spiffeIDTemplate = spec.spiffeIDTemplate;
  set('parentIDTemplate', spec.parentIDTemplate, spec.parentIDTemplate === undefined);
  for (const [key, selector] of [
    ['namespaceSelector', spec.namespaceSelector],
    ['podSelector', spec.podSelector],
    ['clusterSelector', spec.clusterSelector],
  ] as const) {
    const written = selectorManifest(selector);
    set(key, written, written === undefined);
  }
  set('workloadSelectorTemplates', [...spec.workloadSelectorTemplates], spec.workloadSelectorTemplates.length === 0);
  set('dnsNameTemplates', [...spec.dnsNameTemplates], spec.dnsNameTemplates.length === 0);
  set('autoPopulateDNSNames', spec.autoPopulateDNSNames, !spec.autoPopulateDNSNames);
  set('federatesWith', [...spec.federatesWith], spec.federatesWith.length === 0);
  set('ttl', goDurationText(spec.ttlSeconds), spec.ttlSeconds === 0);
  set('jwtTtl', goDurationText(spec.jwtTtlSeconds), spec.jwtTtlSeconds === 0);
  set('admin', spec.admin, !spec.admin);
  set('downstream', spec.downstream, !spec.downstream);
  set('hint', spec.hint, spec.hint === '');
  set('className', spec.className, spec.className === '');
  set('fallback', spec.fallback, !spec.fallback);
  return manifest;
}

/** A WorkloadIdentity manifest, ready to apply: `metadata` as given, the spec as workloadIdentitySpecManifest writes it. */
export function workloadIdentityManifest(metadata: Record<string, unknown>, spec: WorkloadIdentitySpec): Record<string, unknown> {
  return { apiVersion: groupVersion, kind: workloadIdentityKind, metadata, spec: workloadIdentitySpecManifest(spec) };
}
