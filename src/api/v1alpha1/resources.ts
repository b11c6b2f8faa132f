import { objectName, type Validated } from '../validation.ts';
import { eksClusterRegistryKind, parseEKSClusterRegistry, type EKSClusterRegistry } from './eks-cluster-registry.ts';
import { parseWorkloadIdentity, workloadIdentityKind, type WorkloadIdentity } from './workload-identity.ts';

/** The registrar's own objects, validated, each name once per kind. */
export interface Resources {
  readonly registries: readonly EKSClusterRegistry[];
  readonly identities: readonly WorkloadIdentity[];
}

/** An object and the file it came from. */
export interface SourcedObject {
  readonly object: unknown;
  readonly source: string;
}

/**
 * Validates EKSClusterRegistry and WorkloadIdentity objects (e.g. the files of `plan -f`). Every problem is
 * reported, prefixed with the file: objects of other kinds, invalid objects, names given twice.
 */
export function parseResources(objects: Iterable<SourcedObject>): Validated<Resources> {
  const registries = new Map<string, EKSClusterRegistry>();
  const identities = new Map<string, WorkloadIdentity>();
  const errors: string[] = [];
  const add = <T extends { readonly metadata: { readonly name: string } }>(into: Map<string, T>, kind: string, result: Validated<T>, source: string): void => {
    if (!result.ok) {
      errors.push(...result.errors.map((error) => `${source}: ${error}`));
      return;
    }
    const name = result.value.metadata.name;
    if (into.has(name)) errors.push(`${source}: ${kind} ${name}: defined more than once`);
    else into.set(name, result.value);
  };
  for (const { object, source } of objects) {
    const kind = typeof object === 'object' && object !== null ? (object as { kind?: unknown }).kind : undefined;
    if (kind === eksClusterRegistryKind) add(registries, eksClusterRegistryKind, parseEKSClusterRegistry(object), source);
    else if (kind === workloadIdentityKind) add(identities, workloadIdentityKind, parseWorkloadIdentity(object), source);
    else errors.push(`${source}: ${typeof kind === 'string' ? kind : '(no kind)'} ${objectName(object)}: expected an ${eksClusterRegistryKind} or a ${workloadIdentityKind}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { registries: [...registries.values()], identities: [...identities.values()] } };
}
