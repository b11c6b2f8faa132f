// metav1.Time as Go decodes it from JSON (RFC 3339) and prints it (time.Time.String()), in UTC: the
// registrar's reference pins Go's local zone to UTC, as SCM runs in a container without a zone database.

/** Go's zero time.Time, printed. */
export const zeroTimeString = '0001-01-01 00:00:00 +0000 UTC';

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** time.Time.String() of the RFC 3339 `text` in UTC; undefined where Go fails to parse it. */
export function goTimeString(text: string): string | undefined {
  const m = rfc3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', , sign, oh = '0', om = '0'] = m;
  const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi) - offsetMinutes, Number(s), 0);
  const digits = frac.replace(/0+$/, '');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}${digits === '' ? '' : '.' + digits} +0000 UTC`
  );
}
