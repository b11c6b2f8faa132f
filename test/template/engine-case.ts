// Renders a GoCase with the project's engine, in the same terms as the Go reference answers.
import assert from 'node:assert/strict';
import { compileTemplate } from '../../src/template/compile.ts';
import { toBytes } from '../../src/template/go-string.ts';
import { TemplateError } from '../../src/template/template-error.ts';
import { goStruct } from '../../src/template/values.ts';
import type { GoCase, GoResult } from './go-template-tool.ts';

/** The engine's value for case data: JSON, with {"$int": n} as an int and {"$goStruct": T, "fields"} as a struct. */
export function engineData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(engineData);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$int') return BigInt(o['$int'] as number);
    if (typeof o['$goStruct'] === 'string') {
      const fields = (o['fields'] ?? {}) as Record<string, unknown>;
      const converted: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(fields)) converted[k] = engineData(f);
      return goStruct(o['$goStruct'], converted);
    }
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(o)) out[k] = engineData(e);
    return out;
  }
  return v;
}

export function renderWithEngine(c: GoCase): GoResult {
  try {
    const missingKey = c.missingkey === 'invalid' ? 'default' : c.missingkey;
    const t = compileTemplate(c.name ?? 'template', c.template, {
      ...(missingKey !== undefined ? { missingKey } : {}),
      ...(c.leftDelim !== undefined ? { leftDelim: c.leftDelim } : {}),
      ...(c.rightDelim !== undefined ? { rightDelim: c.rightDelim } : {}),
    });
    // The reference receives the data as JSON text; so does the engine (JSON has no -0 literal, for one).
    const data: unknown = JSON.parse(JSON.stringify(c.data ?? null));
    return { output: Buffer.from(toBytes(t.executeRaw(engineData(data)))) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.message };
    throw e;
  }
}

/** How a result reads in a failure message. */
export function describeResult(r: GoResult): string {
  return 'error' in r ? `error: ${r.error}` : `output: ${JSON.stringify(r.output.toString('utf8'))}`;
}

/** Compares the engine's result with Go's. */
export function assertSameAsGo(c: GoCase, ours: GoResult, go: GoResult): void {
  if (c.anyError === true) {
    assert.ok('error' in go, `Go should fail: ${describeResult(go)}`);
    assert.ok('error' in ours, `the engine should fail as Go does (${describeResult(go)}), got ${describeResult(ours)}`);
    return;
  }
  if ('error' in go) {
    assert.deepEqual(describeResult(ours), describeResult(go));
    return;
  }
  assert.ok('output' in ours, `Go renders ${describeResult(go)}, the engine fails: ${describeResult(ours)}`);
  assert.ok(ours.output.equals(go.output), `output differs:\n  engine: ${describeResult(ours)}\n  go:     ${describeResult(go)}`);
}

