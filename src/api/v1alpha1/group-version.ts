/** The API group of every kind of this project. */
export const apiGroup = 'eksclusterregistry.spire.spiffe.io';

/** The version of the API, as it appears in `apiVersion` after the group. */
export const apiVersion = 'v1alpha1';

/** `apiVersion` of every object of this API. */
export const groupVersion = `${apiGroup}/${apiVersion}`;
