import { z } from 'zod';

const nanosecondsPerUnit: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

// Go stores durations in an int64 of nanoseconds; larger values are errors there, so here too.
const maxNanoseconds = 2n ** 63n - 1n;

const segment = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/u;

/** The outcome of parsing a duration: nanoseconds, or why the text is not a Go duration. */
export type DurationParse = { readonly ok: true; readonly nanoseconds: bigint } | { readonly ok: false; readonly reason: string };

/**
 * Parses a duration in Go's `time.ParseDuration` syntax (`1h`, `5m`, `90s`, `1h30m`, `1.5h`, `300ms`,
 * `-2m`), so that values written for Go controllers keep their meaning. Exact: nanoseconds as a bigint.
 */
export function parseGoDuration(text: string): DurationParse {
  const invalid = { ok: false, reason: `invalid duration ${JSON.stringify(text)}` } as const;
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, nanoseconds: 0n };
  if (rest === '') return invalid;
  let total = 0n;
  while (rest !== '') {
    const match = segment.exec(rest);
    if (match === null) return invalid;
    const [whole, integerDigits = '', fractionDigits, unit = ''] = match;
    if (integerDigits === '' && (fractionDigits === undefined || fractionDigits === '')) return invalid;
    const perUnit = nanosecondsPerUnit.get(unit);
    if (perUnit === undefined) return { ok: false, reason: `invalid duration ${JSON.stringify(text)}: unknown unit ${JSON.stringify(unit)}` };
    let value = BigInt(integerDigits === '' ? '0' : integerDigits) * perUnit;
    if (fractionDigits !== undefined && fractionDigits !== '') {
      // Go truncates the fraction to whole nanoseconds.
      value += (BigInt(fractionDigits) * perUnit) / 10n ** BigInt(fractionDigits.length);
    }
    total += value;
    if (total > maxNanoseconds) return { ok: false, reason: `invalid duration ${JSON.stringify(text)}: out of range` };
    rest = rest.slice(whole.length);
  }
  return { ok: true, nanoseconds: negative ? -total : total };
}

const goSyntax = '(Go syntax, e.g. 1h, 5m, 90s, 1h30m)';

/** A Go duration in YAML: a string such as `90s`, parsed into nanoseconds. */
export const goDurationSchema = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : `invalid duration ${JSON.stringify(issue.input)} ${goSyntax}`) })
  .transform((text, ctx): bigint => {
  const parsed = parseGoDuration(text);
  if (parsed.ok) return parsed.nanoseconds;
  ctx.addIssue({ code: 'custom', message: `${parsed.reason} ${goSyntax}` });
  return z.NEVER;
});

/** A positive Go duration as milliseconds, the unit of Node's timers. */
export const positiveDurationMsSchema = goDurationSchema.transform((nanoseconds, ctx): number => {
  if (nanoseconds > 0n) return Number(nanoseconds) / 1e6;
  ctx.addIssue({ code: 'custom', message: 'must be a positive duration' });
  return z.NEVER;
});
