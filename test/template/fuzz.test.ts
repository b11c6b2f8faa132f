// Property: whatever the template, data, options and limits, compiling and executing either renders
// within the output bound or throws TemplateError, never anything else (a RangeError from V8, a
// TypeError). The seed is fixed (so CI is reproducible) unless TEMPLATE_FUZZ_SEED says otherwise;
// TEMPLATE_FUZZ_RUNS sets how many cases run. fast-check names the seed and path of a failure.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { compileUncached } from '../../src/template/compile.ts';
import { TemplateError } from '../../src/template/template-error.ts';
import { type FuzzCase, fuzzCase } from './hostile-template.ts';

const seed = Number(process.env['TEMPLATE_FUZZ_SEED'] ?? 20261122);
const numRuns = Number(process.env['TEMPLATE_FUZZ_RUNS'] ?? 500);

/** The output, or the TemplateError; anything else is thrown. */
function run(c: FuzzCase): string | TemplateError {
  try {
    return compileUncached('fuzz', c.template, c.missingKey, c.leftDelim, c.rightDelim, c.limits).executeRaw(c.data);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
}

it(`${numRuns} hostile templates render or fail with a TemplateError (seed ${seed})`, (t) => {
  let rendered = 0;
  const start = performance.now();
  fc.assert(
    fc.property(fuzzCase, (c) => {
      const result = run(c);
      if (typeof result === 'string') {
        rendered++;
        assert.ok(result.length <= c.limits.maxOutputLength, `output of ${result.length} characters`);
      }
    }),
    { seed, numRuns },
  );
  t.diagnostic(`${numRuns} runs, seed ${seed}, ${rendered} rendered, ${((performance.now() - start) / 1000).toFixed(1)} s`);
  // A generator that only produced errors would prove little.
  assert.ok(rendered >= numRuns / 10, `only ${rendered} of ${numRuns} cases rendered without error`);
});
