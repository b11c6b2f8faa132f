// `npm run faults [-- --pods N --churn R --only 2,3]`: the fault suite on the rig's fleet (issue 14).
// Prints the scorecard, a row per scenario, and exits 1 if any row lost, strayed, duplicated, touched a
// foreign entry or did not converge within its bound. Defaults: 1000 pods, 4 churn operations a second.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runFaultSuite, scorecard } from './fault-suite.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '1000' },
    churn: { type: 'string', default: '4' },
    only: { type: 'string' },
  },
});
const pods = Number(values.pods);
const churnPerSecond = Number(values.churn);
if (!Number.isInteger(pods) || pods < 10) throw new Error(`--pods ${values.pods}: expected a whole number of at least 10`);
if (!(churnPerSecond >= 0)) throw new Error(`--churn ${values.churn}: expected operations per second`);
const only = values.only?.split(',').map(Number);

const load = (): string => loadavg().map((n) => n.toFixed(2)).join(', ');
const started = Date.now();
const loadAtStart = load();
const rows = await runFaultSuite({ pods, churnPerSecond, ...(only ? { only } : {}) });
let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // Not a clone.
}
process.stdout.write(
  `\n${scorecard(rows)}\n${pods} pods, ${churnPerSecond} churn operations/s; ${((Date.now() - started) / 60_000).toFixed(1)} min; load average at start ${loadAtStart}, at end ${load()}${commit ? `; commit ${commit}` : ''}\n`,
);
process.exitCode = rows.every((row) => row.passed) ? 0 : 1;
