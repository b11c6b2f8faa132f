// Go's strconv quoting rules: Quote, QuoteToASCII, QuoteRune, CanBackquote, Unquote and UnquoteChar.
import { fromBytes, pushRune, runes } from './go-string.ts';
import { isPrint } from './unicode.ts';

const lowerHex = '0123456789abcdef';

function hex(n: number, digits: number): string {
  let s = '';
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) s += lowerHex[(n >>> shift) & 0xf];
  return s;
}

function escapedRune(r: number, quote: string, asciiOnly: boolean): string {
  if (r === quote.charCodeAt(0) || r === 0x5c) return '\\' + String.fromCharCode(r);
  if (asciiOnly) {
    if (r < 0x80 && isPrint(r)) return String.fromCharCode(r);
  } else if (isPrint(r)) {
    return String.fromCodePoint(r);
  }
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote, or strconv.QuoteToASCII when `asciiOnly`. */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const { rune, rawByte } of runes(s)) {
    out += rawByte !== undefined ? '\\x' + hex(rawByte, 2) : escapedRune(rune, '"', asciiOnly);
  }
  return out + '"';
}

/** strconv.QuoteRune, or strconv.QuoteRuneToASCII when `asciiOnly`. */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + escapedRune(r, "'", asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const { rune, rawByte } of runes(s)) {
    if (rawByte !== undefined) return false;
    if (rune >= 0x80) {
      if (rune === 0xfeff) return false;
      continue;
    }
    if ((rune < 0x20 && rune !== 0x09) || rune === 0x60 || rune === 0x7f) return false;
  }
  return true;
}

/** Go's strconv.ErrSyntax, the one error of unquoting. */
export class UnquoteError extends Error {
  constructor() {
    super('invalid syntax');
  }
}

/** One decoded character: its value, whether it is a rune to encode (else a single byte), and the rest. */
export interface UnquotedChar {
  readonly value: number;
  readonly multibyte: boolean;
  readonly tail: string;
}

function unhex(c: string | undefined): number {
  if (c === undefined) return -1;
  const x = c.charCodeAt(0);
  if (x >= 0x30 && x <= 0x39) return x - 0x30;
  if (x >= 0x61 && x <= 0x66) return x - 0x61 + 10;
  if (x >= 0x41 && x <= 0x46) return x - 0x41 + 10;
  return -1;
}

/** strconv.UnquoteChar: decodes the first character or escape of `s`, quoted by `quoteChar`. */
export function unquoteChar(s: string, quoteChar: string): UnquotedChar {
  if (s.length === 0) throw new UnquoteError();
  const c = s.charCodeAt(0);
  if (s[0] === quoteChar && (quoteChar === "'" || quoteChar === '"')) throw new UnquoteError();
  if (c >= 0x80) {
    const cp = s.codePointAt(0) ?? c;
    const width = cp > 0xffff ? 2 : 1;
    return { value: cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp, multibyte: true, tail: s.slice(width) };
  }
  if (s[0] !== '\\') return { value: c, multibyte: false, tail: s.slice(1) };
  if (s.length <= 1) throw new UnquoteError();
  const e = s[1] ?? '';
  let rest = s.slice(2);
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };
  if (Object.hasOwn(simple, e)) return { value: simple[e] ?? 0, multibyte: false, tail: rest };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    if (rest.length < n) throw new UnquoteError();
    let v = 0;
    for (let j = 0; j < n; j++) {
      const x = unhex(rest[j]);
      if (x < 0) throw new UnquoteError();
      v = v * 16 + x;
    }
    rest = rest.slice(n);
    if (e === 'x') return { value: v, multibyte: false, tail: rest };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new UnquoteError();
    return { value: v, multibyte: true, tail: rest };
  }
  if (e >= '0' && e <= '7') {
    let v = e.charCodeAt(0) - 0x30;
    if (rest.length < 2) throw new UnquoteError();
    for (let j = 0; j < 2; j++) {
      const x = rest.charCodeAt(j) - 0x30;
      if (x < 0 || x > 7) throw new UnquoteError();
      v = (v << 3) | x;
    }
    if (v > 255) throw new UnquoteError();
    return { value: v, multibyte: false, tail: rest.slice(2) };
  }
  if (e === "'" || e === '"') {
    if (e !== quoteChar) throw new UnquoteError();
    return { value: e.charCodeAt(0), multibyte: false, tail: rest };
  }
  throw new UnquoteError();
}

/** strconv.Unquote for the quoted and raw strings the lexer delivers. */
export function unquote(s: string): string {
  if (s.length < 2) throw new UnquoteError();
  const q = s[0];
  if (q === '`') {
    const end = s.indexOf('`', 1);
    if (end !== s.length - 1) throw new UnquoteError();
    return s.slice(1, end).replaceAll('\r', '');
  }
  if (q !== '"' && q !== "'") throw new UnquoteError();
  const bytes: number[] = [];
  let rest = s.slice(1);
  while (rest.length > 0 && rest[0] !== q) {
    if (rest[0] === '\n') throw new UnquoteError();
    const ch = unquoteChar(rest, q);
    rest = ch.tail;
    if (ch.value < 0x80 || !ch.multibyte) bytes.push(ch.value);
    else pushRune(bytes, ch.value);
    if (q === "'") break;
  }
  if (rest !== q) throw new UnquoteError();
  return fromBytes(Uint8Array.from(bytes));
}
