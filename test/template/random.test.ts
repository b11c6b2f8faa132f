// Randomized differential test: generated templates and data, rendered by Go and by the engine. The seed
// is fixed (so CI is reproducible) unless TEMPLATE_RANDOM_SEED says otherwise; TEMPLATE_RANDOM_CASES
// sets how many cases run. A failure names the seed and index that reproduce it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertSameAsGo, describeResult, renderWithEngine } from './engine-case.ts';
import { renderWithGo } from './go-template-tool.ts';
import { randomCase } from './random-template.ts';

const seed = Number(process.env['TEMPLATE_RANDOM_SEED'] ?? 20261122);
const count = Number(process.env['TEMPLATE_RANDOM_CASES'] ?? 4000);

it(`${count} random templates render as Go renders them (seed ${seed})`, async () => {
  const cases = Array.from({ length: count }, (_, i) => randomCase(seed, i));
  const go = await renderWithGo(cases);
  const failures: string[] = [];
  let rendered = 0;
  cases.forEach((c, i) => {
    const expected = go[i];
    assert.ok(expected !== undefined);
    if ('output' in expected) rendered++;
    // Recursive templates reach the engine's depth bound (100) long before Go's (100000).
    const bounded = 'error' in expected && expected.error.includes('exceeded maximum template depth');
    const ours = renderWithEngine(c);
    try {
      assertSameAsGo({ ...c, anyError: bounded }, ours, expected);
    } catch (e) {
      failures.push(`#${i}: ${JSON.stringify(c)}\n  engine: ${describeResult(ours)}\n  go:     ${describeResult(expected)}\n  ${(e as Error).message.split('\n')[0]}`);
    }
  });
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${count} differ (seed ${seed}); first ones above`);
  // A generator that only produced errors would prove little.
  assert.ok(rendered >= count / 5, `only ${rendered} of ${count} cases rendered without error`);
});
