/** A SPIRE workload selector: `type:value`, e.g. `k8s:pod-uid:1234`. */
export interface Selector {
  readonly type: string;
  readonly value: string;
}

/**
 * A registration entry as this project reads and writes it: the Entry API's fields that the project
 * manages, in domain form. SPIFFE IDs are in URI form (`spiffe://td/path`); TTLs are seconds, 0 meaning the
 * server default; selectors, DNS names and federated trust domains are kept sorted so that equal entries
 * compare equal field by field.
 */
export interface RegistrationEntry {
  readonly id: string;
  readonly spiffeId: string;
  readonly parentId: string;
  readonly selectors: readonly Selector[];
  readonly x509SvidTtl: number;
  readonly jwtSvidTtl: number;
  readonly dnsNames: readonly string[];
  readonly federatesWith: readonly string[];
  readonly admin: boolean;
  readonly downstream: boolean;
  readonly hint: string;
}

/** The fields an update may touch: every field but the ID, as the Entry API's input mask names them. */
export type EntryField = Exclude<keyof RegistrationEntry, 'id'>;

/** An update: the entry as it should be, and the fields to write (the others stay as they are on the server). */
export interface EntryUpdate {
  readonly entry: RegistrationEntry;
  readonly fields: readonly EntryField[];
}

export const entryFields: readonly EntryField[] = [
  'spiffeId',
  'parentId',
  'selectors',
  'x509SvidTtl',
  'jwtSvidTtl',
  'dnsNames',
  'federatesWith',
  'admin',
  'downstream',
  'hint',
];

/** `type:value`, the form SPIRE's CLI and this project's output use. */
export function formatSelector(selector: Selector): string {
  return `${selector.type}:${selector.value}`;
}
