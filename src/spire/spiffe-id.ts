/** A SPIFFE ID split as the Entry API carries it: `spiffe://<trustDomain><path>`. */
export interface SpiffeIdParts {
  readonly trustDomain: string;
  /** Empty (the trust domain's own ID) or `/`-prefixed segments. */
  readonly path: string;
}

const scheme = 'spiffe://';
const trustDomainPattern = /^[a-z0-9._-]+$/;
const segmentPattern = /^[A-Za-z0-9._-]+$/;

/**
 * Parses a SPIFFE ID by the SPIFFE spec's rules (the ones spire-server applies), so that a malformed ID
 * fails here with the reason rather than as an INVALID_ARGUMENT from the server.
 */
export function parseSpiffeId(uri: string): SpiffeIdParts {
  if (!uri.startsWith(scheme)) throw new Error(`SPIFFE ID ${JSON.stringify(uri)} does not start with ${scheme}`);
  const rest = uri.slice(scheme.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  return validateSpiffeIdParts({ trustDomain, path }, uri);
}

/** `spiffe://td/path` from its parts, after checking them (they may come from the server). */
export function formatSpiffeId(parts: SpiffeIdParts): string {
  const valid = validateSpiffeIdParts(parts, `${scheme}${parts.trustDomain}${parts.path}`);
  return `${scheme}${valid.trustDomain}${valid.path}`;
}

/** Checks a trust domain name (`example.org`, not `spiffe://example.org`). */
export function validateTrustDomain(name: string): string {
  if (!trustDomainPattern.test(name)) {
    throw new Error(
      `trust domain ${JSON.stringify(name)} is not a trust domain name: use lower-case letters, digits, '.', '-' and '_' only (e.g. example.org, without spiffe://)`,
    );
  }
  return name;
}

function validateSpiffeIdParts(parts: SpiffeIdParts, shown: string): SpiffeIdParts {
  const quoted = JSON.stringify(shown);
  if (parts.trustDomain === '') throw new Error(`SPIFFE ID ${quoted} has no trust domain`);
  if (!trustDomainPattern.test(parts.trustDomain)) {
    throw new Error(
      `SPIFFE ID ${quoted}: trust domain ${JSON.stringify(parts.trustDomain)} may hold only lower-case letters, digits, '.', '-' and '_'`,
    );
  }
  if (parts.path === '') return parts;
  if (!parts.path.startsWith('/')) throw new Error(`SPIFFE ID ${quoted}: path must start with '/'`);
  for (const segment of parts.path.slice(1).split('/')) {
    if (segment === '') throw new Error(`SPIFFE ID ${quoted}: path has an empty segment or a trailing '/'`);
    if (segment === '.' || segment === '..') throw new Error(`SPIFFE ID ${quoted}: path has a '${segment}' segment`);
    if (!segmentPattern.test(segment)) {
      throw new Error(`SPIFFE ID ${quoted}: path segment ${JSON.stringify(segment)} may hold only letters, digits, '.', '-' and '_'`);
    }
  }
  return parts;
}
