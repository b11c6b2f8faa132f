// The parser of Go's text/template (parse/parse.go): the same grammar, lookahead, variable scoping and
// error messages, so that what Go rejects is rejected with the same words and line.
import { sprintf } from './fmt.ts';
import { type Item, ItemType, Lexer, itemString } from './lexer.ts';
import {
  type BranchNode,
  type CommandNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type VariableNode,
  isEmptyTree,
  nodeString,
} from './nodes.ts';
import { NumberError, parseComplex, parseFloat64, parseInt64, parseUint } from './number-syntax.ts';
import { UnquoteError, unquote, unquoteChar } from './quote.ts';
import { TemplateError, internalError } from './template-error.ts';
import { GoComplex } from './values.ts';

/** The builtin functions; text/template knows no others unless a FuncMap adds them. */
export const builtinNames: ReadonlySet<string> = new Set([
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println',
  'urlquery', 'eq', 'ge', 'gt', 'le', 'lt', 'ne',
]);

/**
 * Nesting bounds. Go allows 10000 nested parentheses and unbounded nesting of control structures; the
 * engine stops earlier, with an error, so that a template from a custom resource cannot exhaust the stack.
 */
export const maxExpressionDepth = 100;
export const maxControlDepth = 100;

/** One parsed template: a name and the root of its tree. */
export interface Tree {
  readonly name: string;
  readonly root: ListNode;
}

const eofItem: Item = { typ: ItemType.EOF, pos: 0, val: 'EOF', line: 0 };

class TreeParser {
  name: string;
  root: ListNode | undefined;
  private readonly parseName: string;
  private readonly lex: Lexer;
  private readonly treeSet: Map<string, Tree>;
  private readonly token: [Item, Item, Item] = [eofItem, eofItem, eofItem];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  private stackDepth = 0;
  private controlDepth: { depth: number };

  constructor(name: string, parseName: string, lex: Lexer, treeSet: Map<string, Tree>, controlDepth: { depth: number }) {
    this.name = name;
    this.parseName = parseName;
    this.lex = lex;
    this.treeSet = treeSet;
    this.controlDepth = controlDepth;
  }

