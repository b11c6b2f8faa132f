// Go's fmt printing (Sprint, Sprintln, Sprintf) over the engine's values: verbs, flags, width, precision,
// argument indexes, and the `%!verb(type=value)` forms for mismatches.
import { BudgetExceeded, CharacterBudget } from './character-budget.ts';
import { formatFloat } from './float-format.ts';
import { compareStrings, runeCount, toBytes, truncateRunes } from './go-string.ts';
import { canBackquote, quote, quoteRune } from './quote.ts';
import { isPrint } from './unicode.ts';
import { Refusal } from './refusal.ts';
import {
  type GoComplex,
  GoMap,
  GoNamed,
  GoPointer,
  GoSlice,
  GoStringMap,
  GoStruct,
  GoUint8,
  InterfaceValue,
  Kind,
  kindOf,
  mapGet,
  mapKeys,
  typeName,
  underlying,
} from './values.ts';

function isKubernetesValue(v: unknown): boolean {
  return v instanceof GoNamed || v instanceof GoPointer || v instanceof GoSlice || v instanceof GoMap || (v instanceof GoStruct && (v.type.methods !== undefined || v.type.stringer !== undefined));
}

function refuseAddress(v: unknown): never {
  throw new Refusal(`Go prints the memory address of a ${typeName(v)} here; the registrar does not print addresses`);
}

const ldigits = '0123456789abcdefx';
const udigits = '0123456789ABCDEFX';
const maxWidth = 1e6;
/** Where a message is cut: one may print a value of the data, which shared lists can make huge. */
const maxMessageLength = 1 << 20;

class Printer {
  buf = '';
  private readonly budget: CharacterBudget;
  // fmt flags
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  prec = 0;
  // printer state
  arg: unknown = undefined;
  argIsSet = false;
  value: unknown = undefined;
  valueIsSet = false;
  reordered = false;
  goodArgNum = true;

  constructor(budget: CharacterBudget) {
    this.budget = budget;
  }

  /** Every character reaches buf here, counted before it is appended. */
  write(s: string): void {
    this.budget.charge(s.length);
    this.buf += s;
  }

  clearFlags(): void {
    this.widPresent = this.precPresent = this.minus = this.plus = this.sharp = false;
    this.space = this.zero = this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.budget.charge(n);
    this.buf += (this.zero && !this.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.write(s);
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.write(s);
    } else {
      this.write(s);
      this.writePadding(width);
    }
  }

  fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    this.budget.ensure(prec);
    let digits = u.toString(16).toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    let s = 'U+' + digits;
    if (this.sharp && u <= 0x10ffffn && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtInteger(value: bigint, base: number, verb: string, digits: string): void {
    const negative = value < 0n;
    let u = negative ? -value : value;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    this.budget.ensure(prec);
    let s = '';
    const b = BigInt(base);
    while (u >= b) {
      s = (digits[Number(u % b)] ?? '') + s;
      u /= b;
    }
    s = (digits[Number(u)] ?? '') + s;
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8) {
        if (s[0] !== '0') s = '0' + s;
      } else if (base === 16) s = '0' + digits[16] + s;
    }
    if (verb === 'O') s = '0o' + s;
    if (negative) s = '-' + s;
    else if (this.plus) s = '+' + s;
    else if (this.space) s = ' ' + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtS(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    this.pad(s);
  }

