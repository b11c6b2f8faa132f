// The lexer of Go's text/template (parse/lex.go): the same items, trim markers, comments and errors. It
// works on UTF-16 positions; error messages convert them to Go's byte columns.
import { sprintf } from './fmt.ts';
import { isDigit, isLetter } from './unicode.ts';

export const ItemType = {
  Error: 0,
  Bool: 1,
  Char: 2,
  CharConstant: 3,
  Comment: 4,
  Complex: 5,
  Assign: 6,
  Declare: 7,
  EOF: 8,
  Field: 9,
  Identifier: 10,
  LeftDelim: 11,
  LeftParen: 12,
  Number: 13,
  Pipe: 14,
  RawString: 15,
  RightDelim: 16,
  RightParen: 17,
  Space: 18,
  String: 19,
  Text: 20,
  Variable: 21,
  // Keywords appear after all the rest.
  Keyword: 22,
  Block: 23,
  Break: 24,
  Continue: 25,
  Dot: 26,
  Define: 27,
  Else: 28,
  End: 29,
  If: 30,
  Nil: 31,
  Range: 32,
  Template: 33,
  With: 34,
} as const;
export type ItemType = (typeof ItemType)[keyof typeof ItemType];

const keywords = new Map<string, ItemType>([
  ['.', ItemType.Dot],
  ['block', ItemType.Block],
  ['break', ItemType.Break],
  ['continue', ItemType.Continue],
  ['define', ItemType.Define],
  ['else', ItemType.Else],
  ['end', ItemType.End],
  ['if', ItemType.If],
  ['range', ItemType.Range],
  ['nil', ItemType.Nil],
  ['template', ItemType.Template],
  ['with', ItemType.With],
]);

export interface Item {
  readonly typ: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

/** How an item reads in a parse error, as Go's item.String() prints it. */
export function itemString(i: Item): string {
  if (i.typ === ItemType.EOF) return 'EOF';
  if (i.typ === ItemType.Error) return i.val;
  if (i.typ > ItemType.Keyword) return `<${i.val}>`;
  if ([...i.val].length > 10) return sprintf('%.10q...', i.val);
  return sprintf('%q', i.val);
}

const EOF = -1;
const spaceChars = ' \t\r\n';
const leftComment = '/*';
const rightComment = '*/';

function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
}

function isAlphaNumeric(r: number): boolean {
  return r === 0x5f || isLetter(r) || isDigit(r);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && s[at] === '-' && isSpace(s.charCodeAt(at + 1));
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && isSpace(s.charCodeAt(at)) && s[at + 1] === '-';
}

function rightTrimLength(s: string): number {
  let n = s.length;
  while (n > 0 && spaceChars.includes(s[n - 1] ?? '')) n--;
  return s.length - n;
}

function leftTrimLength(s: string, at: number): number {
  let n = at;
  while (n < s.length && spaceChars.includes(s[n] ?? '')) n++;
  return n - at;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 0x0a) n++;
  return n;
}

type StateFn = ((l: Lexer) => StateFn) | null;

export class Lexer {
  private input: string;
  private readonly leftDelim: string;
  private readonly rightDelim: string;
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private item: Item = { typ: ItemType.EOF, pos: 0, val: 'EOF', line: 1 };
  private insideAction = false;

  constructor(input: string, left: string, right: string) {
    this.input = input;
    this.leftDelim = left === '' ? '{{' : left;
    this.rightDelim = right === '' ? '}}' : right;
  }

  nextItem(): Item {
    this.item = { typ: ItemType.EOF, pos: this.pos, val: 'EOF', line: this.startLine };
    let state: StateFn = this.insideAction ? lexInsideAction : lexText;
    while (state !== null) state = state(this);
    return this.item;
  }

  // primitives