  // token stream

  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount] as Item;
  }

  backup(): void {
    this.peekCount++;
  }

  backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1] as Item;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }

  nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.typ === ItemType.Space);
    return token;
  }

  peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // errors

  errorf(format: string, ...args: unknown[]): never {
    this.root = undefined;
    const full = sprintf('template: %s:%d: %s', this.parseName, BigInt(this.token[0].line), format);
    throw new TemplateError(sprintf(full, ...args));
  }

  expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  expectOneOf(e1: ItemType, e2: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== e1 && token.typ !== e2) this.unexpected(token, context);
    return token;
  }

  unexpected(token: Item, context: string): never {
    if (token.typ === ItemType.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = sprintf(' in action started at %s:%d', this.parseName, BigInt(this.actionLine));
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf('%s%s', itemString(token), extra);
    }
    this.errorf('unexpected %s in %s', itemString(token), context);
  }

  // trees

  add(): void {
    const tree = this.treeSet.get(this.name);
    if (tree === undefined || isEmptyTree(tree.root)) {
      this.treeSet.set(this.name, { name: this.name, root: this.root as ListNode });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf('template: multiple definition of template %q', this.name);
  }

  parse(): void {
    this.root = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== ItemType.EOF) {
      if (this.peek().typ === ItemType.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === ItemType.Define) {
          const newT = new TreeParser('definition', this.parseName, this.lex, this.treeSet, this.controlDepth);
          newT.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf('unexpected %s', nodeString(n));
      this.root.nodes.push(n);
    }
  }

  parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(ItemType.String, ItemType.RawString, context);
    this.name = this.unquoteOrFail(name.val);
    this.expect(ItemType.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== 'end') this.errorf('unexpected %s in %s', nodeString(end), context);
    this.add();
  }

  itemList(): [ListNode, Node] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== ItemType.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Text:
        return { type: 'text', pos: token.pos, text: token.val };
      case ItemType.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(token, 'input');
    }
  }

  action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
        return this.breakControl(token.pos, 'break');
      case ItemType.Continue:
        return this.breakControl(token.pos, 'continue');
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return { type: 'end', pos: this.expect(ItemType.RightDelim, 'end').pos };
      case ItemType.If:
        return this.control('if');
      case ItemType.Range:
        return this.control('range');
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.control('with');
    }
    this.backup();
    const t = this.peek();
    const pipe = this.pipeline('command', ItemType.RightDelim);
    const only = pipe.decl.length === 0 && pipe.cmds.length === 1 && pipe.cmds[0]?.args.length === 1 ? pipe.cmds[0].args[0] : undefined;
    return { type: 'action', pos: t.pos, pipe, fieldPath: only?.type === 'field' ? only.ident : undefined };
  }

  breakControl(pos: number, kind: 'break' | 'continue'): Node {
    const token = this.nextNonSpace();
    if (token.typ !== ItemType.RightDelim) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos };
  }

  pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: token.pos, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== ItemType.Variable) break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === ItemType.Assign || next.typ === ItemType.Declare) {
        pipe.isAssign = next.typ === ItemType.Assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === ItemType.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === ItemType.Variable || p === ItemType.RightDelim || p === ItemType.RightParen) continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf('too many declarations in %s', context);
      } else if (tokenAfterVariable.typ === ItemType.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf('missing value for %s', context);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf('non executable command in pipeline stage %d', BigInt(i + 2));
      }
    });
  }

  control(context: 'if' | 'range' | 'with'): BranchNode {
    if (++this.controlDepth.depth > maxControlDepth) this.errorf('max nesting depth exceeded');
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, ItemType.RightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, first] = this.itemList();
      let next = first;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        // "{{else if}}" and "{{else with}}" nest a new if or with that shares the {{end}}.
        if (context === 'if' && this.peek().typ === ItemType.If) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.control('if')] };
        } else if (context === 'with' && this.peek().typ === ItemType.With) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.control('with')] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf('expected end; found %s', nodeString(next));
        }
      }
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
      this.controlDepth.depth--;
    }
  }

  elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.typ === ItemType.If || peek.typ === ItemType.With) return { type: 'else', pos: peek.pos };
    const token = this.expect(ItemType.RightDelim, 'else');
    return { type: 'else', pos: token.pos };
  }

  blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);
    const block = new TreeParser(name, this.parseName, this.lex, this.treeSet, this.controlDepth);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== 'end') this.errorf('unexpected %s in %s', nodeString(end), context);
    block.add();
    return { type: 'template', pos: token.pos, name, pipe };
  }

  templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== ItemType.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    return { type: 'template', pos: token.pos, name, pipe };
  }

  parseTemplateName(token: Item, context: string): string {
    if (token.typ === ItemType.String || token.typ === ItemType.RawString) return this.unquoteOrFail(token.val);
    this.unexpected(token, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === ItemType.Space) continue;
      if (token.typ === ItemType.RightDelim || token.typ === ItemType.RightParen) this.backup();
      else if (token.typ !== ItemType.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): Node | undefined {
    let node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().typ === ItemType.Field) {
      const fields: string[] = [];
      const pos = this.peek().pos;
      while (this.peek().typ === ItemType.Field) fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos, ident: [...node.ident, ...fields] };
          break;
        case 'variable':
          node = { type: 'variable', pos, ident: [...node.ident, ...fields] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf('unexpected . after term %q', nodeString(node));
          break;
        default:
          node = { type: 'chain', pos, node, field: fields };
      }
    }
    return node;
  }

  term(): Node | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Identifier:
        if (!builtinNames.has(token.val)) this.errorf('function %q not defined', token.val);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case ItemType.Dot:
        return { type: 'dot', pos: token.pos };
      case ItemType.Nil:
        return { type: 'nil', pos: token.pos };
      case ItemType.Variable:
        return this.useVar(token.pos, token.val);
      case ItemType.Field:
        return { type: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case ItemType.Bool:
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number:
        return this.newNumber(token);
      case ItemType.LeftParen: {
        if (this.stackDepth >= maxExpressionDepth) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', ItemType.RightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case ItemType.String:
      case ItemType.RawString:
        return { type: 'string', pos: token.pos, quoted: token.val, text: this.unquoteOrFail(token.val) };
    }
    this.backup();
    return undefined;
  }

  unquoteOrFail(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      if (e instanceof UnquoteError) this.errorf('%s', e.message);
      throw e;
    }
  }

  newVariable(pos: number, ident: string): VariableNode {
    return { type: 'variable', pos, ident: ident.split('.') };
  }

  useVar(pos: number, name: string): Node {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0] ?? '')) this.errorf('undefined variable %q', v.ident[0]);
    return v;
  }

  newNumber(token: Item): NumberNode {
    const text = token.val;
    const n: NumberNode = {
      type: 'number', pos: token.pos, text, isInt: false, isUint: false, isFloat: false, isComplex: false,
      int64: 0n, uint64: 0n, float64: 0, complex: undefined,
    };
    try {
      numberValue(n, text, token.typ);
    } catch (e) {
      if (e instanceof NumberError || e instanceof UnquoteError) this.errorf('%s', e.message);
      throw e;
    }
    return n;
  }
}

