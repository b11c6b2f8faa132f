// The parse tree of Go's text/template (parse/node.go), and how each node prints in error messages.
import { quote } from './quote.ts';
import type { GoComplex } from './values.ts';

export interface ListNode {
  readonly type: 'list';
  readonly pos: number;
  readonly nodes: Node[];
}
export interface TextNode {
  readonly type: 'text';
  readonly pos: number;
  readonly text: string;
}
export interface PipeNode {
  readonly type: 'pipe';
  readonly pos: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface ActionNode {
  readonly type: 'action';
  readonly pos: number;
  readonly pipe: PipeNode;
  /** For an action that is only a field chain ({{.A.B}}), its fields: the executor's fast path. */
  readonly fieldPath: readonly string[] | undefined;
}
export interface CommandNode {
  readonly type: 'command';
  readonly pos: number;
  readonly args: Node[];
}
export interface IdentifierNode {
  readonly type: 'identifier';
  readonly pos: number;
  readonly ident: string;
}
export interface VariableNode {
  readonly type: 'variable';
  readonly pos: number;
  readonly ident: readonly string[];
}
export interface DotNode {
  readonly type: 'dot';
  readonly pos: number;
}
export interface NilNode {
  readonly type: 'nil';
  readonly pos: number;
}
export interface FieldNode {
  readonly type: 'field';
  readonly pos: number;
  readonly ident: readonly string[];
}
export interface ChainNode {
  readonly type: 'chain';
  readonly pos: number;
  readonly node: Node;
  readonly field: string[];
}
export interface BoolNode {
  readonly type: 'bool';
  readonly pos: number;
  readonly value: boolean;
}
export interface NumberNode {
  readonly type: 'number';
  readonly pos: number;
  readonly text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  complex: GoComplex | undefined;
}
export interface StringNode {
  readonly type: 'string';
  readonly pos: number;
  readonly quoted: string;
  readonly text: string;
}
export interface BranchNode {
  readonly type: 'if' | 'range' | 'with';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export interface TemplateNode {
  readonly type: 'template';
  readonly pos: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}
export interface BreakNode {
  readonly type: 'break' | 'continue';
  readonly pos: number;
}
/** {{end}} and {{else}}: the parser's markers, never in a finished tree. */
export interface MarkerNode {
  readonly type: 'end' | 'else';
  readonly pos: number;
}

export type Node =
  | ListNode
  | TextNode
  | PipeNode
  | ActionNode
  | CommandNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | BranchNode
  | TemplateNode
  | BreakNode
  | MarkerNode;

function pipeString(p: PipeNode): string {
  let s = '';
  if (p.decl.length > 0) {
    s += p.decl.map(nodeString).join(', ');
    s += p.isAssign ? ' = ' : ' := ';
  }
  return s + p.cmds.map(nodeString).join(' | ');
}

/** The node as Go's Node.String() prints it: the text of the template it came from, normalized. */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'pipe':
      return pipeString(n);
    case 'action':
      return '{{' + pipeString(n.pipe) + '}}';
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? '(' + pipeString(a) + ')' : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((id) => '.' + id).join('');
    case 'chain':
      return (n.node.type === 'pipe' ? '(' + nodeString(n.node) + ')' : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'if':
    case 'range':
    case 'with': {
      let s = '{{' + n.type + ' ' + pipeString(n.pipe) + '}}' + nodeString(n.list);
      if (n.elseList !== undefined) s += '{{else}}' + nodeString(n.elseList);
      return s + '{{end}}';
    }
    case 'template':
      return '{{template ' + quote(n.name) + (n.pipe !== undefined ? ' ' + pipeString(n.pipe) : '') + '}}';
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
  }
}

// unicode.IsSpace, which bytes.TrimSpace uses (JavaScript's \s differs on U+0085 and U+FEFF).
const goSpaceOnly = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** parse.IsEmptyTree: whether a tree holds nothing but space. */
export function isEmptyTree(n: Node | undefined): boolean {
  if (n === undefined) return true;
  switch (n.type) {
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return goSpaceOnly.test(n.text);
    default:
      return false;
  }
}
