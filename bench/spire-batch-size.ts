// Measures how the Entry API's batch and page sizes affect throughput against the rig's spire-server
// (SQLite datastore), to choose the client's defaults (docs/adr/0004-spire-client-sizes-and-retries.md).
//
//   node bench/spire-batch-size.ts [entries=2000] [rounds=3] [section...]
//
// Sections (all by default):
//   sizes        create, update (one masked field) and delete `entries` pod-shaped entries at each batch
//                size, each round on a fresh server
//   concurrency  the same at batch size 50 with 1, 2 and 4 batches in flight
//   growth       creates 10 000 entries in steps of 2000 and prints the rate of each step
//   pages        lists 10 000 entries at each page size
// Prints the median of the rounds. Timings are relative: run it alone on an otherwise idle machine.
import { median } from './bench-support.ts';
import { createEntryClient, type EntryClient } from '../src/spire/entry-client.ts';
import type { WriteOutcome } from '../src/spire/write-outcome.ts';
import { podEntries } from '../test/support/pod-entries.ts';
import { ProcessGroup } from '../test/rig/processes.ts';
import { startSpireServer } from '../test/rig/spire-server.ts';

const entries = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const sections = process.argv.length > 4 ? process.argv.slice(4) : ['sizes', 'concurrency', 'growth', 'pages'];
const batchSizes = [1, 10, 25, 50, 100, 200, 500];
const concurrencies = [1, 2, 4];
const pageSizes = [50, 100, 200, 500, 1000, 2000];
const large = 10_000;

async function withServer<T>(work: (socketPath: string) => Promise<T>): Promise<T> {
  const group = new ProcessGroup('bench-spire-');
  try {
    const server = await startSpireServer(group, { trustDomain: 'example.org' });
    return await work(server.socketPath);
  } finally {
    await group.stopAll();
  }
}

async function withClient<T>(socketPath: string, batchSize: number, work: (client: EntryClient) => Promise<T>): Promise<T> {
  const client = createEntryClient({ socketPath, createBatchSize: batchSize, updateBatchSize: batchSize, deleteBatchSize: batchSize });
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

function allWritten(outcomes: WriteOutcome[], what: string): void {
  const failed = outcomes.filter((outcome) => outcome.kind !== 'ok');
  if (failed.length > 0) throw new Error(`${what}: ${failed.length} not written, e.g. ${JSON.stringify(failed[0])}`);
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** `items` dealt into `ways` parts of about equal size. */
function deal<T>(items: readonly T[], ways: number): T[][] {
  const size = Math.ceil(items.length / ways);
  return Array.from({ length: ways }, (_, i) => items.slice(i * size, (i + 1) * size));
}

const rate = (count: number, seconds: number): string => `${Math.round(count / seconds)}`.padStart(8);
const print = (line: string): boolean => process.stdout.write(`${line}\n`);

/** Creates, updates and deletes `entries` entries with `inFlight` calls at a time; seconds per operation. */
async function writeRound(batchSize: number, inFlight: number): Promise<{ create: number; update: number; delete: number }> {
  return withServer((socketPath) =>
    withClient(socketPath, batchSize, async (client) => {
      const wanted = podEntries('bench-', entries);
      const updates = wanted.map((entry) => ({ entry: { ...entry, x509SvidTtl: 1800 }, fields: ['x509SvidTtl' as const] }));
      const ids = wanted.map((entry) => entry.id);
      // Each part is written in batches one after another; the parts go at the same time.
      const create = await timed(async () => {
        for (const outcomes of await Promise.all(deal(wanted, inFlight).map((part) => client.createEntries(part)))) allWritten(outcomes, 'create');
      });
      const update = await timed(async () => {
        for (const outcomes of await Promise.all(deal(updates, inFlight).map((part) => client.updateEntries(part)))) allWritten(outcomes, 'update');
      });
      const remove = await timed(async () => {
        for (const outcomes of await Promise.all(deal(ids, inFlight).map((part) => client.deleteEntries(part)))) allWritten(outcomes, 'delete');
      });
      return { create, update, delete: remove };
    }),
  );
}

async function writeTable(label: string, cases: readonly { name: number; batchSize: number; inFlight: number }[]): Promise<void> {
  print(`\n${entries} pod entries, median of ${rounds} rounds, each on a fresh server (entries/s)`);
  print(`${label.padStart(5)}   create   update   delete`);
  for (const { name, batchSize, inFlight } of cases) {
    const times = { create: [] as number[], update: [] as number[], delete: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const measured = await writeRound(batchSize, inFlight);
      times.create.push(measured.create);
      times.update.push(measured.update);
      times.delete.push(measured.delete);
    }
    print(`${String(name).padStart(5)} ${rate(entries, median(times.create))} ${rate(entries, median(times.update))} ${rate(entries, median(times.delete))}`);
  }
}

print('spire-server Entry API throughput');
if (sections.includes('sizes')) {
  await writeTable('batch', batchSizes.map((batchSize) => ({ name: batchSize, batchSize, inFlight: 1 })));
}
if (sections.includes('concurrency')) {
  await writeTable('calls', concurrencies.map((inFlight) => ({ name: inFlight, batchSize: 50, inFlight })));
}
if (sections.includes('growth') || sections.includes('pages')) {
  await withServer((socketPath) =>
    withClient(socketPath, 50, async (client) => {
      const step = 2000;
      if (sections.includes('growth')) print(`\ncreating ${large} entries at batch size 50, by steps of ${step}\nentries before  entries/s`);
      for (let from = 0; from < large; from += step) {
        const seconds = await timed(async () => allWritten(await client.createEntries(podEntries('bench-', step, 'example.org', from)), 'create'));
        if (sections.includes('growth')) print(`${String(from).padStart(14)} ${rate(step, seconds)}`);
      }
      if (!sections.includes('pages')) return;
      print(`\nListEntries of ${large} entries, median of ${rounds} rounds\n page  seconds  entries/s`);
      for (const pageSize of pageSizes) {
        // A client per page size on the same server, so that only the page size differs.
        const pager = createEntryClient({ socketPath, pageSize });
        const times: number[] = [];
        try {
          for (let round = 0; round < rounds; round++) {
            times.push(
              await timed(async () => {
                const got = (await pager.listEntries()).length;
                if (got !== large) throw new Error(`listed ${got}, expected ${large}`);
              }),
            );
          }
        } finally {
          pager.close();
        }
        const seconds = median(times);
        print(`${String(pageSize).padStart(5)} ${seconds.toFixed(2).padStart(8)} ${rate(large, seconds)}`);
      }
    }),
  );
}
