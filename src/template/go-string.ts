// Go strings are bytes; JavaScript strings are UTF-16. The engine keeps Go strings as JavaScript strings and
// stands for each byte that is not part of valid UTF-8 (made by `slice`, `"\xff"` escapes) by the lone
// surrogate U+DC80 + (byte - 0x80), as Python's "surrogateescape" does. Well-formed input has no lone
// surrogates, so the mapping is lossless, and `len`, `index`, `slice`, `%q` and `%x` see Go's bytes.

const ESCAPE_BASE = 0xdc00;

/** Whether the code unit stands for a raw byte (0x80..0xFF). */
function isEscapedByte(unit: number): boolean {
  return unit >= 0xdc80 && unit <= 0xdcff;
}

/** Whether every code unit is ASCII, so that bytes and code units coincide. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** The length of the string in Go bytes. */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else if (isEscapedByte(c)) n += 1;
    else n += 3;
  }
  return n;
}

/** The Go bytes of the string. */
export function toBytes(s: string): Uint8Array {
  if (s.isWellFormed()) return Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isEscapedByte(c)) {
      out.push(c - ESCAPE_BASE);
      continue;
    }
    const cp = s.codePointAt(i) ?? c;
    if (cp > 0xffff) i++;
    pushRune(out, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
  }
  return Uint8Array.from(out);
}

/** Appends the UTF-8 encoding of a valid rune. */
export function pushRune(out: number[], r: number): void {
  if (r < 0x80) out.push(r);
  else if (r < 0x800) out.push(0xc0 | (r >> 6), 0x80 | (r & 0x3f));
  else if (r < 0x10000) out.push(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
  else out.push(0xf0 | (r >> 18), 0x80 | ((r >> 12) & 0x3f), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
}

/** Decodes one rune as Go's utf8.DecodeRune does: an invalid byte decodes alone, as width 1. */
export function decodeRune(b: Uint8Array, i: number): { rune: number; width: number; valid: boolean } {
  const b0 = b[i] ?? 0;
  if (b0 < 0x80) return { rune: b0, width: 1, valid: true };
  const bad = { rune: 0xfffd, width: 1, valid: false };
  const cont = (k: number): number => {
    const x = b[i + k];
    return x !== undefined && (x & 0xc0) === 0x80 ? x & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? bad : { rune: ((b0 & 0x1f) << 6) | c1, width: 2, valid: true };
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return bad;
    const r = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
    if (r < 0x800 || (r >= 0xd800 && r <= 0xdfff)) return bad;
    return { rune: r, width: 3, valid: true };
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return bad;
    const r = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (r < 0x10000 || r > 0x10ffff) return bad;
    return { rune: r, width: 4, valid: true };
  }
  return bad;
}

/** The Go string whose bytes are `b`. */
export function fromBytes(b: Uint8Array): string {
  let ascii = true;
  for (const x of b) if (x >= 0x80) ascii = false;
  if (ascii) return Buffer.from(b).toString('latin1');
  let out = '';
  for (let i = 0; i < b.length; ) {
    const d = decodeRune(b, i);
    out += d.valid ? String.fromCodePoint(d.rune) : String.fromCharCode(ESCAPE_BASE + (b[i] ?? 0));
    i += d.width;
  }
  return out;
}

/** One rune of a Go string: its value (U+FFFD for a raw byte), and the raw byte when it is one. */
export interface GoRune {
  readonly rune: number;
  readonly rawByte: number | undefined;
}

/** The runes of a Go string, as `for range` over a Go string sees them. */
export function* runes(s: string): Generator<GoRune> {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isEscapedByte(c)) {
      yield { rune: 0xfffd, rawByte: c - ESCAPE_BASE };
      continue;
    }
    const cp = s.codePointAt(i) ?? c;
    if (cp > 0xffff) i++;
    yield { rune: cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp, rawByte: undefined };
  }
}

/** The number of runes, as utf8.RuneCountInString counts them (a raw byte counts as one). */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    n++;
  }
  return n;
}

/** The first `n` runes of the string. */
export function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return s.slice(0, i);
}

/** The byte at Go index `i` (the caller has checked the range). */
export function byteAt(s: string, i: number): number {
  if (isAscii(s)) return s.charCodeAt(i);
  return toBytes(s)[i] ?? 0;
}

/** s[i:j] in Go. */
export function sliceBytes(s: string, i: number, j: number): string {
  if (isAscii(s)) return s.slice(i, j);
  return fromBytes(toBytes(s).subarray(i, j));
}

/** The string as text a JavaScript caller can use: raw bytes become U+FFFD, as Go's JSON encoder does. */
export function toWellFormedText(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}

/** Compares two Go strings as Go does, byte by byte. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    if (isEscapedByte(x) || isEscapedByte(y)) return compareBytes(toBytes(a), toBytes(b));
    // UTF-8 orders by code point: surrogate pairs (above U+FFFF) sort after U+E000..U+FFFF.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}
