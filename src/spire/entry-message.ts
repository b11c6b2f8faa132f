import type { EntryField, RegistrationEntry, Selector } from './entry.ts';
import { formatSpiffeId, parseSpiffeId, validateTrustDomain } from './spiffe-id.ts';

// The Entry API's wire shapes, as @grpc/proto-loader hands them over with keepCase (field names as in
// the .proto files). Only this file and the client see them; the rest of the project speaks
// RegistrationEntry.

export interface SpiffeIdMessage {
  readonly trust_domain: string;
  readonly path: string;
}

export interface SelectorMessage {
  readonly type: string;
  readonly value: string;
}

/** The fields of spire.api.types.Entry that the registrar writes. */
export interface EntryMessage {
  readonly id: string;
  readonly spiffe_id: SpiffeIdMessage;
  readonly parent_id: SpiffeIdMessage;
  readonly selectors: readonly SelectorMessage[];
  readonly x509_svid_ttl: number;
  readonly jwt_svid_ttl: number;
  readonly dns_names: readonly string[];
  readonly federates_with: readonly string[];
  readonly admin: boolean;
  readonly downstream: boolean;
  readonly hint: string;
}

export type EntryMaskField = Exclude<keyof EntryMessage, 'id'>;
export type EntryMaskMessage = Readonly<Partial<Record<EntryMaskField, boolean>>>;

const maskFieldOf: Readonly<Record<EntryField, EntryMaskField>> = {
  spiffeId: 'spiffe_id',
  parentId: 'parent_id',
  selectors: 'selectors',
  x509SvidTtl: 'x509_svid_ttl',
  jwtSvidTtl: 'jwt_svid_ttl',
  dnsNames: 'dns_names',
  federatesWith: 'federates_with',
  admin: 'admin',
  downstream: 'downstream',
  hint: 'hint',
};

/** An input or output mask naming exactly `fields`. */
export function entryMask(fields: readonly EntryField[]): EntryMaskMessage {
  const mask: Partial<Record<EntryMaskField, boolean>> = {};
  for (const field of fields) mask[maskFieldOf[field]] = true;
  return mask;
}

const maxInt32 = 2 ** 31 - 1;
const entryIdPattern = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * The message for `entry`, after the checks spire-server would make on the fields this project sets, so
 * that a bad entry fails alone, with its reason, instead of as an INVALID_ARGUMENT inside a batch. The ID
 * may be empty (the server then picks one); the project's own IDs never are.
 */
export function entryToMessage(entry: RegistrationEntry): EntryMessage {
  if (entry.id !== '' && !entryIdPattern.test(entry.id)) {
    throw new Error(`entry ID ${JSON.stringify(entry.id)} must be 1 to 255 characters of A-Z, a-z, 0-9, '.', '-', '_'`);
  }
  const spiffeId = parseSpiffeId(entry.spiffeId);
  const parentId = parseSpiffeId(entry.parentId);
  if (entry.selectors.length === 0) throw new Error('an entry needs at least one selector');
  for (const selector of entry.selectors) {
    if (selector.type === '' || selector.value === '' || selector.type.includes(':')) {
      throw new Error(`selector ${JSON.stringify(`${selector.type}:${selector.value}`)} must be type:value with a non-empty type without ':' and a non-empty value`);
    }
  }
  checkTtl('x509SvidTtl', entry.x509SvidTtl);
  checkTtl('jwtSvidTtl', entry.jwtSvidTtl);
  for (const dnsName of entry.dnsNames) {
    if (dnsName === '') throw new Error('DNS names must not be empty');
  }
  entry.federatesWith.forEach(validateTrustDomain);
  return {
    id: entry.id,
    spiffe_id: { trust_domain: spiffeId.trustDomain, path: spiffeId.path },
    parent_id: { trust_domain: parentId.trustDomain, path: parentId.path },
    selectors: entry.selectors.map((selector) => ({ type: selector.type, value: selector.value })),
    x509_svid_ttl: entry.x509SvidTtl,
    jwt_svid_ttl: entry.jwtSvidTtl,
    dns_names: [...entry.dnsNames],
    federates_with: [...entry.federatesWith],
    admin: entry.admin,
    downstream: entry.downstream,
    hint: entry.hint,
  };
}

function checkTtl(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > maxInt32) {
    throw new Error(`${field} ${value} must be a whole number of seconds from 0 (the server default) to ${maxInt32}`);
  }
}

/**
 * A RegistrationEntry from an Entry message the server sent, checked field by field. Throws an error that
 * names the entry and the field when the message is not what the Entry API promises.
 */
