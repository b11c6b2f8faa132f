// Expectations are Go's own output (fmt.Sprintf with the same arguments, Go 1.26).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharacterBudget } from './character-budget.ts';
import { sprint, sprintf, sprintln } from './fmt.ts';
import { goStruct } from './values.ts';

test('integer verbs, flags and widths', () => {
  assert.equal(
    sprintf('%d|%5d|%-5d|%05d|%x|%X|%o|%O|%b|%c|%q|%U|%#U', 42n, 42n, 42n, -42n, 255n, 255n, 8n, 8n, 5n, 65n, 65n, 0x1f600n, 0x41n),
    "42|   42|42   |-0042|ff|FF|10|0o10|101|A|'A'|U+1F600|U+0041 'A'",
  );
  assert.equal(sprintf('%.3d|%.0d|%+.3d', 7n, 0n, 7n), '007||+007');
});

test('string verbs count runes for width and precision', () => {
  assert.equal(
    sprintf('%s|%10s|%-10s|%.2s|%q|%x|% x|%#x|%X|%v|%#v|%+q', 'héllo', 'ab', 'ab', 'héllo', 'a"b\n', 'hi', 'hi', 'hi', 'hi', 'x', 'x', 'é'),
    'héllo|        ab|ab        |hé|"a\\"b\\n"|6869|68 69|0x6869|6869|x|"x"|"\\u00e9"',
  );
  assert.equal(sprintf('%5.1q', 'abc'), '  "a"');
});

test('float verbs', () => {
  assert.equal(
    sprintf('%v|%f|%.2f|%e|%g|%G|%8.3f|%-8.3f|%+f|% f|%08.3f|%#g|%#.3x|%b', 1.5, 1.5, 1.005, 1234.5678, 1e21, 1e-7, 3.14159, 3.14159, 1.0, 1.0, -3.14159, 1.0, 1.0, 2.0),
    '1.5|1.500000|1.00|1.234568e+03|1e+21|1E-07|   3.142|3.142   |+1.000000| 1.000000|-003.142|1.00000|0x1.000p+00|4503599627370496p-51',
  );
  assert.equal(sprintf('%x', 3.5), '0x1.cp+01');
  assert.equal(sprintf('%6.2v', 3.14159), '   3.1');
});

test('mismatches print as %!verb(type=value)', () => {
  assert.equal(sprintf('%t|%v|%d|%s|%5t', true, false, true, 1.5, true), 'true|false|%!d(bool=true)|%!s(float64=1.5)| true');
  assert.equal(sprintf('%d', null), '%!d(<nil>)');
  assert.equal(sprintf('%z', 1n), '%!z(int=1)');
  assert.equal(sprintf('%5d', 'ab'), '%!d(string=   ab)');
});

test('missing, extra and reordered arguments', () => {
  assert.equal(sprintf('%d %d', 1n), '1 %!d(MISSING)');
  assert.equal(sprintf('%d', 1n, 2n, 'x'), '1%!(EXTRA int=2, string=x)');
  assert.equal(sprintf('%!'), '%!!(MISSING)');
  assert.equal(sprintf('%[2]d %[1]d', 1n, 2n), '2 1');
  assert.equal(sprintf('%[3]d', 1n), '%!d(BADINDEX)');
  assert.equal(sprintf('%*d|%-*d|%.*f', 5n, 1n, 5n, 1n, 2n, 3.14159), '    1|1    |3.14');
  assert.equal(sprintf('%*d', 1.5, 2n), '%!(BADWIDTH)2');
});

test('composite values: structs, slices, maps (sorted keys), nil elements', () => {
  const s = goStruct('v1.ObjectMeta', { Name: 'n', Labels: { a: 'b' }, X: null });
  assert.equal(
    sprintf('%v|%+v|%#v|%d|%s', s, s, s, [1.5, 'a', null], { b: 1, a: [true] }),
    '{n map[a:b] <nil>}|{Name:n Labels:map[a:b] X:<nil>}|v1.ObjectMeta{Name:"n", Labels:map[string]string{"a":"b"}, X:interface {}(nil)}|[%!d(float64=1.5) %!d(string=a) <nil>]|map[a:[%!s(bool=true)] b:%!s(float64=1)]',
  );
  assert.equal(sprintf('%#v', { a: null, b: [1, 's'] }), 'map[string]interface {}{"a":interface {}(nil), "b":[]interface {}{1, "s"}}');
  assert.equal(sprintf('%T %T %T', 1.5, 's', s), 'float64 string v1.ObjectMeta');
});

test('Sprint adds spaces between operands that are not strings; Sprintln between all', () => {
  assert.equal(sprint(['a', 1n, 2n, 'b', 1.5, null, true], new CharacterBudget(Infinity)), 'a1 2b1.5 <nil> true');
  assert.equal(sprintln(['a', 'b', 1n], new CharacterBudget(Infinity)), 'a b 1\n');
  assert.equal(sprintf('%v %v', null, undefined), '<nil> <nil>');
});

test('a message is cut past a mebibyte: it may print a value of the data, which shared lists make huge', () => {
  let shared: unknown = 'ab';
  for (let i = 0; i < 60; i++) shared = [shared, shared];
  const message = sprintf('non-comparable type %s: %v', shared, '[]interface {}');
  assert.ok(message.length > 1 << 19 && message.length <= (1 << 20) + 3, `${message.length} characters`);
  assert.ok(message.startsWith('non-comparable type ' + '['.repeat(60) + 'ab ab] [ab ab]]'));
  assert.ok(message.endsWith('...'));
});
