// The escaping builtins html, js and urlquery (text/template's HTMLEscapeString, JSEscapeString and
// net/url's QueryEscape), byte for byte.
import { decodeRune, fromBytes, toBytes } from './go-string.ts';
import { isPrint } from './unicode.ts';

const hexUpper = '0123456789ABCDEF';

/** text/template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  if (!/['"&<>\0]/.test(s)) return s;
  return s.replace(/['"&<>\0]/g, (c) => {
    switch (c) {
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '\uFFFD';
    }
  });
}

function jsIsSpecial(c: number): boolean {
  return c === 0x5c || c === 0x27 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x3d || c < 0x20 || c >= 0x80;
}

/** text/template.JSEscapeString. */
export function jsEscape(s: string): string {
  let special = false;
  for (let i = 0; i < s.length; i++) if (jsIsSpecial(s.charCodeAt(i))) special = true;
  if (!special) return s;
  const b = toBytes(s);
  const out: number[] = [];
  const put = (t: string): void => {
    for (let k = 0; k < t.length; k++) out.push(t.charCodeAt(k));
  };
  for (let i = 0; i < b.length; i++) {
    const c = b[i] ?? 0;
    if (!jsIsSpecial(c)) {
      out.push(c);
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case 0x5c:
          put('\\\\');
          break;
        case 0x27:
          put("\\'");
          break;
        case 0x22:
          put('\\"');
          break;
        case 0x3c:
          put('\\u003C');
          break;
        case 0x3e:
          put('\\u003E');
          break;
        case 0x26:
          put('\\u0026');
          break;
        case 0x3d:
          put('\\u003D');
          break;
        default:
          put('\\u00' + hexUpper[c >> 4] + hexUpper[c & 0xf]);
      }
      continue;
    }
    const d = decodeRune(b, i);
    if (isPrint(d.rune)) for (let k = 0; k < d.width; k++) out.push(b[i + k] ?? 0);
    else put('\\u' + d.rune.toString(16).toUpperCase().padStart(4, '0'));
    i += d.width - 1;
  }
  return fromBytes(Uint8Array.from(out));
}

function shouldEscapeQuery(c: number): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return false;
  return !(c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e);
}

/** net/url.QueryEscape. */
export function urlQueryEscape(s: string): string {
  const b = toBytes(s);
  let out = '';
  for (const c of b) {
    if (c === 0x20) out += '+';
    else if (shouldEscapeQuery(c)) out += '%' + hexUpper[c >> 4] + hexUpper[c & 0xf];
    else out += String.fromCharCode(c);
  }
  return out;
}
