import { setTimeout as sleep } from 'node:timers/promises';
import { checkPasses, doubleCreates, type EntryCheck } from './entry-check.ts';
import { lineCount, logLinesOf, startFaultFleet, type FaultFleet } from './fault-fleet.ts';
import { scenarios, type FaultContext, type Scenario } from './scenarios.ts';

export interface SuiteOptions {
  readonly pods: number;
  readonly churnPerSecond: number;
  /** Scenario numbers to run, in the order given; scenario 1 (the first convergence) always runs first. */
  readonly only?: readonly number[];
  readonly log?: (text: string) => void;
}

/** One row of the scorecard. */
export interface ScenarioRow {
  readonly id: number;
  readonly title: string;
  readonly boundSeconds: number;
  /** Seconds from the fault's end to the first check that passed; undefined if none did within the bound. */
  readonly convergeSeconds: number | undefined;
  readonly check: EntryCheck;
  /** Stable pods' entries missing in some look during the fault. */
  readonly stableGone: number;
  /** Stable pods' entries deleted, re-created or rewritten across the scenario (those it edited itself aside). */
  readonly stableRewritten: number;
  /** Entry IDs created twice with no delete between (across replicas). */
  readonly doubleCreates: number;
  /** Controller exits nobody asked for. */
  readonly unexpectedExits: number;
  readonly errorsLogged: number;
  /** Warnings logged (a failed SPIRE write is one). */
  readonly warningsLogged: number;
  readonly churnOperations: number;
  readonly failures: readonly string[];
  readonly notes: readonly string[];
  readonly passed: boolean;
}

const stableFingerprints = async (ff: FaultFleet): Promise<Map<string, string>> =>
  new Map(
    (await ff.spireServer.cliEntries())
      .filter((entry) => ff.stableEntryIds.has(String(entry.id)))
      .map((entry) => [String(entry.id), JSON.stringify([entry.created_at, entry.revision_number ?? 0])]),
  );

/**
 * Runs the scenarios on one fleet, one after another: each starts from a converged fleet, churns pods
 * through its fault, and is checked against the plan over the clusters' final state.
 */