  fmtSx(s: string, digits: string): void {
    const b = toBytes(s);
    let length = b.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    this.budget.ensure(width);
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = '';
    if (this.sharp) out += '0' + digits[16];
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += '0' + digits[16];
      }
      const c = b[i] ?? 0;
      out += (digits[c >> 4] ?? '') + (digits[c & 0xf] ?? '');
    }
    this.write(out);
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtQ(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    // Quoting never shrinks a string and at most multiplies it by six (\u2028 for one code unit).
    this.budget.ensure(s.length);
    if (this.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(quote(s, this.plus));
  }

  fmtC(c: bigint): void {
    const r = c > 0x10ffffn || c < 0n ? 0xfffd : Number(c);
    this.pad(String.fromCodePoint(r >= 0xd800 && r <= 0xdfff ? 0xfffd : r));
  }

  fmtQc(c: bigint): void {
    const r = c > 0x10ffffn || c < 0n ? 0xfffd : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  fmtFloatNum(v: number, verb: string, precArg: number): void {
    const prec = this.precPresent ? this.prec : precArg;
    this.budget.ensure(prec);
    let num = formatFloat(v, verb, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let body = num;
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < body.length; i++) {
        const ch = body[i] ?? '';
        if (ch === '.') {
          hasDecimalPoint = true;
        } else if (ch === 'p' || ch === 'P') {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        } else if ((ch === 'e' || ch === 'E') && verb !== 'x' && verb !== 'X') {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        } else {
          if (ch !== '0') sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.write(num[0] ?? '');
        this.writePadding(this.wid - num.length);
        this.write(num.slice(1));
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // pp methods

  badVerb(verb: string): void {
    this.write('%!' + verb + '(');
    if (this.argIsSet && this.arg !== undefined && this.arg !== null) {
      this.write(typeName(this.arg) + '=');
      this.printArg(this.arg, 'v');
    } else if (this.valueIsSet && this.value !== undefined) {
      this.write(typeName(this.value) + '=');
      this.printValue(this.value, 'v', 0);
    } else {
      this.write('<nil>');
    }
    this.write(')');
  }

  fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  fmtIntegerVerb(v: bigint, isSigned: boolean, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV && !isSigned) {
          const sharp = this.sharp;
          this.sharp = true;
          this.fmtInteger(v, 16, 'v', ldigits);
          this.sharp = sharp;
        } else this.fmtInteger(v, 10, verb, ldigits);
        return;
      case 'd':
        return this.fmtInteger(v, 10, verb, ldigits);
      case 'b':
        return this.fmtInteger(v, 2, verb, ldigits);
      case 'o':
      case 'O':
        return this.fmtInteger(v, 8, verb, ldigits);
      case 'x':
        return this.fmtInteger(v, 16, verb, ldigits);
      case 'X':
        return this.fmtInteger(v, 16, verb, udigits);
      // Go passes these the value as a uint64: a negative int is a huge code point.
      case 'c':
        return this.fmtC(BigInt.asUintN(64, v));
      case 'q':
        return this.fmtQc(BigInt.asUintN(64, v));
      case 'U':
        return this.fmtUnicode(BigInt.asUintN(64, v));
      default:
        this.badVerb(verb);
    }
  }

  fmtFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloatNum(v, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloatNum(v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
        return this.fmtFloatNum(v, verb, 6);
      case 'F':
        return this.fmtFloatNum(v, 'f', 6);
      default:
        this.badVerb(verb);
    }
  }

  fmtComplex(v: GoComplex, verb: string): void {
    if ('vbgGxXfFeE'.includes(verb)) {
      const oldPlus = this.plus;
      this.write('(');
      this.fmtFloat(v.re, verb);
      this.plus = true;
      this.fmtFloat(v.im, verb);
      this.write('i)');
      this.plus = oldPlus;
    } else {
      this.badVerb(verb);
    }
  }

  fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSx(v, ldigits);
      case 'X':
        return this.fmtSx(v, udigits);
      case 'q':
        return this.fmtQ(v);
      default:
        this.badVerb(verb);
    }
  }

  printArg(arg: unknown, verb: string): void {
    if (arg instanceof InterfaceValue) arg = arg.value;
    this.arg = arg;
    this.argIsSet = true;
    this.value = undefined;
    this.valueIsSet = false;
    if (arg === undefined || arg === null) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') {
      this.fmtS(typeName(arg));
      return;
    }
    if (verb === 'p') {
      if (isKubernetesValue(arg)) refuseAddress(arg);
      // Go prints the address of a map or slice; the engine has none to print.
      this.badVerb(verb);
      return;
    }
    this.printValue(arg, verb, 0);
  }

  printValue(value: unknown, verb: string, depth: number): void {
    if (depth > 0) {
      this.arg = undefined;
      this.argIsSet = false;
      this.value = value;
      this.valueIsSet = true;
    }
    if (this.sharpV && isKubernetesValue(value)) {
      throw new Refusal(`%#v of ${typeName(value)} prints Go syntax with memory addresses; the registrar does not print it`);
    }
    switch (kindOf(value)) {
      case Kind.Pointer:
        return this.printPointer(value as GoPointer, verb, depth);
      case Kind.TypedSlice: {
        const a = value as GoSlice;
        this.write('[');
        for (let i = 0; i < a.length; i++) {
          if (i > 0) this.write(' ');
          this.printValue(a.at(i), verb, depth + 1);
        }
        this.write(']');
        return;
      }
      case Kind.TypedMap: {
        const m = value as GoMap;
        this.write('map[');
        m.keys()
          .sort(compareStrings)
          .forEach((key, i) => {
            if (i > 0) this.write(' ');
            this.printValue(key, verb, depth + 1);
            this.write(':');
            this.printValue(m.get(key), verb, depth + 1);
          });
        this.write(']');
        return;
      }
      case Kind.Invalid:
      case Kind.Nil:
        if (depth === 0) {
          this.write('<invalid reflect.Value>');
        } else if (this.sharpV) {
          this.write('interface {}(nil)');
        } else {
          this.write('<nil>');
        }
        return;
      case Kind.Bool:
        return this.fmtBool(underlying(value) as boolean, verb);
      case Kind.Int:
        return this.fmtIntegerVerb(underlying(value) as bigint, true, verb);
      case Kind.Uint8:
        return this.fmtIntegerVerb(BigInt((value as GoUint8).value), false, verb);
      case Kind.Float:
        return this.fmtFloat(underlying(value) as number, verb);
      case Kind.Complex:
        return this.fmtComplex(value as GoComplex, verb);
      case Kind.String:
        return this.fmtString(underlying(value) as string, verb);
      case Kind.Map:
      case Kind.StringMap: {
        const m = value as object;
        if (this.sharpV) this.write(typeName(m) + '{');
        else this.write('map[');
        const keys = mapKeys(m).sort(compareStrings);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] ?? '';
          if (i > 0) this.write(this.sharpV ? ', ' : ' ');
          this.printValue(key, verb, depth + 1);
          this.write(':');
          this.printElement(mapGet(m, key), verb, depth + 1, !(m instanceof GoStringMap));
        }
        this.write(this.sharpV ? '}' : ']');
        return;
      }
      case Kind.Struct: {
        const s = value as GoStruct;
        const stringer = s.type.stringer;
        if (stringer !== undefined) {
          // fmt calls String() of a value's own method set; a *T Stringer's value prints its fields.
          if (stringer.receiver === 'value') return this.printStringer(s, verb);
          if (stringer.internals !== undefined) {
            if (verb !== 'v' || this.plusV) throw new Refusal(`Go prints the internal fields of a ${s.typeName} with %${this.plusV ? '+v' : verb} here; the registrar does not`);
            const internals = stringer.internals(s);
            if (internals === undefined) refuseAddress(s);
            this.write(internals);
            return;
          }
        }
        if (this.sharpV) this.write(s.typeName);
        this.write('{');
        s.fieldNames.forEach((name, i) => {
          if (i > 0) this.write(this.sharpV ? ', ' : ' ');
          if (this.plusV || this.sharpV) this.write(name + ':');
          this.printElement(s.values[i], verb, depth + 1, true);
        });
        this.write('}');
        return;
      }
      case Kind.Slice: {
        const a = value as readonly unknown[];
        if (this.sharpV) {
          this.write('[]interface {}{');
          for (let i = 0; i < a.length; i++) {
            if (i > 0) this.write(', ');
            this.printElement(a[i], verb, depth + 1, true);
          }
          this.write('}');
        } else {
          this.write('[');
          for (let i = 0; i < a.length; i++) {
            if (i > 0) this.write(' ');
            this.printElement(a[i], verb, depth + 1, true);
          }
          this.write(']');
        }
        return;
      }
      default:
        this.write('?' + typeName(value) + '?');
    }
  }

  /** A pointer: fmt calls a *T Stringer, prints &{...} for a struct, slice or map at the top, else an address. */
  private printPointer(p: GoPointer, verb: string, depth: number): void {
    const elem = p.elem;
    if (elem === null) {
      const stringer = p.elemType?.stringer;
      if (stringer !== undefined && 'vsxXq'.includes(verb)) {
        // String() on a nil receiver: its answer, or "<nil>" where it panics (fmt's catchPanic).
        if (stringer.nilString !== undefined) this.fmtString(stringer.nilString, verb);
        else this.fmtS('<nil>');
        return;
      }
      if (verb !== 'v') throw new Refusal(`Go prints a nil ${p.typeName} with %${verb} as an address; the registrar does not`);
      this.pad('<nil>');
      return;
    }
    if (elem instanceof GoStruct && elem.type.stringer !== undefined) return this.printStringer(elem, verb);
    const k = kindOf(elem);
    if (depth === 0 && (k === Kind.Struct || k === Kind.TypedSlice || k === Kind.TypedMap || k === Kind.StringMap)) {
      this.write('&');
      this.printValue(elem, verb, depth + 1);
      return;
    }
    refuseAddress(p);
  }

  private printStringer(s: GoStruct, verb: string): void {
    if (!'vsxXq'.includes(verb)) throw new Refusal(`Go prints a ${s.typeName} with %${verb} as its internal fields; the registrar does not`);
    this.fmtString((s.type.stringer as NonNullable<GoStruct['type']['stringer']>).string(s), verb);
  }

  /** An element of a container; an interface{} slot holding nil prints as <nil>. */
  private printElement(v: unknown, verb: string, depth: number, inInterface: boolean): void {
    if (inInterface && (v === null || v === undefined)) {
      this.write(this.sharpV ? 'interface {}(nil)' : '<nil>');
      return;
    }
    this.printValue(v, verb, inInterface ? depth + 1 : depth);
  }

  doPrintf(format: string, a: readonly unknown[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex: boolean;
    this.reordered = false;
    formatLoop: for (let i = 0; i < end; ) {
      this.goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.write(format.slice(lasti, i));
      if (i >= end) break;
      i++;
      this.clearFlags();
      simple: for (; i < end; i++) {
        const c = format[i] ?? '';
        switch (c) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = true;
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            if (c >= 'a' && c <= 'z' && argNum < a.length) {
              if (c === 'v' || c === 'w') {
                this.sharpV = this.sharp;
                this.sharp = false;
                this.plusV = this.plus;
                this.plus = false;
              }
              this.printVerb(a[argNum], c);
              argNum++;
              i++;
              continue formatLoop;
            }
            break simple;
        }
      }
      [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i < end && format[i] === '*') {
        i++;
        [this.wid, this.widPresent, argNum] = intFromArg(a, argNum);
        if (!this.widPresent) this.write('%!(BADWIDTH)');
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = parsenum(format, i, end);
        if (afterIndex && this.widPresent) this.goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) this.goodArgNum = false;
        [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
        if (i < end && format[i] === '*') {
          i++;
          [this.prec, this.precPresent, argNum] = intFromArg(a, argNum);
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.write('%!(BADPREC)');
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = parsenum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) [argNum, i] = this.argNumber(argNum, format, i, a.length);
      if (i >= end) {
        this.write('%!(NOVERB)');
        break;
      }
      const cp = format.codePointAt(i) ?? 0;
      const verb = String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
      i += cp > 0xffff ? 2 : 1;
      if (verb === '%') {
        this.write('%');
      } else if (!this.goodArgNum) {
        this.write('%!' + verb + '(BADINDEX)');
      } else if (argNum >= a.length) {
        this.write('%!' + verb + '(MISSING)');
      } else {
        if (verb === 'v' || verb === 'w') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printVerb(a[argNum], verb);
        argNum++;
      }
    }
    if (!this.reordered && argNum < a.length) {
      this.clearFlags();
      this.write('%!(EXTRA ');
      for (let k = argNum; k < a.length; k++) {
        if (k > argNum) this.write(', ');
        const arg = a[k];
        if (arg === undefined || arg === null) {
          this.write('<nil>');
        } else {
          this.write(typeName(arg) + '=');
          this.printArg(arg, 'v');
        }
      }
      this.write(')');
    }
  }

  /** %w outside fmt.Errorf is a bad verb, as it is for Sprintf. */
  private printVerb(arg: unknown, verb: string): void {
    if (verb === 'w') {
      this.arg = arg instanceof InterfaceValue ? arg.value : arg;
      this.argIsSet = true;
      this.valueIsSet = false;
      this.badVerb(verb);
      return;
    }
    this.printArg(arg, verb);
  }

  argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format[i] !== '[') return [argNum, i, false];
    this.reordered = true;
    const [index, wid, ok] = parseArgNumber(format.slice(i));
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }
}

