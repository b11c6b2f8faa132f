// resource.Quantity as k8s.io/apimachinery v0.35.4 parses a JSON quantity (ParseQuantity) and prints it
// (String()): the input itself where Go keeps it as already canonical, else the canonical form of the
// value rounded up to a multiple of 10^-9.

const decimalSuffixes: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const maxInt64 = (1n << 63n) - 1n;
const nano = 10n ** 9n;

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value in units of 10^-9. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** The input, where Go keeps it as the printed form. */
  readonly cached?: string;
  /**
   * How fmt's %v prints the Quantity value (its unexported fields: an int64 mantissa and scale, an
   * inf.Dec, the cached string, the format), as Go does where it does not call String(); undefined where
   * the value is held in an inf.Dec, whose pointer Go prints as a memory address.
   */
  readonly internals: string | undefined;
}

interface QuantityParts {
  readonly positive: boolean;
  /** The number as written, sign and leading zeros included. */
  readonly value: string;
  /** The integer digits without leading zeros ('0' if none). */
  readonly num: string;
  readonly denom: string;
  readonly suffix: string;
}

/** parseQuantityString: the parts of a quantity, or undefined for a malformed one. */
function quantityParts(str: string): QuantityParts | undefined {
  let pos = 0;
  let positive = true;
  if (str[0] === '-' || str[0] === '+') {
    positive = str[0] === '+';
    pos++;
  }
  while (pos < str.length && str[pos] === '0') pos++;
  if (pos >= str.length) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  const digits = (from: number): number => {
    let i = from;
    while (i < str.length && str[i] !== undefined && (str[i] as string) >= '0' && (str[i] as string) <= '9') i++;
    return i;
  };
  let end = digits(pos);
  const num = str.slice(pos, end) || '0';
  pos = end;
  let denom = '';
  if (str[pos] === '.') {
    end = digits(pos + 1);
    denom = str.slice(pos + 1, end);
    pos = end;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < str.length && 'eEinumkKMGTP'.includes(str[pos] as string)) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  if (digits(pos) !== str.length) return undefined;
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } | undefined {
  if (Object.hasOwn(decimalSuffixes, suffix)) return { base: 10, exponent: decimalSuffixes[suffix] as number, format: 'DecimalSI' };
  if (Object.hasOwn(binarySuffixes, suffix)) return { base: 2, exponent: binarySuffixes[suffix] as number, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    return { base: 10, exponent: Number(suffix.slice(1)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** resource.ParseQuantity; undefined where Go fails to decode the quantity. */
export function parseQuantity(str: string): Quantity | undefined {
  if (str === '') return undefined;
  if (str === '0') return { nanos: 0n, format: 'DecimalSI', cached: str, internals: '{{0 0} {<nil>} 0 DecimalSI}' };
  const parts = quantityParts(str);
  if (parts === undefined) return undefined;
  const suffix = interpretSuffix(parts.suffix);
  if (suffix === undefined) return undefined;
  const { num, denom, positive } = parts;
  let format = suffix.format;

  // Go's fast path: an int64 mantissa and a scale of at least 10^-9; the input is kept where canonical.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (suffix.exponent >= 0 && denom === '') {
      mantissa = 1n << BigInt(suffix.exponent);
      precision = 15 - num.length - Math.trunc(Math.fround(Math.fround(suffix.exponent * 3) / 10)) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = suffix.exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      const product = value * mantissa;
      if (product <= maxInt64) {
        const result = positive ? product : -product;
        const nanos = result * 10n ** BigInt(scale + 9);
        const canonical = format === 'BinarySI' ? suffix.exponent % 10 === 0 && (value & 7n) !== 0n : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        const internals = `{{${result} ${scale}} {<nil>} ${canonical ? str : ''} ${format}}`;
        return canonical ? { nanos, format, cached: str, internals } : { nanos, format, internals };
      }
    }
  }

  // The slow path: the exact value, rounded up (away from zero) to 10^-9, BinarySI capped at the int64 maximum.
  const [whole = '', fraction = ''] = parts.value.replace(/^[+-]/, '').split('.');
  let numerator = BigInt(whole + fraction || '0');
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix.base === 2) numerator <<= BigInt(suffix.exponent);
  else if (suffix.exponent >= 0) numerator *= 10n ** BigInt(suffix.exponent);
  else denominator *= 10n ** BigInt(-suffix.exponent);
  numerator *= nano;
  let nanos = numerator / denominator + (numerator % denominator === 0n ? 0n : 1n);
  if (format === 'BinarySI' && nanos > maxInt64 * nano) nanos = maxInt64 * nano;
  if (format === 'BinarySI' && nanos > 0n && nanos < nano) format = 'DecimalSI';
  return { nanos: positive ? nanos : -nanos, format, internals: undefined };
}

/** Quantity.String(). */
export function quantityString(q: Quantity): string {
  if (q.cached !== undefined) return q.cached;
  if (q.nanos === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI' && ((q.nanos > -1024n * nano && q.nanos < 1024n * nano) || q.nanos % nano !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let n = q.nanos / nano;
    let power = 0;
    while (n % 1024n === 0n) {
      n /= 1024n;
      power++;
    }
    return `${n}${binaryByPower[power] ?? ''}`;
  }
  let mantissa = q.nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  // Go prints no suffix where the SI table has none for the exponent.
  if (format === 'DecimalSI') return `${mantissa}${decimalByExponent.get(exponent) ?? ''}`;
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}