export async function runFaultSuite(options: SuiteOptions): Promise<ScenarioRow[]> {
  const log = options.log ?? ((text: string) => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`));
  const wanted = options.only ?? scenarios.map((s) => s.id);
  const chosen = [1, ...wanted.filter((id) => id !== 1)].map((id) => {
    const scenario = scenarios.find((s) => s.id === id);
    if (scenario === undefined) throw new Error(`no scenario ${id}; there are ${scenarios.map((s) => s.id).join(', ')}`);
    return scenario;
  });
  const ff = await startFaultFleet({ pods: options.pods, churnPerSecond: options.churnPerSecond, gcInterval: '60s', log });
  const rows: ScenarioRow[] = [];
  try {
    for (const scenario of chosen) {
      rows.push(await runScenario(ff, scenario, options.churnPerSecond, log));
      // The next scenario starts from the entries of the stable pods as they are now.
      if (scenario.id === 1) await ff.recordStableEntries();
    }
  } finally {
    await ff.stop();
  }
  return rows;
}

async function runScenario(ff: FaultFleet, scenario: Scenario, churnPerSecond: number, log: (text: string) => void): Promise<ScenarioRow> {
  log(`scenario ${scenario.id}: ${scenario.title}`);
  const notes: string[] = [];
  const failures: string[] = [];
  const touched = new Set<string>();
  const ctx: FaultContext = { ff, log, note: (text) => void notes.push(text), fail: (text) => void failures.push(text), touched };
  const offsets = new Map<string, number>();
  for (const replica of ff.replicas) for (const file of replica.logFiles) offsets.set(file, lineCount(file));
  const exitsBefore = ff.replicas.reduce((n, r) => n + r.unexpectedExits, 0);
  const fingerprintsBefore = ff.stableEntryIds.size > 0 ? await stableFingerprints(ff) : new Map<string, string>();
  const operationsBefore = ff.churn.operations;

  // While the fault lasts, every entry of a stable pod must stay: looked at every 3 s (while SPIRE answers).
  const gone = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const present = new Set((await ff.spire.listEntries()).map((e) => e.id));
        for (const id of ff.stableEntryIds) if (!present.has(id) && !touched.has(id)) gone.add(id);
      } catch {
        // SPIRE does not answer: nothing to look at.
      }
      await sleep(3000);
    }
  })();

  const churnFailuresBefore = ff.churn.failures;
  ff.churn.start(churnPerSecond);
  try {
    await scenario.inject(ctx);
  } catch (error) {
    failures.push(`the fault could not be injected: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    sampling = false;
  }
  const faultEnded = performance.now();
  await ff.churn.stop();
  await sampler;
  log(`scenario ${scenario.id}: fault over; ${ff.churn.operations - operationsBefore} churn operations; waiting for convergence (bound ${scenario.boundSeconds} s)`);

  let check: EntryCheck | undefined;
  let convergeSeconds: number | undefined;
  let lastCheckError = '';
  let firstFailureNoted = false;
  const deadline = faultEnded + scenario.boundSeconds * 1000;
  for (;;) {
    try {
      check = await ff.check();
      if (checkPasses(check)) {
        convergeSeconds = (performance.now() - faultEnded) / 1000;
        break;
      }
      // What was still wrong right after the fault says where the time to converge goes.
      if (!firstFailureNoted) {
        firstFailureNoted = true;
        notes.push(`first check after the fault: ${JSON.stringify(summary(check))}`);
      }
    } catch (error) {
      // A server just back may refuse a list for a moment; only the last such failure is worth a note.
      lastCheckError = (error as Error).message.split('\n')[0] ?? '';
    }
    if (performance.now() > deadline) {
      if (lastCheckError !== '') notes.push(`last check failed: ${lastCheckError.slice(0, 200)}`);
      break;
    }
    await sleep(2000);
  }
  check ??= { expected: 0, owned: 0, lost: [], stray: [], differ: [], duplicates: [], foreignChanged: ['(never checked)'] };
  if (convergeSeconds === undefined) failures.push(`not converged within ${scenario.boundSeconds} s`);
  try {
    await scenario.verify?.(ctx);
  } catch (error) {
    failures.push(`verify: ${(error as Error).message.split('\n')[0]}`);
  }
  const churnFailures = ff.churn.failures - churnFailuresBefore;
  // Requests to a server that is down fail; the count says how much of the churn reached the clusters.
  if (churnFailures > 0) notes.push(`${churnFailures} churn requests failed`);

  let stableRewritten = 0;
  if (fingerprintsBefore.size > 0) {
    const after = await stableFingerprints(ff);
    for (const [id, print] of fingerprintsBefore) if (!touched.has(id) && after.get(id) !== print) stableRewritten++;
  }
  const lines = ff.replicas.flatMap((r) => r.logFiles.flatMap((file) => logLinesOf(file, offsets.get(file) ?? 0)));
  const errorLines = lines.filter((line) => line.level === 'error');
  const firstError = errorLines[0];
  if (firstError !== undefined) notes.push(`first error: ${String(firstError.msg)}${firstError.err ? `: ${JSON.stringify(firstError.err).slice(0, 160)}` : ''}`);
  const row: ScenarioRow = {
    id: scenario.id,
    title: scenario.title,
    boundSeconds: scenario.boundSeconds,
    convergeSeconds,
    check,
    stableGone: gone.size,
    stableRewritten,
    doubleCreates: doubleCreates(lines),
    unexpectedExits: ff.replicas.reduce((n, r) => n + r.unexpectedExits, 0) - exitsBefore,
    errorsLogged: errorLines.length,
    warningsLogged: lines.filter((line) => line.level === 'warn').length,
    churnOperations: ff.churn.operations - operationsBefore,
    failures,
    notes,
    passed: false,
  };
  const passed =
    failures.length === 0 && checkPasses(check) && row.stableGone === 0 && row.stableRewritten === 0 && row.doubleCreates === 0;
  const done = { ...row, passed };
  log(`scenario ${scenario.id}: ${passed ? 'pass' : 'FAIL'} ${JSON.stringify({ ...done, check: summary(check) })}`);
  return done;
}

function summary(check: EntryCheck): Record<string, unknown> {
  const few = (ids: readonly string[]): string[] => ids.slice(0, 3);
  return {
    expected: check.expected,
    owned: check.owned,
    lost: few(check.lost),
    stray: few(check.stray),
    differ: few(check.differ),
    duplicates: few(check.duplicates),
    foreignChanged: few(check.foreignChanged),
  };
}

/** The scorecard: a row per scenario. */
export function scorecard(rows: readonly ScenarioRow[]): string {
  const header = ['#', 'scenario', 'expected', 'lost', 'stray', 'differ', 'dup', 'foreign', 'stable gone', 'rewritten', 'double creates', 'converge s (bound)', 'exits', 'errors', 'warnings', 'churn ops', 'result'];
  const body = rows.map((r) => [
    String(r.id),
    r.title,
    String(r.check.expected),
    String(r.check.lost.length),
    String(r.check.stray.length),
    String(r.check.differ.length),
    String(r.check.duplicates.length),
    String(r.check.foreignChanged.length),
    String(r.stableGone),
    String(r.stableRewritten),
    String(r.doubleCreates),
    `${r.convergeSeconds === undefined ? '-' : r.convergeSeconds.toFixed(1)} (${r.boundSeconds})`,
    String(r.unexpectedExits),
    String(r.errorsLogged),
    String(r.warningsLogged),
    String(r.churnOperations),
    r.passed ? 'pass' : 'FAIL',
  ]);
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const table = [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
  const notes = rows.map((r) => `${r.id}. ${[...r.failures.map((f) => `FAIL: ${f}`), ...r.notes].join('; ') || '-'}`).join('\n');
  return `${table}\n\nNotes:\n${notes}\n`;
}
