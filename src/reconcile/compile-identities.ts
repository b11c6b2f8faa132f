import type { ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { compileIdentityTemplates, type IdentityTemplates } from '../identity/render-entry.ts';
import type { ClusterPod } from '../identity/cluster-objects.ts';
import { TemplateError } from '../template/index.ts';
import { clusterSPIFFEIDAsIdentity } from './cluster-spiffeid-identity.ts';
import { podControllerIdentity, podControllerSource } from './pod-controller.ts';

/** The order in which sources win: the oldest identity first; never stored objects after stored ones; then by name. */
export function compareIdentityAge(a: WorkloadIdentity, b: WorkloadIdentity): number {
  const at = a.metadata.creationTimestamp ?? Number.POSITIVE_INFINITY;
  const bt = b.metadata.creationTimestamp ?? Number.POSITIVE_INFINITY;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** An identity ready to render: its templates compiled once. */
export interface CompiledIdentity {
  readonly identity: WorkloadIdentity;
  readonly name: string;
  /** Its place in age order (0 the oldest): the lower rank wins an entry's fields. */
  readonly rank: number;
  readonly templates: IdentityTemplates;
  /** How errors name it: `WorkloadIdentity <name>`, `ClusterSPIFFEID <name>` or `config podController`. */
  readonly title: string;
  /** What its podSelector cannot say (the pod controller's annotation); undefined: the podSelector alone. */
  readonly selects?: (pod: ClusterPod) => boolean;
}

/** Why an identity's templates do not compile. */
export interface IdentityError {
  /** The WorkloadIdentity's name. */
  readonly identity: string;
  /** The whole story, starting `WorkloadIdentity NAME: `. */
  readonly message: string;
}

/**
 * The identities and ClusterSPIFFEIDs (rendered as identities, clusterSPIFFEIDAsIdentity) in age order,
 * compiled, and the pod controller's (podController in the config) last; those whose templates do not
 * compile are `broken`, each with its error.
 */
export function compileIdentities(
  identities: Iterable<WorkloadIdentity>,
  config: ControllerManagerConfig,
  clusterSPIFFEIDs: Iterable<ClusterSPIFFEID> = [],
): { readonly compiled: CompiledIdentity[]; readonly broken: WorkloadIdentity[]; readonly errors: IdentityError[] } {
  const compiled: CompiledIdentity[] = [];
  const broken: WorkloadIdentity[] = [];
  const errors: IdentityError[] = [];
  const titles = new Map<WorkloadIdentity, string>();
  for (const object of clusterSPIFFEIDs) titles.set(clusterSPIFFEIDAsIdentity(object), `ClusterSPIFFEID ${object.metadata.name}`);
  for (const [rank, identity] of [...identities, ...titles.keys()].sort(compareIdentityAge).entries()) {
    const name = identity.metadata.name;
    const title = titles.get(identity) ?? `WorkloadIdentity ${name}`;
    try {
      compiled.push({ identity, name, rank, templates: compileIdentityTemplates(identity, config.parentIDTemplate), title });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      broken.push(identity);
      errors.push({ identity: name, message: `${title}: ${error.message}` });
    }
  }
  const pods = podControllerIdentity(config.podController);
  if (pods !== undefined) {
    // Made here from validated keys, its templates compile; a failure names the label or annotation.
    const templates = compileIdentityTemplates(pods.identity, config.parentIDTemplate);
    const { identity, selects } = pods;
    compiled.push({
      identity,
      ...(selects === undefined ? {} : { selects }),
      name: podControllerSource,
      rank: compiled.length,
      templates: { ...templates, spiffeId: { ...templates.spiffeId, field: pods.source } },
      title: 'config podController',
    });
  }
  return { compiled, broken, errors };
}
