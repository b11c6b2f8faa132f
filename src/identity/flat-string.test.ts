import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { flatString } from './flat-string.ts';

/** Heap bytes kept per string by 20 000 strings built in pieces, with and without flatString. */
function bytesPerString(keep: (s: string) => string): number {
  const count = 20_000;
  const kept: string[] = new Array<string>(count);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    let s = 'spiffe://';
    s += 'example.org';
    s += '/spire/agent/k8s_psat/';
    s += `cluster-${i % 2}`;
    s += `/node-${i}`;
    kept[i] = keep(s);
  }
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / count;
  assert.equal(kept[7], 'spiffe://example.org/spire/agent/k8s_psat/cluster-1/node-7');
  return bytes;
}

// A collection before each measurement, so that only what is kept is counted.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a string built in pieces is kept flat: the same text in much less memory', () => {
  const pieces = bytesPerString((s) => s);
  const flat = bytesPerString(flatString);
  assert.ok(flat < pieces * 0.7, `flat ${flat.toFixed(0)} B, in pieces ${pieces.toFixed(0)} B per string`);
});
