const label = /^[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
// A valid name in one pass; the label-by-label check only explains what is wrong.
const validName = /^(?:\*\.)?[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Why `name` cannot be a DNS name of an X509-SVID, or undefined when it can: RFC 1123 host names of at
 * most 253 characters, with an optional leading `*.` wildcard label.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length <= 253 && validName.test(name)) return undefined;
  const quoted = JSON.stringify(name);
  if (name.length > 253) return `DNS name ${quoted} is longer than 253 characters`;
  const labels = name.split('.');
  for (const [index, part] of labels.entries()) {
    if (part === '*' && index === 0 && labels.length > 1) continue;
    if (part === '') return `DNS name ${quoted} has an empty label`;
    if (!label.test(part)) {
      return `DNS name ${quoted}: label ${JSON.stringify(part)} must be 1-63 letters, digits and "-", not starting or ending with "-"`;
    }
  }
  return undefined;
}