function tooLarge(x: number): boolean {
  return x > maxWidth || x < -maxWidth;
}

function parsenum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && (s[i] ?? '') >= '0' && (s[i] ?? '') <= '9'; i++) {
    if (tooLarge(num)) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return [num, isnum, i];
}

function parseArgNumber(format: string): [number, number, boolean] {
  if (format.length < 3) return [0, 1, false];
  for (let i = 1; i < format.length; i++) {
    if (format[i] === ']') {
      const [width, ok, newi] = parsenum(format, 1, i);
      if (!ok || newi !== i) return [0, i + 1, false];
      return [width - 1, i + 1, true];
    }
  }
  return [0, 1, false];
}

function intFromArg(a: readonly unknown[], argNum: number): [number, boolean, number] {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < a.length) {
    let v = a[argNum];
    if (v instanceof InterfaceValue) v = v.value;
    if (typeof v === 'bigint' && v >= -(1n << 63n) && v < 1n << 63n) {
      num = Number(v);
      isInt = true;
      if (!Number.isSafeInteger(num)) [num, isInt] = [0, false];
    } else if (v instanceof GoUint8) {
      num = v.value;
      isInt = true;
    }
    newArgNum = argNum + 1;
    if (tooLarge(num)) [num, isInt] = [0, false];
  }
  return [num, isInt, newArgNum];
}

