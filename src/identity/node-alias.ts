import type { EntryOptions } from '../api/entry-options.ts';
import type { Selector } from '../spire/entry.ts';
import { compileTemplate, GoStructType, TemplateError, type CompiledTemplate } from '../template/index.ts';
import { entrySpiffeIdProblem } from './entry-spiffe-id.ts';
import { flatString } from './flat-string.ts';
import { renderedEntry, type RenderedEntry } from './render-entry.ts';

/** The default of the config's `nodeAliasIDTemplate`: one alias per cluster, for every agent of it. */
export const defaultNodeAliasIDTemplate = 'spiffe://{{ .TrustDomain }}/k8s-cluster/{{ .ClusterName }}/nodes';

/** The field under which the config's template compiles: Go's messages name it. */
export const nodeAliasTemplateField = 'config nodeAliasIDTemplate';

// A node entry: the server's defaults, no DNS names, no federation, no flags.
const noOptions: EntryOptions = { ttlSeconds: 0, jwtTtlSeconds: 0, federatesWith: [], admin: false, downstream: false, hint: '' };

const aliasData = new GoStructType('registrar.NodeAliasData', ['TrustDomain', 'ClusterName']);

/** The SPIFFE ID of the SPIRE server, the parent of node entries. */
export function serverId(trustDomain: string): string {
  return `spiffe://${trustDomain}/spire/server`;
}

/** The selector every agent of a cluster attested by k8s_psat carries: `k8s_psat:cluster:<clusterName>`. */
export function psatClusterSelector(clusterName: string): Selector {
  return { type: 'k8s_psat', value: `cluster:${clusterName}` };
}

export type NodeAliasOutcome = { readonly ok: true; readonly entry: RenderedEntry } | { readonly ok: false; readonly problem: string };

/**
 * The node alias of one cluster: a node entry (parent: the server) whose only selector every agent of the
 * cluster carries, so that an entry parented to it reaches the workloads on every node of that cluster
 * and on no node of another. `template` is the compiled `nodeAliasIDTemplate`.
 */
export function nodeAliasEntry(template: CompiledTemplate, trustDomain: string, clusterName: string): NodeAliasOutcome {
  let spiffeId: string;
  try {
    spiffeId = flatString(template.execute(aliasData.struct([trustDomain, clusterName])));
  } catch (error) {
    return { ok: false, problem: `${nodeAliasTemplateField}: ${error instanceof TemplateError || error instanceof Error ? error.message : String(error)}` };
  }
  const problem = entrySpiffeIdProblem(spiffeId, trustDomain);
  if (problem !== undefined) return { ok: false, problem: `${nodeAliasTemplateField}: rendered ${JSON.stringify(spiffeId)} for cluster ${clusterName}: ${problem}` };
  return { ok: true, entry: renderedEntry(spiffeId, serverId(trustDomain), [psatClusterSelector(clusterName)], [], noOptions) };
}

/** Compiles the config's `nodeAliasIDTemplate` (validation at the edge already parsed it). */
export function compileNodeAliasTemplate(text: string): CompiledTemplate {
  return compileTemplate(nodeAliasTemplateField, text);
}
