// fast-check arbitraries for the fuzz test: templates written to break the engine's bounds (huge widths
// and precisions, strings that grow in loops, long ranges, deep nesting, recursion, garbage, other
// delimiters), the generated templates of random-template.ts, data of every kind the engine takes, and
// limits from tiny to the defaults.
import fc from 'fast-check';
import { type ExecLimits, defaultLimits } from '../../src/template/exec.ts';
import { goStringMap, goStringMapView, goStruct } from '../../src/template/values.ts';
import { engineData } from './engine-case.ts';
import { randomCase } from './random-template.ts';

/** One compile and execution: what compileUncached and execute take. */
export interface FuzzCase {
  readonly template: string;
  readonly data: unknown;
  readonly missingKey: 'default' | 'zero' | 'error';
  readonly leftDelim: string;
  readonly rightDelim: string;
  readonly limits: ExecLimits;
}

// Templates.

/** Widths and precisions around fmt's bound (1e6) and the engine's, and past them. */
const size = fc.oneof(
  fc.integer({ min: 0, max: 12 }),
  fc.constantFrom(999_999, 1_000_000, 1_000_001, 4_194_304, 2_147_483_648, 9_223_372_036_854_775_807n, 99_999_999_999_999_999_999n),
);

const directive = fc
  .tuple(
    fc.constantFrom('', '0', '-', '+', '#', ' ', '-0', '#0', '+ ', '[1]', '[2]', '[9]'),
    fc.option(fc.oneof(size.map(String), fc.constant('*'))),
    fc.option(fc.oneof(size.map(String), fc.constant('*'))),
    fc.constantFrom(...'vdsqxXobcfFeEgGUTtpw%z'),
  )
  .map(([flags, width, prec, verb]) => `%${flags}${width ?? ''}${prec === null ? '' : '.' + prec}${verb}`);

const format = fc
  .array(fc.oneof(directive, fc.constantFrom('', 'x', '%', '%!', 'é', '😀')), { minLength: 1, maxLength: 4 })
  .map((parts) => JSON.stringify(parts.join('')));

const atom = fc.constantFrom(
  ...['.', '$', '$s', '$t', '.a', '.b', '.list', '.m', '.m.a', '.Name', '$.a', '$.list', 'nil', 'true', 'false'],
  ...['0', '1', '-1', '20', '1000000', '9223372036854775807', '-9223372036854775808', '18446744073709551616'],
  ...['1e308', '-0.0', '0x1p-1074', '1.5', "'a'", "'\\U0010FFFF'", '1+2i', '0i'],
  ...['"x"', '"<&>\\"\'%\\\\"', '"\\xff\\xfe"', '"😀é"', '``', '"%s%s"', '"\\u2028"'],
);

const functions = ['print', 'println', 'html', 'js', 'urlquery', 'len', 'index', 'slice', 'not', 'and', 'or', 'eq', 'ne', 'lt', 'le', 'call'];
/** Commands that grow their input when fed it as the last argument of a pipeline. */
const growers = ['print $s', 'printf "%s%s" $s', 'println $s', 'html', 'js', 'urlquery', 'printf "%q"', 'printf "%x"', 'printf "% #X"', 'printf "%+q"', 'printf "%#v"'];

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    atom,
    fc.tuple(format, fc.array(tie('expr'), { maxLength: 4 })).map(([f, args]) => `(printf ${[f, ...args].join(' ')})`),
    fc.tuple(fc.constantFrom(...functions), fc.array(tie('expr'), { maxLength: 4 })).map(([fn, args]) => `(${[fn, ...args].join(' ')})`),
    fc.tuple(tie('expr'), fc.constantFrom(...growers)).map(([e, g]) => `(${e} | ${g})`),
  ),
}));

/** Loops from a few iterations to past the default bound. */
const rangeHead = fc.constantFrom('3', '20', '40', '1000', '1000000', '2000000', '.list', '.', '.m', '$s', '$i, $e := .list', '$k, $v := .', '$e := 40');

const text = fc.oneof(fc.constantFrom('', 'x', ' ', '\n', '{', '}', '%d', 'é'), fc.string({ unit: 'binary', maxLength: 20 }));