export function entryFromMessage(value: unknown): RegistrationEntry {
  if (!isRecord(value)) throw new Error(`expected an entry, got ${describe(value)}`);
  const id = value.id;
  if (typeof id !== 'string' || id === '') throw new Error(`entry without an ID (id: ${describe(id)})`);
  const at = (field: string): string => `entry ${id}: field ${field}`;
  // Normalized as built (the lists are fresh, so sorted in place): a listing decodes every entry of the server.
  return {
    id,
    spiffeId: spiffeIdFromMessage(value.spiffe_id, at('spiffe_id')),
    parentId: spiffeIdFromMessage(value.parent_id, at('parent_id')),
    selectors: arrayOf(value.selectors, at('selectors'), (item, where) => {
      if (!isRecord(item) || typeof item.type !== 'string' || typeof item.value !== 'string') {
        throw new Error(`${where}: expected {type, value} strings, got ${describe(item)}`);
      }
      return { type: item.type, value: item.value };
    }).sort(compareSelectors),
    x509SvidTtl: int32(value.x509_svid_ttl, at('x509_svid_ttl')),
    jwtSvidTtl: int32(value.jwt_svid_ttl, at('jwt_svid_ttl')),
    dnsNames: arrayOf(value.dns_names, at('dns_names'), string).sort(compareStrings),
    federatesWith: arrayOf(value.federates_with, at('federates_with'), string).sort(compareStrings),
    admin: boolean(value.admin, at('admin')),
    downstream: boolean(value.downstream, at('downstream')),
    hint: string(value.hint, at('hint')),
  };
}

/**
 * The entry with selectors, DNS names and federated trust domains sorted (by code unit, not locale), the
 * form in which equal entries compare equal field by field.
 */
export function normalizeEntry(entry: RegistrationEntry): RegistrationEntry {
  return {
    ...entry,
    selectors: [...entry.selectors].sort(compareSelectors),
    dnsNames: [...entry.dnsNames].sort(compareStrings),
    federatesWith: [...entry.federatesWith].sort(compareStrings),
  };
}

/** Whether two normalized entries are equal in every field. */
export function sameEntry(a: RegistrationEntry, b: RegistrationEntry): boolean {
  return a.id === b.id && sameEntryValues(a, b);
}

/** Whether two normalized entries (or renderings of one, which have no ID) are equal in every field but the ID. */
export function sameEntryValues(a: Omit<RegistrationEntry, 'id'>, b: Omit<RegistrationEntry, 'id'>): boolean {
  return (
    a.spiffeId === b.spiffeId &&
    a.parentId === b.parentId &&
    sameList(a.selectors, b.selectors, sameSelector) &&
    a.x509SvidTtl === b.x509SvidTtl &&
    a.jwtSvidTtl === b.jwtSvidTtl &&
    sameList(a.dnsNames, b.dnsNames, Object.is) &&
    sameList(a.federatesWith, b.federatesWith, Object.is) &&
    a.admin === b.admin &&
    a.downstream === b.downstream &&
    a.hint === b.hint
  );
}

/** Whether two selectors are the same. */
export function sameSelector(a: Selector, b: Selector): boolean {
  return a.type === b.type && a.value === b.value;
}

/** Whether two lists are equal item by item, in order. */
export function sameList<T>(a: readonly T[], b: readonly T[], equal: (x: T, y: T) => boolean): boolean {
  return a === b || (a.length === b.length && a.every((item, index) => equal(item, b[index] as T)));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSelectors(a: Selector, b: Selector): number {
  return compareStrings(a.type, b.type) || compareStrings(a.value, b.value);
}

function spiffeIdFromMessage(value: unknown, where: string): string {
  if (!isRecord(value) || typeof value.trust_domain !== 'string' || typeof value.path !== 'string') {
    throw new Error(`${where}: expected a SPIFFE ID {trust_domain, path}, got ${describe(value)}`);
  }
  try {
    return formatSpiffeId({ trustDomain: value.trust_domain, path: value.path });
  } catch (error) {
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function arrayOf<T>(value: unknown, where: string, item: (value: unknown, where: string) => T): T[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list, got ${describe(value)}`);
  return value.map((element: unknown, index) => item(element, `${where}[${index}]`));
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string, got ${describe(value)}`);
  return value;
}

function boolean(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${where}: expected a boolean, got ${describe(value)}`);
  return value;
}

function int32(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`${where}: expected a whole number, got ${describe(value)}`);
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}
