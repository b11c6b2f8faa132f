// Measures how the Entry API's batch and page sizes affect throughput against the rig's spire-server
// (SQLite datastore), to choose the client's defaults (docs/adr/0004-spire-batch-and-page-sizes.md).
//
//   node bench/spire-batch-size.ts [entries=2000] [rounds=3]
//
// Creates, updates (one masked field) and deletes `entries` pod-shaped entries at each batch size, each
// round on a fresh server, then lists 10 000 entries at each page size. Prints the median of the rounds.
import { createEntryClient, type EntryClient } from '../src/spire/entry-client.ts';
import type { WriteOutcome } from '../src/spire/write-outcome.ts';
import { ProcessGroup } from '../test/rig/processes.ts';
import { startSpireServer } from '../test/rig/spire-server.ts';
import { podEntries } from '../test/integration/spire/pod-entries.ts';

const entries = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const batchSizes = [1, 10, 25, 50, 100, 200, 500];
const pageSizes = [50, 100, 200, 500, 1000, 2000];
const listed = 10_000;

async function withServer<T>(work: (client: EntryClient, socketPath: string) => Promise<T>): Promise<T> {
  const group = new ProcessGroup('bench-spire-');
  try {
    const server = await startSpireServer(group, { trustDomain: 'example.org' });
    const client = createEntryClient({ socketPath: server.socketPath, createBatchSize: 500, updateBatchSize: 500, deleteBatchSize: 500 });
    try {
      return await work(client, server.socketPath);
    } finally {
      client.close();
    }
  } finally {
    await group.stopAll();
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const rate = (count: number, seconds: number): string => `${Math.round(count / seconds)}`.padStart(8);

process.stdout.write(`spire-server Entry API, ${entries} pod entries, median of ${rounds} rounds (entries/s)\n`);
process.stdout.write('batch   create   update   delete\n');
for (const size of batchSizes) {
  const times = { create: [] as number[], update: [] as number[], delete: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    await withServer(async (client) => {
      const batch = <T,>(items: readonly T[]): T[][] =>
        Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
      const wanted = podEntries('bench-', entries);
      times.create.push(
        await timed(async () => {
          for (const part of batch(wanted)) allWritten(await client.createEntries(part), 'create');
        }),
      );
      const updates = wanted.map((entry) => ({ entry: { ...entry, x509SvidTtl: 1800 }, fields: ['x509SvidTtl' as const] }));
      times.update.push(
        await timed(async () => {
          for (const part of batch(updates)) allWritten(await client.updateEntries(part), 'update');
        }),
      );
      times.delete.push(
        await timed(async () => {
          for (const part of batch(wanted.map((entry) => entry.id))) allWritten(await client.deleteEntries(part), 'delete');
        }),
      );
    });
  }
  process.stdout.write(
    `${String(size).padStart(5)} ${rate(entries, median(times.create))} ${rate(entries, median(times.update))} ${rate(entries, median(times.delete))}\n`,
  );
}

await withServer(async (client, socketPath) => {
  allWritten(await client.createEntries(podEntries('bench-', listed)), 'create for listing');
  process.stdout.write(`\nListEntries of ${listed} entries, median of ${rounds} rounds\n page  seconds  entries/s\n`);
  for (const pageSize of pageSizes) {
    // A client per page size on the same server, so that only the page size differs.
    const pager = createEntryClient({ socketPath, pageSize });
    const times: number[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        times.push(
          await timed(async () => {
            const got = (await pager.listEntries()).length;
            if (got !== listed) throw new Error(`listed ${got}, expected ${listed}`);
          }),
        );
      }
    } finally {
      pager.close();
    }
    const seconds = median(times);
    process.stdout.write(`${String(pageSize).padStart(5)} ${seconds.toFixed(2).padStart(8)} ${rate(listed, seconds)}\n`);
  }
});