const { body } = fc.letrec<{ statement: string; body: string }>((tie) => ({
  statement: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    expr.map((e) => `{{${e}}}`),
    expr.map((e) => `{{$s = ${e}}}`),
    expr.map((e) => `{{$u := ${e}}}`),
    text,
    fc.tuple(rangeHead, tie('body')).map(([h, b]) => `{{range ${h}}}${b}{{end}}`),
    fc.tuple(expr, tie('body'), tie('body')).map(([e, a, b]) => `{{if ${e}}}${a}{{else}}${b}{{end}}`),
    fc.tuple(expr, tie('body')).map(([e, a]) => `{{with ${e}}}${a}{{end}}`),
    fc.constantFrom('{{break}}', '{{continue}}', '{{template "r" .}}', '{{template "r" $s}}', '{{- /* c */ -}}'),
  ),
  body: fc.array(tie('statement'), { maxLength: 5 }).map((statements) => statements.join('')),
}));

/** Statements after variables they may assign, sometimes with a template "r" they may call (or recurse into). */
const program = fc
  .tuple(fc.boolean(), body, fc.option(body))
  .map(([prelude, main, r]) => (prelude ? '{{$s := "x"}}{{$t := .}}' : '') + main + (r === null ? '' : `{{define "r"}}${r}{{end}}`));

/** A string doubled, quoted, hex-encoded or escaped in a loop: it grows exponentially. */
const growth = fc
  .tuple(
    fc.constantFrom('printf "%01000000d" 1', 'printf "%0*d" 1000000 1', '"x"', '"<&\\"%\\\\"', '.a', '"\\u2028"', 'printf "%v" .'),
    fc.constantFrom(
      ...['printf "%s%s" $s $s', 'print $s $s', 'println $s $s', 'printf "%[1]s%[1]s" $s', 'html $s $s', 'js $s $s', 'urlquery $s $s'],
      ...['printf "%q" $s', 'printf "%x" $s', 'printf "% X" $s', 'html $s', 'js $s', 'urlquery $s', '$s | printf "%s%s" $s', 'printf "%10000s" $s'],
    ),
    fc.constantFrom('20', '40', '64', '1000', '.list', '.'),
    fc.constantFrom('', '{{$s}}', '{{len $s}}', '{{printf "%.3s" $s}}'),
  )
  .map(([seed, grow, times, tail]) => `{{$s := ${seed}}}{{range ${times}}}{{$s = ${grow}}}{{end}}${tail}`);

/** Nesting around the parser's and executor's bounds, and far past them. */
const deep = fc
  .tuple(
    fc.constantFrom(1, 99, 100, 101, 1000, 20_000),
    fc.constantFrom(
      (n: number) => '{{if 1}}'.repeat(n) + 'x' + '{{end}}'.repeat(n),
      (n: number) => '{{' + '('.repeat(n) + '1' + ')'.repeat(n) + '}}',
      (n: number) => '{{' + 'print ('.repeat(n) + '1' + ')'.repeat(n) + '}}',
      (n: number) => '{{1' + ' | print'.repeat(n) + '}}',
      (n: number) => '{{range .}}'.repeat(n) + '{{.}}' + '{{end}}'.repeat(n),
      (n: number) => '{{if 0}}' + '{{else if 0}}'.repeat(n) + '{{end}}',
      (n: number) => '{{$x := 1}}'.repeat(n) + '{{$x}}',
      (n: number) => `{{define "r"}}{{if lt (len .) ${n}}}{{template "r" (print . "x")}}{{end}}{{end}}{{template "r" ""}}`,
      (n: number) => '{{define "r"}}{{template "r" .}}{{end}}'.repeat(n > 100 ? 1 : n) + '{{template "r" .}}',
      (n: number) => `{{range ${n}}}{{printf "%1000d" 1}}{{end}}`,
    ),
  )
  .map(([n, make]) => make(n));

const tokens = [
  ...['{{', '}}', '{{-', '-}}', '{{- ', ' -}}', '(', ')', '|', ':=', '=', ',', '$', '$x', '$s', '.', '.a', '..', ' ', '\n', '\t'],
  ...['range', 'if', 'else', 'end', 'with', 'define', 'template', 'block', 'break', 'continue', 'printf', 'len', 'nil'],
  ...['"', '`', "'", '/*', '*/', '1', '1e9', '0x', '"%d"', '"%0999999d"', '\\', 'é', '\ud800', '\u0000'],
];
const garbage = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((t) => t.join('')));

