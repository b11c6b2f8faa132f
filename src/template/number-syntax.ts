// Go's strconv number parsing (ParseUint, ParseInt and ParseFloat with base 0 and 64 bits) for the number
// literals of templates: what it accepts, what it rejects and the values it yields.

/** A strconv error: the syntax is wrong, or the value does not fit. */
export class NumberError extends Error {}

const maxUint64 = (1n << 64n) - 1n;

function lower(c: string): string {
  return c.toLowerCase();
}

/** strconv's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s[1] ?? ''))) {
    i = 2;
    saw = '0';
    hex = lower(s[1] ?? '') === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, 64). */
export function parseUint(s: string): bigint {
  if (s === '') throw new NumberError('invalid syntax');
  const s0 = s;
  let base = 10;
  if (s[0] === '0') {
    const p = lower(s[1] ?? '');
    if (s.length >= 3 && p === 'b') [base, s] = [2, s.slice(2)];
    else if (s.length >= 3 && p === 'o') [base, s] = [8, s.slice(2)];
    else if (s.length >= 3 && p === 'x') [base, s] = [16, s.slice(2)];
    else [base, s] = [8, s.slice(1)];
  }
  let underscores = false;
  let n = 0n;
  const b = BigInt(base);
  for (const c of s) {
    let d: number;
    if (c === '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (lower(c) >= 'a' && lower(c) <= 'z' && c.length === 1) d = lower(c).charCodeAt(0) - 97 + 10;
    else throw new NumberError('invalid syntax');
    if (d >= base) throw new NumberError('invalid syntax');
    n = n * b + BigInt(d);
    if (n > maxUint64) throw new NumberError('value out of range');
  }
  if (underscores && !underscoreOK(s0)) throw new NumberError('invalid syntax');
  return n;
}

/** strconv.ParseInt(s, 0, 64). */
export function parseInt64(s: string): bigint {
  if (s === '') throw new NumberError('invalid syntax');
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') [neg, s] = [true, s.slice(1)];
  const un = parseUint(s);
  const cutoff = 1n << 63n;
  if (!neg && un >= cutoff) throw new NumberError('value out of range');
  if (neg && un > cutoff) throw new NumberError('value out of range');
  return neg ? -un : un;
}

/** strconv.ParseFloat(s, 64) for the forms a template's number token can take. */
export function parseFloat64(s: string): number {
  const r = readFloat(s);
  if (r === undefined || r.end !== s.length) throw new NumberError('invalid syntax');
  let f: number;
  if (r.hex) f = hexFloat(r.mantissa, r.exp, r.neg);
  else f = Number(s.replaceAll('_', ''));
  if (Number.isNaN(f)) throw new NumberError('invalid syntax');
  if (!Number.isFinite(f)) throw new NumberError('value out of range');
  return f;
}

interface FloatParts {
  readonly mantissa: bigint;
  readonly exp: number; // binary exponent for hex, unused for decimal
  readonly neg: boolean;
  readonly hex: boolean;
  readonly end: number;
}

/** strconv's readFloat: the syntax of a decimal or hexadecimal float. */
function readFloat(s: string): FloatParts | undefined {
  let underscores = false;
  let i = 0;
  let neg = false;
  if (s[i] === '+') i++;
  else if (s[i] === '-') [i, neg] = [i + 1, true];
  let base = 10;
  let expChar = 'e';
  let hex = false;
  if (i + 2 < s.length && s[i] === '0' && lower(s[i + 1] ?? '') === 'x') {
    base = 16;
    i += 2;
    expChar = 'p';
    hex = true;
  }
  let sawdot = false;
  let sawdigits = false;
  let nd = 0;
  let dp = 0;
  let mantissa = 0n;
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '_') {
      underscores = true;
      continue;
    }
    if (c === '.') {
      if (sawdot) break;
      sawdot = true;
      dp = nd;
      continue;
    }
    if (c >= '0' && c <= '9') {
      sawdigits = true;
      if (c === '0' && nd === 0) {
        dp--;
        continue;
      }
      nd++;
      mantissa = mantissa * BigInt(base) + BigInt(c.charCodeAt(0) - 48);
      continue;
    }
    if (base === 16 && lower(c) >= 'a' && lower(c) <= 'f') {
      sawdigits = true;
      nd++;
      mantissa = mantissa * 16n + BigInt(lower(c).charCodeAt(0) - 97 + 10);
      continue;
    }
    break;
  }
  if (!sawdigits) return undefined;
  if (!sawdot) dp = nd;
  let ndMant = nd;
  if (base === 16) {
    dp *= 4;
    ndMant *= 4;
  }
  if (i < s.length && lower(s[i] ?? '') === expChar) {
    i++;
    if (i >= s.length) return undefined;
    let esign = 1;
    if (s[i] === '+') i++;
    else if (s[i] === '-') [i, esign] = [i + 1, -1];
    if (i >= s.length || !((s[i] ?? '') >= '0' && (s[i] ?? '') <= '9')) return undefined;
    let e = 0;
    for (; i < s.length && (((s[i] ?? '') >= '0' && (s[i] ?? '') <= '9') || s[i] === '_'); i++) {
      if (s[i] === '_') {
        underscores = true;
        continue;
      }
      if (e < 10000) e = e * 10 + (s.charCodeAt(i) - 48);
    }
    dp += e * esign;
  } else if (base === 16) {
    return undefined;
  }
  if (underscores && !underscoreOK(s.slice(0, i))) return undefined;
  return { mantissa, exp: mantissa !== 0n ? dp - ndMant : 0, neg, hex, end: i };
}

/** mantissa * 2^exp rounded to the nearest float64, ties to even. */
function hexFloat(mantissa: bigint, exp: number, neg: boolean): number {
  if (mantissa === 0n) return neg ? -0 : 0;
  // Scale so that the mantissa has 64+ significant bits below the binary point's reach, then let
  // Number() round once: for results in the normal range Number(bigint) * 2^k is exact after rounding.
  let m = mantissa;
  let e = exp;
  const bits = m.toString(2).length;
  const top = bits + e; // value is in [2^(top-1), 2^top)
  if (top > 1024) return neg ? -Infinity : Infinity;
  // Keep 53 significant bits (fewer for subnormals), rounding half to even with a sticky bit.
  const keep = Math.max(Math.min(53, top + 1074), 0);
  const drop = bits - keep;
  if (drop > 0) {
    const d = BigInt(drop);
    const q = m >> d;
    const rem = m - (q << d);
    const half = 1n << (d - 1n);
    m = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
    e += drop;
  }
  const f = Number(m) * 2 ** e;
  const r = Number.isFinite(f) ? f : Number(m) * 2 ** (e - 100) * 2 ** 100;
  return neg ? -r : r;
}

/** A parsed complex literal "a+bi" (as fmt.Sscan reads it into a complex128). */
export function parseComplex(s: string): { re: number; im: number } {
  if (!s.endsWith('i')) throw new NumberError('invalid syntax');
  for (let i = s.length - 2; i > 0; i--) {
    const c = s[i];
    const prev = lower(s[i - 1] ?? '');
    if ((c === '+' || c === '-') && prev !== 'e' && prev !== 'p') {
      return { re: parseFloat64(s.slice(0, i)), im: parseFloat64(s.slice(i, -1)) };
    }
  }
  throw new NumberError('invalid syntax');
}