  next(): number {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) ?? 0;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const c = this.input.charCodeAt(this.pos - 1);
      const w = (c & 0xfc00) === 0xdc00 && this.pos >= 2 && (this.input.charCodeAt(this.pos - 2) & 0xfc00) === 0xd800 ? 2 : 1;
      this.pos -= w;
      if (c === 0x0a) this.line--;
    }
  }

  thisItem(t: ItemType): Item {
    const i = { typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return i;
  }

  emit(t: ItemType): StateFn {
    return this.emitItem(this.thisItem(t));
  }

  emitItem(i: Item): StateFn {
    this.item = i;
    return null;
  }

  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(format: string, ...args: unknown[]): StateFn {
    this.item = { typ: ItemType.Error, pos: this.start, val: sprintf(format, ...args), line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.input = '';
    return null;
  }

  atRightDelim(): [boolean, boolean] {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(this.rightDelim, this.pos + 2)) {
      return [true, true];
    }
    if (this.input.startsWith(this.rightDelim, this.pos)) return [true, false];
    return [false, false];
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
    }
    return this.input.startsWith(this.rightDelim, this.pos);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  // state functions need the private fields

  static lexText(l: Lexer): StateFn {
    const x = l.input.indexOf(l.leftDelim, l.pos);
    if (x >= 0) {
      if (x > l.pos) {
        l.pos = x;
        let trimLength = 0;
        const delimEnd = l.pos + l.leftDelim.length;
        if (hasLeftTrimMarker(l.input, delimEnd)) trimLength = rightTrimLength(l.input.slice(l.start, l.pos));
        l.pos -= trimLength;
        l.line += countNewlines(l.input, l.start, l.pos);
        const i = l.thisItem(ItemType.Text);
        l.pos += trimLength;
        l.ignore();
        if (i.val.length > 0) return l.emitItem(i);
      }
      return lexLeftDelim;
    }
    l.pos = l.input.length;
    if (l.pos > l.start) {
      l.line += countNewlines(l.input, l.start, l.pos);
      return l.emit(ItemType.Text);
    }
    return l.emit(ItemType.EOF);
  }

  static lexLeftDelim(l: Lexer): StateFn {
    l.pos += l.leftDelim.length;
    const trimSpace = hasLeftTrimMarker(l.input, l.pos);
    const afterMarker = trimSpace ? 2 : 0;
    if (l.input.startsWith(leftComment, l.pos + afterMarker)) {
      l.pos += afterMarker;
      l.ignore();
      return lexComment;
    }
    const i = l.thisItem(ItemType.LeftDelim);
    l.insideAction = true;
    l.pos += afterMarker;
    l.ignore();
    l.parenDepth = 0;
    return l.emitItem(i);
  }

  static lexComment(l: Lexer): StateFn {
    l.pos += leftComment.length;
    const x = l.input.indexOf(rightComment, l.pos);
    if (x < 0) return l.errorf('unclosed comment');
    l.pos = x + rightComment.length;
    const [delim, trimSpace] = l.atRightDelim();
    if (!delim) return l.errorf('comment ends before closing delimiter');
    l.line += countNewlines(l.input, l.start, l.pos);
    l.thisItem(ItemType.Comment);
    if (trimSpace) l.pos += 2;
    l.pos += l.rightDelim.length;
    if (trimSpace) l.pos += leftTrimLength(l.input, l.pos);
    l.ignore();
    return lexText;
  }

  static lexRightDelim(l: Lexer): StateFn {
    const [, trimSpace] = l.atRightDelim();
    if (trimSpace) {
      l.pos += 2;
      l.ignore();
    }
    l.pos += l.rightDelim.length;
    const i = l.thisItem(ItemType.RightDelim);
    if (trimSpace) {
      l.pos += leftTrimLength(l.input, l.pos);
      l.ignore();
    }
    l.insideAction = false;
    return l.emitItem(i);
  }

  static lexInsideAction(l: Lexer): StateFn {
    const [delim] = l.atRightDelim();
    if (delim) {
      if (l.parenDepth === 0) return lexRightDelim;
      return l.errorf('unclosed left paren');
    }
    const r = l.next();
    if (r === EOF) return l.errorf('unclosed action');
    if (isSpace(r)) {
      l.backup();
      return lexSpace;
    }
    switch (r) {
      case 0x3d: // =
        return l.emit(ItemType.Assign);
      case 0x3a: // :
        if (l.next() !== 0x3d) return l.errorf('expected :=');
        return l.emit(ItemType.Declare);
      case 0x7c:
        return l.emit(ItemType.Pipe);
      case 0x22:
        return lexQuote;
      case 0x60:
        return lexRawQuote;
      case 0x24:
        return lexVariable;
      case 0x27:
        return lexChar;
      case 0x28:
        l.parenDepth++;
        return l.emit(ItemType.LeftParen);
      case 0x29:
        l.parenDepth--;
        if (l.parenDepth < 0) return l.errorf('unexpected right paren');
        return l.emit(ItemType.RightParen);
    }
    if (r === 0x2e) {
      if (l.pos < l.input.length) {
        const c = l.input.charCodeAt(l.pos);
        if (c < 0x30 || c > 0x39) return lexField;
      }
      l.backup();
      return lexNumber;
    }
    if (r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
      l.backup();
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      l.backup();
      return lexIdentifier;
    }
    if (r <= 0x7f && r >= 0x20 && r !== 0x7f) return l.emit(ItemType.Char);
    return l.errorf('unrecognized character in action: %#U', BigInt(r));
  }

  static lexSpace(l: Lexer): StateFn {
    let numSpaces = 0;
    for (;;) {
      const r = l.peek();
      if (!isSpace(r)) break;
      l.next();
      numSpaces++;
    }
    if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(l.rightDelim, l.pos - 1 + 2)) {
      l.backup();
      if (numSpaces === 1) return lexRightDelim;
    }
    return l.emit(ItemType.Space);
  }

  static lexIdentifier(l: Lexer): StateFn {
    for (;;) {
      const r = l.next();
      if (isAlphaNumeric(r)) continue;
      l.backup();
      const word = l.input.slice(l.start, l.pos);
      if (!l.atTerminator()) return l.errorf('bad character %#U', BigInt(r));
      const key = keywords.get(word);
      if (key !== undefined && key > ItemType.Keyword) return l.emit(key);
      if (word[0] === '.') return l.emit(ItemType.Field);
      if (word === 'true' || word === 'false') return l.emit(ItemType.Bool);
      return l.emit(ItemType.Identifier);
    }
  }

  static lexFieldOrVariable(l: Lexer, typ: ItemType): StateFn {
    if (l.atTerminator()) {
      if (typ === ItemType.Variable) return l.emit(ItemType.Variable);
      return l.emit(ItemType.Dot);
    }
    let r: number;
    for (;;) {
      r = l.next();
      if (!isAlphaNumeric(r)) {
        l.backup();
        break;
      }
    }
    if (!l.atTerminator()) return l.errorf('bad character %#U', BigInt(r));
    return l.emit(typ);
  }

  static lexChar(l: Lexer): StateFn {
    for (;;) {
      let r = l.next();
      if (r === 0x5c) {
        r = l.next();
        if (r !== EOF && r !== 0x0a) continue;
        return l.errorf('unterminated character constant');
      }
      if (r === EOF || r === 0x0a) return l.errorf('unterminated character constant');
      if (r === 0x27) break;
    }
    return l.emit(ItemType.CharConstant);
  }

  static lexNumber(l: Lexer): StateFn {
    if (!l.scanNumber()) return l.errorf('bad number syntax: %q', l.input.slice(l.start, l.pos));
    const sign = l.peek();
    if (sign === 0x2b || sign === 0x2d) {
      if (!l.scanNumber() || l.input[l.pos - 1] !== 'i') {
        return l.errorf('bad number syntax: %q', l.input.slice(l.start, l.pos));
      }
      return l.emit(ItemType.Complex);
    }
    return l.emit(ItemType.Number);
  }

  static lexQuote(l: Lexer): StateFn {
    for (;;) {
      let r = l.next();
      if (r === 0x5c) {
        r = l.next();
        if (r !== EOF && r !== 0x0a) continue;
        return l.errorf('unterminated quoted string');
      }
      if (r === EOF || r === 0x0a) return l.errorf('unterminated quoted string');
      if (r === 0x22) break;
    }
    return l.emit(ItemType.String);
  }

  static lexRawQuote(l: Lexer): StateFn {
    for (;;) {
      const r = l.next();
      if (r === EOF) return l.errorf('unterminated raw quoted string');
      if (r === 0x60) break;
    }
    return l.emit(ItemType.RawString);
  }
}

const lexText = Lexer.lexText;
const lexLeftDelim = Lexer.lexLeftDelim;
const lexComment = Lexer.lexComment;
const lexRightDelim = Lexer.lexRightDelim;
const lexInsideAction = Lexer.lexInsideAction;
const lexSpace = Lexer.lexSpace;
const lexIdentifier = Lexer.lexIdentifier;
const lexField: (l: Lexer) => StateFn = (l) => Lexer.lexFieldOrVariable(l, ItemType.Field);
const lexVariable: (l: Lexer) => StateFn = (l) => {
  if (l.atTerminator()) return l.emit(ItemType.Variable);
  return Lexer.lexFieldOrVariable(l, ItemType.Variable);
};
const lexChar = Lexer.lexChar;
const lexNumber = Lexer.lexNumber;
const lexQuote = Lexer.lexQuote;
const lexRawQuote = Lexer.lexRawQuote;