/** The random differential test's templates (and its data and options), by index. */
const generated = fc.nat().map((i) => randomCase(20261122, i));

// Data.

const key = fc.constantFrom('a', 'b', 'list', 'm', 'Name', 'Labels', 'constructor', 'toString', '', 'é');
const bigString = fc.constantFrom('x'.repeat(1 << 16), '<&>"'.repeat(1 << 14), '\u2028'.repeat(1 << 12), '%v'.repeat(1 << 10));
const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  bigString,
  fc.double(),
  int64,
  fc.bigInt({ min: -3n, max: 50n }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }).map((fields) => goStruct('v1.T', fields)),
    fc.dictionary(key, fc.string({ maxLength: 10 }), { maxKeys: 4 }).map(goStringMap),
    // A view whose values may not be strings: the engine reads them only when a template does.
    fc.dictionary(key, leaf, { maxKeys: 4 }).map((record) => goStringMapView(record as Record<string, string>)),
  ),
}));

/** Nested lists that share their halves: `%v` of depth n prints 2^n leaves. */
const shared = fc.integer({ min: 1, max: 40 }).map((n) => {
  let v: unknown = 'ab';
  for (let i = 0; i < n; i++) v = [v, v];
  return v;
});

/** Mostly a map with the keys the templates name, so that they get past their first field. */
const data = fc.oneof(
  { arbitrary: fc.record({ a: value, b: value, list: fc.array(value, { maxLength: 5 }), m: value, Name: leaf }, { requiredKeys: [] }), weight: 4 },
  { arbitrary: value, weight: 1 },
  { arbitrary: fc.record({ a: shared, list: shared.map((v) => [v]) }), weight: 1 },
);

// Options and limits.

const delimiters: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  { arbitrary: fc.constant(['', ''] as const), weight: 4 },
  { arbitrary: fc.tuple(fc.constantFrom('<%', '[[', '{', '((', '{{{', '"', '/*', '|', ':=', 'é', '-'), fc.constantFrom('%>', ']]', '}', '))', '}}}', '"', '*/', '|', '=', 'é', '-')), weight: 1 },
  { arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 3 })), weight: 1 },
);

/** Up to `max`, often tiny (shorter than the messages that report it). */
const bound = (max: number): fc.Arbitrary<number> => fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max }));

const limits: fc.Arbitrary<ExecLimits> = fc.oneof(
  fc.constant(defaultLimits),
  fc.record({
    maxTemplateDepth: fc.integer({ min: 0, max: 100 }),
    maxOutputLength: bound(1 << 20),
    maxRangeIterations: bound(100_000),
    maxProducedLength: bound(1 << 22),
  }),
);

const missingKey = fc.constantFrom('default', 'zero', 'error') satisfies fc.Arbitrary<FuzzCase['missingKey']>;

/** In the default delimiters, then as written for the chosen ones (as random-template.ts does). */
function withDelimiters(template: string, [left, right]: readonly [string, string]): string {
  if (left === '' || right === '') return template;
  return template.replaceAll('{{', left).replaceAll('}}', right);
}

const hostile = fc
  .tuple(
    fc.oneof({ arbitrary: program, weight: 4 }, { arbitrary: growth, weight: 2 }, { arbitrary: deep, weight: 1 }, { arbitrary: garbage, weight: 2 }),
    data,
    missingKey,
    delimiters,
    limits,
  )
  .map(([template, d, mk, delims, l]): FuzzCase => ({
    template: withDelimiters(template, delims),
    data: d,
    missingKey: mk,
    leftDelim: delims[0],
    rightDelim: delims[1],
    limits: l,
  }));

const everyday = fc.tuple(generated, limits).map(([c, l]): FuzzCase => ({
  template: c.template,
  data: engineData(c.data),
  missingKey: c.missingkey === 'invalid' || c.missingkey === undefined ? 'default' : c.missingkey,
  leftDelim: c.leftDelim ?? '',
  rightDelim: c.rightDelim ?? '',
  limits: l,
}));

/** A case for the fuzz test: mostly hostile, some of the everyday kind. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof({ arbitrary: hostile, weight: 4 }, { arbitrary: everyday, weight: 1 });