const minInt64 = -(2 ** 63);
const twoTo63 = 2 ** 63;
const twoTo64 = 2 ** 64;

function simplifyComplex(n: NumberNode, c: GoComplex): void {
  n.isFloat = c.im === 0;
  if (n.isFloat) {
    n.float64 = c.re;
    n.isInt = Number.isInteger(c.re) && c.re >= minInt64 && c.re < twoTo63;
    if (n.isInt) n.int64 = BigInt(c.re);
    n.isUint = Number.isInteger(c.re) && c.re >= 0 && c.re < twoTo64;
    if (n.isUint) n.uint64 = BigInt(c.re);
  }
}

/** parse.newNumber: the value of a number token, under every interpretation Go's rules allow. */
function numberValue(n: NumberNode, text: string, typ: ItemType): void {
  if (typ === ItemType.CharConstant) {
    const ch = unquoteChar(text.slice(1), text[0] ?? '');
    if (ch.tail !== "'") throw new NumberError(`malformed character constant: ${text}`);
    n.int64 = n.uint64 = BigInt(ch.value);
    n.isInt = n.isUint = n.isFloat = true;
    n.float64 = ch.value;
    return;
  }
  if (typ === ItemType.Complex) {
    const { re, im } = parseComplex(text);
    n.isComplex = true;
    n.complex = new GoComplex(re, im);
    simplifyComplex(n, n.complex);
    return;
  }
  if (text.endsWith('i')) {
    try {
      const f = parseFloat64(text.slice(0, -1));
      n.isComplex = true;
      n.complex = new GoComplex(0, f);
      simplifyComplex(n, n.complex);
      return;
    } catch (e) {
      if (!(e instanceof NumberError)) throw e;
    }
  }
  let u = 0n;
  try {
    u = parseUint(text);
    n.isUint = true;
    n.uint64 = u;
  } catch (e) {
    if (!(e instanceof NumberError)) throw e;
  }
  try {
    const i = parseInt64(text);
    n.isInt = true;
    n.int64 = i;
    if (i === 0n) {
      n.isUint = true;
      n.uint64 = u;
    }
  } catch (e) {
    if (!(e instanceof NumberError)) throw e;
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    let f: number | undefined;
    try {
      f = parseFloat64(text);
    } catch (e) {
      if (!(e instanceof NumberError)) throw e;
    }
    if (f !== undefined) {
      if (!/[.eEpP]/.test(text)) throw new NumberError(sprintf('integer overflow: %q', text));
      n.isFloat = true;
      n.float64 = f;
      if (Number.isInteger(f) && f >= minInt64 && f < twoTo63) {
        n.isInt = true;
        n.int64 = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && f < twoTo64) {
        n.isUint = true;
        n.uint64 = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new NumberError(sprintf('illegal number syntax: %q', text));
}

/**
 * Parses a template and the templates it defines (parse.Parse), as text/template's Template.Parse does
 * for a new template named `name`. Returns every tree by name; throws only TemplateError.
 */
export function parseTemplates(name: string, text: string, leftDelim: string, rightDelim: string): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  try {
    const lex = new Lexer(text, leftDelim, rightDelim);
    const t = new TreeParser(name, name, lex, treeSet, { depth: 0 });
    t.parse();
    t.add();
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw new TemplateError(`template: ${name}: ${internalError(e)}`);
  }
  return treeSet;
}
