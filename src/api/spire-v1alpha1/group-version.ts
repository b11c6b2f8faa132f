/**
 * The API group of spire-controller-manager's kinds (ClusterSPIFFEID, ClusterStaticEntry), served here
 * under the same group, version and names so that its manifests apply unchanged.
 */
export const spireApiGroup = 'spire.spiffe.io';

export const spireApiVersion = 'v1alpha1';

/** `apiVersion` of every object of this group. */
export const spireGroupVersion = `${spireApiGroup}/${spireApiVersion}`;
