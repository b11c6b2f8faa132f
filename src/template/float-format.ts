// strconv.FormatFloat(f, fmt, prec, 64) for the formats fmt uses: 'e', 'E', 'f', 'g', 'G', 'b', 'x', 'X'.
// Shortest forms take their digits from JavaScript (which, like Go, picks the shortest digits that round
// trip, closest to the value); fixed precisions round the exact binary value, half to even, as Go does.

interface Digits {
  d: string; // significant decimal digits, no leading or trailing zeros
  dp: number; // position of the decimal point relative to d
}

const view = new DataView(new ArrayBuffer(8));

function bitsOf(f: number): { neg: boolean; exp: number; mant: bigint } {
  view.setFloat64(0, f);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  return { neg: hi >>> 31 === 1, exp: (hi >>> 20) & 0x7ff, mant: (BigInt(hi & 0xfffff) << 32n) | BigInt(lo) };
}

function shortestDigits(f: number): Digits {
  if (f === 0) return { d: '', dp: 0 };
  const [mant = '', exp = '0'] = Math.abs(f).toExponential().split('e');
  const d = mant.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(exp) + 1 };
}

/** The exact decimal expansion of |f|. */
function exactDigits(f: number): Digits {
  const { exp, mant } = bitsOf(f);
  let m = mant;
  let e = exp;
  if (e === 0) e = 1;
  else m |= 1n << 52n;
  e -= 1075;
  if (m === 0n) return { d: '', dp: 0 };
  let s: string;
  let dp: number;
  if (e >= 0) {
    s = (m << BigInt(e)).toString();
    dp = s.length;
  } else {
    s = (m * 5n ** BigInt(-e)).toString();
    dp = s.length + e;
  }
  const trimmed = s.replace(/0+$/, '');
  return { d: trimmed, dp };
}

/** Rounds to nd digits as Go's decimal.Round does for an exact value (halfway rounds to even). */
function round(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x;
  const c = x.d.charCodeAt(nd);
  let up: boolean;
  if (c === 0x35 && nd + 1 === x.d.length) up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 !== 0;
  else up = c >= 0x35;
  if (!up) return { d: x.d.slice(0, nd).replace(/0+$/, ''), dp: x.d.slice(0, nd).replace(/0+$/, '') === '' ? 0 : x.dp };
  for (let i = nd - 1; i >= 0; i--) {
    if (x.d[i] !== '9') {
      return { d: x.d.slice(0, i) + String.fromCharCode(x.d.charCodeAt(i) + 1), dp: x.dp };
    }
  }
  return { d: '1', dp: x.dp + 1 };
}

function fmtE(neg: boolean, x: Digits, prec: number, fmt: string): string {
  let out = neg ? '-' : '';
  out += x.d.length !== 0 ? x.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(x.d.length, prec + 1);
    out += x.d.slice(1, m);
    for (let i = Math.max(m, 1); i <= prec; i++) out += '0';
  }
  out += fmt;
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  out += exp < 10 ? '0' + exp : String(exp);
  return out;
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    out += x.d.slice(0, m);
    for (let i = m; i < x.dp; i++) out += '0';
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = x.dp + i;
      out += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return out;
}

function formatDigits(neg: boolean, x: Digits, prec: number, fmt: string, shortest: boolean): string {
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, x, prec, fmt);
    case 'f':
      return fmtF(neg, x, prec);
    default: {
      // 'g' / 'G'
      const nd = x.d.length;
      let eprec = prec;
      if (eprec > nd && nd >= x.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = x.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(neg, x, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > x.dp) prec = nd;
      return fmtF(neg, x, Math.max(prec - x.dp, 0));
    }
  }
}

function fmtB(f: number): string {
  const { neg, exp, mant } = bitsOf(f);
  let m = mant;
  let e = exp;
  if (e === 0) e = 1;
  else m |= 1n << 52n;
  e += -1023 - 52;
  return (neg ? '-' : '') + m.toString() + 'p' + (e >= 0 ? '+' : '') + e;
}

function fmtX(f: number, prec: number, fmt: string): string {
  const { neg, exp: rawExp, mant: rawMant } = bitsOf(f);
  let mant = rawMant;
  let exp = rawExp;
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  exp -= 1023;
  if (mant === 0n) exp = 0;
  const mask64 = (1n << 64n) - 1n;
  mant <<= 60n - 52n;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant = (mant << (60n - shift)) & mask64;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const digits = fmt === 'X' ? '0123456789ABCDEF' : '0123456789abcdef';
  let out = (neg ? '-' : '') + '0' + fmt + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & mask64;
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += digits[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask64;
    }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += digits[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask64;
    }
  }
  out += fmt === 'X' ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  const a = Math.abs(exp);
  out += a < 10 ? '0' + a : String(a);
  return out;
}

/** strconv.FormatFloat(f, fmt, prec, 64). */
export function formatFloat(f: number, fmt: string, prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (fmt === 'b') return fmtB(f);
  if (fmt === 'x' || fmt === 'X') return fmtX(f, prec, fmt);
  const neg = f < 0 || Object.is(f, -0);
  if (prec < 0) {
    const x = shortestDigits(f);
    let p: number;
    if (fmt === 'e' || fmt === 'E') p = Math.max(x.d.length - 1, 0);
    else if (fmt === 'f') p = Math.max(x.d.length - x.dp, 0);
    else p = x.d.length;
    return formatDigits(neg, x, p, fmt, true);
  }
  let x = exactDigits(f);
  let p = prec;
  if (fmt === 'e' || fmt === 'E') x = round(x, p + 1);
  else if (fmt === 'f') x = round(x, x.dp + p);
  else {
    if (p === 0) p = 1;
    x = round(x, p);
  }
  return formatDigits(neg, x, p, fmt, false);
}
