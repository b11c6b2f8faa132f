// The fault suite's quick subset for `npm test` (issue 14): the first convergence with spire-server
// killed in its middle (scenario 1, always first), spire-server frozen during churn (2) and the controller
// killed mid-apply (7), on 100 pods. `npm run faults` runs every scenario on more pods.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFaultSuite, scorecard } from './fault-suite.ts';

test('faults: spire-server killed mid first convergence, spire-server frozen, controller killed mid-apply: nothing lost, stray, duplicated or foreign touched', { timeout: 15 * 60_000 }, async () => {
  const rows = await runFaultSuite({ pods: 100, churnPerSecond: 4, only: [2, 7], log: (text) => void process.stdout.write(`# ${text}\n`) });
  const table = scorecard(rows);
  process.stdout.write(table.replace(/^/gm, '# '));
  assert.deepEqual(rows.map((row) => row.id), [1, 2, 7]);
  for (const row of rows) {
    // A check over nothing would pass: each row compared real entries, with churn during its fault.
    assert.ok(row.check.expected >= 50, `scenario ${row.id}: ${row.check.expected} entries expected`);
    assert.ok(row.churnOperations > 0, `scenario ${row.id}: no churn`);
    assert.ok(row.passed, `scenario ${row.id} failed:\n${table}`);
  }
});
