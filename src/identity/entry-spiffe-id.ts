import { parseSpiffeId, validateTrustDomain } from '../spire/spiffe-id.ts';

// SPIRE refuses longer IDs (the SPIFFE ID specification's limit on the URI).
const maxIdLength = 2048;
const schemeLength = 'spiffe://'.length;
const slash = 0x2f;
// The path, matched in place from lastIndex (no slice): segments of allowed characters, none "." or "..".
const wellFormedPath = /(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+)+$/y;

/**
 * Why `text` cannot be the SPIFFE ID or parent ID of an entry in `trustDomain`, or undefined when it can:
 * a valid SPIFFE ID, in that trust domain, with a path (SPIRE refuses the trust domain's own ID).
 */
export function entrySpiffeIdProblem(text: string, trustDomain: string): string | undefined {
  if (text.length > maxIdLength) return `SPIFFE ID is longer than ${maxIdLength} characters`;
  // The common case, checked in one pass: spiffe://<trustDomain>/<segments> without "." or ".." segments.
  if (text.startsWith(trustDomain, schemeLength) && text.charCodeAt(schemeLength + trustDomain.length) === slash && text.startsWith('spiffe://')) {
    wellFormedPath.lastIndex = schemeLength + trustDomain.length;
    if (wellFormedPath.test(text)) return undefined;
  }
  let trustDomainOfId: string;
  let path: string;
  try {
    ({ trustDomain: trustDomainOfId, path } = parseSpiffeId(text));
  } catch (error) {
    return (error as Error).message;
  }
  if (trustDomainOfId !== trustDomain) return `SPIFFE ID ${JSON.stringify(text)} is not in trust domain ${JSON.stringify(trustDomain)}`;
  if (path === '') return `SPIFFE ID ${JSON.stringify(text)} has no path`;
  return undefined;
}

/**
 * The name of a trust domain written as `example.org` or `spiffe://example.org` (SPIRE accepts both), or
 * the reason it is not one.
 */
export function trustDomainName(text: string): { readonly name: string } | { readonly problem: string } {
  const name = text.startsWith('spiffe://') ? text.slice('spiffe://'.length) : text;
  if (name.length > 255) return { problem: `trust domain ${JSON.stringify(name)} is longer than 255 characters` };
  try {
    return { name: validateTrustDomain(name) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
