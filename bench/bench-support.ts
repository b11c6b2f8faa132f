// What the benchmarks share: bounded concurrency, percentiles and medians, a process's memory and CPU
// from /proc, /metrics samples, and the paced stream of pod creates and deletes whose pod-to-entry
// latency they report.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** The `p`th percentile (nearest rank) of ascending `sorted`; NaN when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The middle of `values` (of an even count, the upper of the two middles); NaN when there are none. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
}

/** kB figures of /proc/<pid>/status. */
export function memory(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

let clockTicks: number | undefined;

/** CPU seconds a process has used so far, every thread of it: utime + stime of /proc/<pid>/stat over `getconf CLK_TCK`. */
export function cpuSeconds(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line; fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** The sum of a metric's samples in a /metrics scrape whose labels contain every `labels` pair. */
export function sample(scrape: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await (await fetch(url)).text(), name, labels);
}

export const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
export const log = (text: string): void => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

export interface PodStreamOptions {
  /** How many ticks; each creates one pod. */
  readonly ticks: number;
  readonly ticksPerSecond: number;
  /** Creates the tick's pod; resolves with the SPIFFE ID its entry is to have. */
  create(tick: number): Promise<string>;
  /** Deletes a pod at this tick, or nothing (undefined); not waited for before the next tick. */
  remove(tick: number): Promise<void> | undefined;
  /** Whether an entry with this SPIFFE ID is listed (polled every 20 ms). */
  listed(spiffeId: string): Promise<boolean>;
  /** How long a created pod's entry may take before it counts as missed. */
  readonly timeoutMs: number;
}

export interface PodStreamResult {
  /** Pod created to entry listed, ascending, of the entries seen in time. */
  readonly latenciesMs: readonly number[];
  /** Created pods whose entry was not listed within the timeout. */
  readonly missed: number;
  /** Pod creates and deletes done. */
  readonly events: number;
}

/** A steady stream of pod creates (and deletes), paced by ticks; resolves once every entry was seen or missed. */
export async function runPodStream(options: PodStreamOptions): Promise<PodStreamResult> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let missed = 0;
  let events = 0;
  const start = performance.now();
  for (let tick = 0; tick < options.ticks; tick++) {
    await sleep(Math.max(0, start + (tick * 1000) / options.ticksPerSecond - performance.now()));
    const spiffeId = await options.create(tick);
    const createdAt = performance.now();
    events++;
    pending.push(
      (async () => {
        const deadline = createdAt + options.timeoutMs;
        while (performance.now() < deadline) {
          if (await options.listed(spiffeId)) {
            latencies.push(performance.now() - createdAt);
            return;
          }
          await sleep(20);
        }
        missed++;
      })(),
    );
    const removed = options.remove(tick);
    if (removed !== undefined) pending.push(removed.then(() => void events++));
  }
  await Promise.all(pending);
  return { latenciesMs: latencies.sort((a, b) => a - b), missed, events };
}
