import { clusterSPIFFEIDKind, parseClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { clusterStaticEntryKind, parseClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import { spireGroupVersion } from '../api/spire-v1alpha1/group-version.ts';
import { registrySelectorAnnotation } from '../api/spire-v1alpha1/registry-selector.ts';
import { groupVersion } from '../api/v1alpha1/group-version.ts';
import { workloadIdentityManifest } from '../api/v1alpha1/workload-identity-manifest.ts';
import { workloadIdentityKind } from '../api/v1alpha1/workload-identity.ts';
import { objectName } from '../api/validation.ts';
import { clusterSPIFFEIDAsIdentity } from '../reconcile/cluster-spiffeid-identity.ts';

/** An object read from a manifest file, with the file it came from (for messages). */
export interface ConvertInput {
  readonly object: unknown;
  readonly source: string;
}

export interface Conversion {
  /** Every input object, in order: ClusterSPIFFEIDs as WorkloadIdentities, the others as they were. */
  readonly objects: readonly unknown[];
  /** What was not converted or needs a look, one line each, naming the file, the object and the field. */
  readonly notes: readonly string[];
}

// kubectl's copy of the object as last applied: carried over, the next apply would read it as the
// WorkloadIdentity's previous state and compute a wrong patch.
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The metadata a user writes: name, labels and annotations (less the registry selector, which becomes
 * `spec.clusterSelector`). What the API server set (uid, resourceVersion, creationTimestamp, ...) belongs
 * to the ClusterSPIFFEID, not to the new object.
 */
function writtenMetadata(raw: Record<string, unknown>): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: raw.name };
  const labels = record(raw.labels);
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  const annotations = Object.fromEntries(Object.entries(record(raw.annotations)).filter(([key]) => key !== registrySelectorAnnotation && key !== lastApplied));
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return metadata;
}

function kindOf(object: unknown): { apiVersion: unknown; kind: unknown } {
  const { apiVersion, kind } = record(object);
  return { apiVersion, kind };
}

/**
 * Turns spire-controller-manager's ClusterSPIFFEIDs into WorkloadIdentities with the same meaning: the
 * mapping the controller renders them by (clusterSPIFFEIDAsIdentity), written back as a manifest, the
 * registry selector annotation as `spec.clusterSelector`. ClusterStaticEntries stay as they are: the
 * registrar applies that kind unchanged, and the kinds that could hold a literal entry (ClusterSpiffeID)
 * lack its className and TTLs. Invalid objects are kept as they are, with their problems in the notes.
 */
export function convertManifests(inputs: readonly ConvertInput[]): Conversion {
  const objects: unknown[] = [];
  const notes: string[] = [];
  const identityNames = new Set<string>();
  for (const { object } of inputs) {
    const { apiVersion, kind } = kindOf(object);
    if (apiVersion === groupVersion && kind === workloadIdentityKind) identityNames.add(objectName(object));
  }
  for (const { object, source } of inputs) {
    const { apiVersion, kind } = kindOf(object);
    if (apiVersion === spireGroupVersion && kind === clusterSPIFFEIDKind) {
      const parsed = parseClusterSPIFFEID(object);
      if (!parsed.ok) {
        notes.push(...parsed.errors.map((error) => `${source}: ${error}: not converted (kept as it is)`));
        objects.push(object);
        continue;
      }
      const { name } = parsed.value.metadata;
      if (identityNames.has(name)) notes.push(`${source}: ${clusterSPIFFEIDKind} ${name}: metadata.name: a WorkloadIdentity ${name} is in the input too: rename one before applying`);
      identityNames.add(name);
      objects.push(workloadIdentityManifest(writtenMetadata(record(record(object).metadata)), clusterSPIFFEIDAsIdentity(parsed.value).spec));
      continue;
    }
    if (apiVersion === spireGroupVersion && kind === clusterStaticEntryKind) {
      const parsed = parseClusterStaticEntry(object);
      if (!parsed.ok) notes.push(...parsed.errors.map((error) => `${source}: ${error}: the registrar refuses it as it is`));
      else notes.push(`${source}: ${clusterStaticEntryKind} ${parsed.value.metadata.name}: kept as it is: the registrar applies ClusterStaticEntries unchanged (docs/scm-resources.md)`);
    }
    objects.push(object);
  }
  return { objects, notes };
}
