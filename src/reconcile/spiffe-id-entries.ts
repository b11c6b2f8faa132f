import type { ClusterSpiffeID } from '../api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import type { SpiffeID } from '../api/spiffeid-v1beta1/spiffe-id.ts';
import type { SpiffeIdSpec } from '../api/spiffeid-v1beta1/spiffe-id-spec.ts';
import type { ClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import type { EntryOptions } from '../api/entry-options.ts';
import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { matchesLabels } from '../api/v1alpha1/label-selector.ts';
import { sortSelectors } from '../identity/entry-id.ts';
import { nodeAliasEntry } from '../identity/node-alias.ts';
import { renderedEntry, type RenderedEntry } from '../identity/render-entry.ts';
import type { CompiledTemplate } from '../template/index.ts';

/**
 * A ClusterSpiffeID, a SpiffeID or a ClusterStaticEntry: one literal entry per cluster it targets, whether
 * or not a pod matches.
 */
export type SpiffeIdObject = ClusterSpiffeID | SpiffeID | ClusterStaticEntry;

/** What the entry of such an object is made of. */
type DeclaredEntrySpec = Pick<SpiffeIdSpec, 'spiffeId' | 'parentId' | 'selectors' | 'clusterSelector' | 'clusterName' | 'dnsNames' | keyof EntryOptions>;

function declaredSpec(object: SpiffeIdObject): DeclaredEntrySpec {
  return object.kind === 'ClusterStaticEntry' ? { ...object.spec, clusterName: undefined } : object.spec;
}

/**
 * The name of an object as a source of entries, in the one space of source names: a WorkloadIdentity is
 * its name (a lowercase DNS subdomain, never with a "/" or a capital), these are `ClusterSpiffeID/<name>`,
 * `SpiffeID/<namespace>/<name>` and `ClusterStaticEntry/<name>`.
 */
export function spiffeIdSourceName(object: SpiffeIdObject): string {
  if (object.kind === 'SpiffeID') return `SpiffeID/${object.metadata.namespace}/${object.metadata.name}`;
  return `${object.kind}/${object.metadata.name}`;
}

/** The source of the node alias entries: the registrar itself, first in rank, so their fields never change hands. */
export const nodeAliasSource = 'NodeAlias';

/** Whether the object wants an entry in `registry`'s (managed) cluster: its clusterSelector and, if set, selector.cluster. */
export function spiffeIdTargetsCluster(spec: Pick<SpiffeIdSpec, 'clusterSelector' | 'clusterName'>, registry: EKSClusterRegistry): boolean {
  return matchesLabels(spec.clusterSelector, registry.spec.labels) && (spec.clusterName === undefined || spec.clusterName === registry.spec.clusterName);
}

/** The entry the spec wants under `parentId`. */
function spiffeIdEntry(spec: DeclaredEntrySpec, parentId: string): RenderedEntry {
  return renderedEntry(spec.spiffeId, parentId, sortSelectors(spec.selectors), spec.dnsNames, spec);
}

/** A source and its object, as the desired state keeps them. */
export interface SpiffeIdSource {
  readonly name: string;
  readonly object: SpiffeIdObject;
}

/** What the SpiffeID sources want in one managed cluster. */
export interface ClusterSpiffeIdEntries {
  /** One entry per targeting source, in the order given. */
  readonly wanted: readonly { readonly source: string; readonly entry: RenderedEntry }[];
  /** The cluster's node alias, when a wanted entry is parented to it. */
  readonly alias: RenderedEntry | undefined;
  /** The sources whose entry could not be made (the alias did not render), with why. */
  readonly failed: readonly { readonly source: string; readonly message: string }[];
}

/**
 * The entries `sources` want in the managed cluster of `registry`: one each for those that target it, a
 * literal parent as written, else the cluster's node alias, which is then wanted too. Shared by
 * planEntries and FleetState, so that both make the same entries.
 */
export function clusterSpiffeIdEntries(registry: EKSClusterRegistry, sources: Iterable<SpiffeIdSource>, aliasTemplate: CompiledTemplate, trustDomain: string): ClusterSpiffeIdEntries {
  const wanted: { source: string; entry: RenderedEntry }[] = [];
  const failed: { source: string; message: string }[] = [];
  let alias: ReturnType<typeof nodeAliasEntry> | undefined;
  let aliasUsed = false;
  for (const { name, object } of sources) {
    const spec = declaredSpec(object);
    if (!spiffeIdTargetsCluster(spec, registry)) continue;
    if (spec.parentId !== undefined) {
      wanted.push({ source: name, entry: spiffeIdEntry(spec, spec.parentId) });
      continue;
    }
    alias ??= nodeAliasEntry(aliasTemplate, trustDomain, registry.spec.clusterName);
    if (!alias.ok) {
      failed.push({ source: name, message: `${name}: cluster ${registry.metadata.name}: no parent: the node alias did not render: ${alias.problem}` });
      continue;
    }
    aliasUsed = true;
    wanted.push({ source: name, entry: spiffeIdEntry(spec, alias.entry.spiffeId) });
  }
  return { wanted, alias: aliasUsed && alias?.ok === true ? alias.entry : undefined, failed };
}