/** fmt.Sprintf, for messages: cut with "..." past a mebibyte. */
export function sprintf(format: string, ...args: unknown[]): string {
  const p = new Printer(new CharacterBudget(maxMessageLength));
  try {
    p.doPrintf(format, args);
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    return p.buf + '...';
  }
  return p.buf;
}

/** fmt.Sprintf, producing at most what is left of `budget`. */
export function sprintfWithin(budget: CharacterBudget, format: string, args: readonly unknown[]): string {
  const p = new Printer(budget);
  p.doPrintf(format, args);
  return p.buf;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[], budget: CharacterBudget): string {
  const p = new Printer(budget);
  let prevString = false;
  args.forEach((arg, i) => {
    // Go: an operand whose kind is string, named string types included.
    const isString = kindOf(arg instanceof InterfaceValue ? arg.value : arg) === Kind.String;
    if (i > 0 && !isString && !prevString) p.write(' ');
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln. */
export function sprintln(args: readonly unknown[], budget: CharacterBudget): string {
  const p = new Printer(budget);
  args.forEach((arg, i) => {
    if (i > 0) p.write(' ');
    p.printArg(arg, 'v');
  });
  p.write('\n');
  return p.buf;
}

/** fmt.Sprint of one value, with a fast path for the common scalar kinds. */
export function printOne(v: unknown, budget: CharacterBudget): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
  }
  return sprint([v], budget);
}
