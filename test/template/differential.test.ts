// The engine against Go's own text/template, case by case: the same output, or an error where Go errors
// (with the same message, except where a case says the engine's safety bound stops it first).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differentialCases } from './cases/index.ts';
import { assertSameAsGo, renderWithEngine } from './engine-case.ts';
import { type GoCase, type GoResult, renderWithGo } from './go-template-tool.ts';

function title(c: GoCase): string {
  const options = [c.missingkey && `missingkey=${c.missingkey}`, c.leftDelim && `delims ${c.leftDelim} ${c.rightDelim}`]
    .filter(Boolean)
    .join(', ');
  const data = JSON.stringify(c.data ?? null);
  return `${JSON.stringify(c.template)} data=${data.length > 60 ? data.slice(0, 57) + '...' : data}${options ? ` (${options})` : ''}`;
}

const total = [...differentialCases.values()].reduce((n, cases) => n + cases.length, 0);

it('the differential suite has at least 300 cases', () => {
  assert.ok(total >= 300, `only ${total} cases`);
});

for (const [group, cases] of differentialCases) {
  describe(`differential: ${group}`, () => {
    let goResults: GoResult[] = [];
    before(async () => {
      goResults = await renderWithGo(cases);
    });
    cases.forEach((c, i) => {
      it(title(c), () => {
        const go = goResults[i];
        assert.ok(go !== undefined, 'no answer from Go');
        assertSameAsGo(c, renderWithEngine(c), go);
      });
    });
  });
}
