import { entrySpiffeIdProblem } from '../../identity/entry-spiffe-id.ts';
import { flatString } from '../../identity/flat-string.ts';
import { compileTemplate, GoStructType, TemplateError, type CompiledTemplate } from '../../template/index.ts';
import type { SpiffeIdSpec } from './spiffe-id-spec.ts';

/** The default of `spiffeIDPolicy.namespacedIDPrefixTemplate`: Istio's and SPIRE's `/ns/<namespace>/` convention. */
export const defaultNamespacedIDPrefixTemplate = 'spiffe://{{ .TrustDomain }}/ns/{{ .Namespace }}/';

/** The config key of the template: Go's messages and the refusals name it. */
export const namespacedIDPrefixField = 'config spiffeIDPolicy.namespacedIDPrefixTemplate';

/** What a SpiffeID (the tenants' kind) may name, as the config says it. */
export interface SpiffeIdPolicyConfig {
  readonly trustDomain: string;
  /** The workload clusters' DNS domain. */
  readonly clusterDomain: string;
  readonly spiffeIDPolicy: {
    /** Empty: no rule on `spec.spiffeId`. */
    readonly namespacedIDPrefixTemplate: string;
    readonly clusterDNSNamesInOwnNamespace: boolean;
  };
}

/** The config's policy, compiled once: `spiffeIdPolicy(config)`. */
export interface SpiffeIdPolicy {
  readonly trustDomain: string;
  readonly idPrefix: CompiledTemplate | undefined;
  /** The cluster DNS domain when the DNS name rule is on. */
  readonly clusterDomain: string | undefined;
}

const policyData = new GoStructType('registrar.SpiffeIDPolicyData', ['TrustDomain', 'Namespace']);

/** Compiles the config's policy (validation at the edge already parsed the template). */
export function spiffeIdPolicy(config: SpiffeIdPolicyConfig): SpiffeIdPolicy {
  const text = config.spiffeIDPolicy.namespacedIDPrefixTemplate;
  return {
    trustDomain: config.trustDomain,
    idPrefix: text === '' ? undefined : compileTemplate(namespacedIDPrefixField, text),
    clusterDomain: config.spiffeIDPolicy.clusterDNSNamesInOwnNamespace ? config.clusterDomain : undefined,
  };
}

/**
 * The ID under which the SpiffeIDs of `namespace` must name theirs (without a trailing "/"), or the
 * problem: the template failed, or its output is no SPIFFE ID of the trust domain with a path.
 */
export function namespacedIdPrefix(template: CompiledTemplate, trustDomain: string, namespace: string): { readonly prefix: string } | { readonly problem: string } {
  let rendered: string;
  try {
    rendered = flatString(template.execute(policyData.struct([trustDomain, namespace])));
  } catch (error) {
    return { problem: `${namespacedIDPrefixField}: ${error instanceof TemplateError || error instanceof Error ? error.message : String(error)}` };
  }
  const prefix = rendered.endsWith('/') ? rendered.slice(0, -1) : rendered;
  const problem = entrySpiffeIdProblem(prefix, trustDomain);
  if (problem !== undefined) return { problem: `${namespacedIDPrefixField}: rendered ${JSON.stringify(rendered)} for namespace ${JSON.stringify(namespace)}: ${problem}` };
  return { prefix };
}

/**
 * Why the config's template cannot serve as the policy, or undefined: it must render a SPIFFE ID of the
 * trust domain, and a different one for each namespace (a template without `.Namespace` would let every
 * tenant name the same IDs).
 */
export function namespacedIdPrefixTemplateProblem(text: string, trustDomain: string): string | undefined {
  const template = compileTemplate(namespacedIDPrefixField, text);
  const rendered = ['tenant-a', 'tenant-b'].map((namespace) => namespacedIdPrefix(template, trustDomain, namespace));
  for (const outcome of rendered) if ('problem' in outcome) return outcome.problem;
  const [a, b] = rendered.map((outcome) => ('prefix' in outcome ? outcome.prefix : ''));
  if (a === b) return `renders ${JSON.stringify(a)} for every namespace: it must use {{ .Namespace }}, so that each namespace has IDs of its own (or "" to turn the rule off)`;
  return undefined;
}

/** Whether `id` is `prefix` or below it, path segment by segment (`/ns/shop` is not under `/ns/sho`). */
function isUnder(id: string, prefix: string): boolean {
  return id === prefix || (id.startsWith(prefix) && id.charAt(prefix.length) === '/');
}

/**
 * The namespace a cluster DNS name belongs to, or undefined when it is not one: Kubernetes names a
 * Service `<service>.<namespace>.svc.<clusterDomain>` and a pod `<address>.<namespace>.pod.<clusterDomain>`,
 * and a pod's resolver completes the forms without the cluster domain. Shorter forms (`<service>.<namespace>`)
 * cannot be told from public names and are not read.
 */
export function clusterDnsNamespace(name: string, clusterDomain: string): string | undefined {
  let labels = name.toLowerCase().split('.');
  const domain = clusterDomain.toLowerCase().split('.');
  if (labels.length > domain.length && labels.slice(-domain.length).join('.') === domain.join('.')) labels = labels.slice(0, -domain.length);
  const kind = labels.at(-1);
  if (labels.length < 2 || (kind !== 'svc' && kind !== 'pod')) return undefined;
  return labels.at(-2);
}

/**
 * Why the spec of a SpiffeID of `namespace` names what the policy keeps to other namespaces, each problem
 * naming its field; empty when it does not.
 */
export function spiffeIdPolicyProblems(policy: SpiffeIdPolicy, spec: Pick<SpiffeIdSpec, 'spiffeId' | 'dnsNames'>, namespace: string): string[] {
  const problems: string[] = [];
  if (policy.idPrefix !== undefined) {
    const outcome = namespacedIdPrefix(policy.idPrefix, policy.trustDomain, namespace);
    if ('problem' in outcome) problems.push(`spec.spiffeId: the policy did not render: ${outcome.problem}`);
    else if (!isUnder(spec.spiffeId, outcome.prefix)) {
      problems.push(
        `spec.spiffeId: ${JSON.stringify(spec.spiffeId)} is not under ${JSON.stringify(`${outcome.prefix}/`)}, where the SpiffeIDs of namespace ${JSON.stringify(namespace)} name theirs ` +
          `(${namespacedIDPrefixField}): another namespace's workloads may hold that ID; use an ID under it, or a ClusterSpiffeID`,
      );
    }
  }
  if (policy.clusterDomain !== undefined) {
    for (const name of spec.dnsNames) {
      const owner = clusterDnsNamespace(name, policy.clusterDomain);
      if (owner === undefined || owner === namespace) continue;
      problems.push(
        `spec.dnsNames: ${JSON.stringify(name)} is a cluster DNS name of namespace ${JSON.stringify(owner)}, not of this SpiffeID's own ${JSON.stringify(namespace)} ` +
          '(config spiffeIDPolicy.clusterDNSNamesInOwnNamespace): a SVID with it could pass for that namespace\'s Service; use a ClusterSpiffeID',
      );
    }
  }
  return problems;
}
