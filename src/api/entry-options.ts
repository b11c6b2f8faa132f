/** The fields of an entry that a source states as they are, the same in every entry it makes. */
export interface EntryOptions {
  /** X509-SVID TTL in seconds; 0 (the default) is the server's default. */
  readonly ttlSeconds: number;
  /** JWT-SVID TTL in seconds; 0 (the default) is the server's default. */
  readonly jwtTtlSeconds: number;
  /** Trust domain names, sorted and without duplicates. */
  readonly federatesWith: readonly string[];
  readonly admin: boolean;
  readonly downstream: boolean;
  /** The entry's hint for workloads that receive several SVIDs. Default empty. */
  readonly hint: string;
}
