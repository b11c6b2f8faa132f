/**
 * The API group of ClusterSpiffeID and SpiffeID: the group spire-k8s-registrar and SPIRE's retired
 * k8s-workload-registrar used, so that their manifests apply unchanged.
 */
export const spiffeIdApiGroup = 'spiffeid.spiffe.io';

export const spiffeIdApiVersion = 'v1beta1';

/** `apiVersion` of every object of this group. */
export const spiffeIdGroupVersion = `${spiffeIdApiGroup}/${spiffeIdApiVersion}`;
