// An execution produces at most maxProducedLength characters, counted where strings are made (printf and
// the other string builtins, printed values, the output), so that no template can grow a string until V8
// throws RangeError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharacterBudget } from './character-budget.ts';
import { compileUncached } from './compile.ts';
import { defaultLimits } from './exec.ts';
import { sprintfWithin } from './fmt.ts';
import { TemplateError, compileTemplate, goStruct } from './index.ts';

const limit = 'exceeded the limit of 40 characters produced by one execution';

function render(text: string, data: unknown = null): string {
  return compileUncached('t', text, 'default', '', '', { ...defaultLimits, maxProducedLength: 40 }).execute(data);
}

test('a string doubled in a range stops at the limit with a TemplateError, not a RangeError (issue 9)', () => {
  const labels: Record<string, string> = {};
  for (let i = 0; i < 20; i++) labels[`label-${i}`] = 'x';
  const data = goStruct('v1.TemplateData', { PodMeta: goStruct('v1.ObjectMeta', { Labels: labels }) });
  const t = compileTemplate('t', '{{ $s := printf "%01000000d" 1 }}{{ range .PodMeta.Labels }}{{ $s = printf "%s%s" $s $s }}{{ end }}');
  assert.throws(() => t.execute(data), (e: unknown) => {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.message, 'template: t:1:68: executing "t" at <printf "%s%s" $s $s>: exceeded the limit of 4194304 characters produced by one execution');
    return true;
  });
});

test('the default allows what Go allows of one printf: a width of a million', () => {
  assert.equal(compileTemplate('t', '{{ len (printf "%01000000d" 1) }}').execute(null), '1000000');
});

test('printf widths and precisions count, and a padded string is refused before it is built', () => {
  assert.equal(render('{{ $s := printf "%40d" 1 }}'), '');
  assert.throws(() => render('{{ $s := printf "%41d" 1 }}'), { message: `template: t:1:9: executing "t" at <printf "%41d" 1>: ${limit}` });
  assert.throws(() => render('{{ $s := printf "%-41s" "x" }}'), new RegExp(limit));
  assert.throws(() => render('{{ $s := printf "%.41d" 1 }}'), new RegExp(limit));
  assert.throws(() => render('{{ $s := printf "%.41f" 1.5 }}'), new RegExp(limit));
  assert.throws(() => render('{{ $s := printf "%.41U" 1 }}'), new RegExp(limit));
  assert.throws(() => render('{{ $s := printf "%0*d" 41 1 }}'), new RegExp(limit));
  // Go's fmt takes widths up to 9999999.
  assert.throws(() => compileTemplate('t', '{{ printf "%09999999d" 7 }}').execute(null), /exceeded the limit of 4194304 characters/);
});

test('the printer stops as soon as the budget is spent, not after building the whole string', () => {
  const budget = new CharacterBudget(10);
  assert.throws(() => sprintfWithin(budget, '%s %s', ['x'.repeat(6), 'y'.repeat(6)]), /exceeded the limit of 10 characters/);
  // Neither a width nor a precision builds its digits first.
  assert.throws(() => sprintfWithin(new CharacterBudget(10), '%.1000000f', [1.5]), /exceeded the limit of 10 characters/);
  assert.throws(() => sprintfWithin(new CharacterBudget(10), '%01000000x', ['ab']), /exceeded the limit of 10 characters/);
});

test('every string a variable takes was counted where it was made, in every iteration', () => {
  assert.equal(render('{{ $s := "ab" }}{{ range 3 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}'), '16');
  // 4 + 8 + 16 = 28 characters made; the fourth doubling would make 32 more.
  assert.throws(
    () => render('{{ $s := "ab" }}{{ range 4 }}{{ $s = printf "%s%s" $s $s }}{{ end }}'),
    { message: `template: t:1:37: executing "t" at <printf "%s%s" $s $s>: ${limit}` },
  );
  // Assigning a string copies nothing.
  assert.equal(render('{{ $s := .a }}{{ range 100 }}{{ $t := $s }}{{ $s = $t }}{{ end }}', { a: 'x'.repeat(100) }), '');
});

test('each stage of a pipeline counts what it makes', () => {
  const data = { a: 'xxxxx' };
  assert.equal(render('{{ $v := .a | printf "%s%s" .a | printf "%s%s" .a }}', data), ''); // 10 + 15
  assert.throws(
    () => render('{{ $v := .a | printf "%s%s" .a | printf "%s%s" .a | printf "%s%s" .a }}', data), // + 20
    { message: `template: t:1:52: executing "t" at <printf "%s%s" .a>: ${limit}` },
  );
  assert.throws(() => render('{{ $v := .a | print .a .a .a .a .a .a .a .a }}', data), new RegExp(limit));
  assert.throws(() => render('{{ $v := .a | println .a .a .a .a .a .a }}', data), new RegExp(limit));
});

test('the escaping builtins count what they make', () => {
  const data = { a: '<<<<<<<<<<' };
  assert.equal(render('{{ $v := html .a }}', data), ''); // 40: &lt; for each <
  assert.throws(() => render('{{ $v := html .a "" }}', data), new RegExp(limit)); // 10 for print, then 40
  assert.throws(() => render('{{ $v := js .a }}', data), new RegExp(limit)); // \u003C for each <
  assert.throws(() => render('{{ $v := urlquery .a .a }}', data), new RegExp(limit));
});

test('the output counts, on the fast path of text and fields too', () => {
  assert.equal(render('{{ .a }}{{ .a }}', { a: 'x'.repeat(20) }).length, 40);
  assert.throws(() => render('{{ .a }}{{ .a }}', { a: 'x'.repeat(21) }), { message: `template: t:1:11: executing "t" at <{{.a}}>: ${limit}` });
  assert.throws(() => render('{{ range 3 }}{{ printf "%10d" 1 }}{{ end }}'), new RegExp(limit)); // 10 made, 10 written, ...
});

test('values printed by %v count: shared lists cannot print exponentially', () => {
  let shared: unknown = 'ab';
  for (let i = 0; i < 60; i++) shared = [shared, shared];
  const t = compileTemplate('t', '{{ printf "%v" .list }}');
  assert.throws(() => t.execute({ list: shared }), /exceeded the limit of 4194304 characters produced by one execution/);
  assert.throws(() => compileTemplate('t', '{{ .list }}').execute({ list: shared }), /exceeded the limit of 4194304 characters/);
});
