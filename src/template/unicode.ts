// Go's unicode predicates over runes. The tables come from the JavaScript engine's Unicode version, which
// may be newer than the Go toolchain's; the two differ only on characters assigned in between.

const graphic = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const letter = /^\p{L}$/u;
const decimalDigit = /^\p{Nd}$/u;

/** unicode.IsPrint / strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(r: number): boolean {
  if (r <= 0xff) {
    if (r >= 0x20 && r <= 0x7e) return true;
    if (r >= 0xa1 && r <= 0xff) return r !== 0xad;
    return false;
  }
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return graphic.test(String.fromCodePoint(r));
}

/** unicode.IsLetter. */
export function isLetter(r: number): boolean {
  if (r < 0x80) return (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return letter.test(String.fromCodePoint(r));
}

/** unicode.IsDigit (decimal digits of any script). */
export function isDigit(r: number): boolean {
  if (r < 0x80) return r >= 0x30 && r <= 0x39;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return decimalDigit.test(String.fromCodePoint(r));
}
