// `node bench/apply.ts [N...]` (default 10000 50000): time `apply` of N new entries into the rig's
// spire-server, against the lower bound measured in the same run: the same entries sent as raw
// BatchCreateEntry calls at the best batch size, with no planning, listing or diffing. Each measurement
// gets a fresh server (and a fresh PostgreSQL), since the server's cost per create grows with its table.
// BENCH_DATASTORE=sqlite3|postgres: the spire-server's datastore, for both measurements (default sqlite3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { planFromFiles } from '../src/cli/plan.ts';
import { defaultCreateBatchSize } from '../src/spire/entry-client.ts';
import { entryToMessage } from '../src/spire/entry-message.ts';
import { openEntryService } from '../src/spire/entry-service.ts';
import { writeShopCluster, writeShopConfig, writeShopManifests } from '../test/fixtures/shop-cluster.ts';
import { ProcessGroup } from '../test/rig/processes.ts';
import { parseSpireDatastoreKind, startSpireServer, type SpireServer } from '../test/rig/spire-server.ts';

const datastore = parseSpireDatastoreKind(process.env.BENCH_DATASTORE ?? 'sqlite3', 'BENCH_DATASTORE');

async function withServer<T>(run: (server: SpireServer) => Promise<T>): Promise<T> {
  const group = new ProcessGroup('bench-apply-');
  try {
    return await run(await startSpireServer(group, { trustDomain: 'example.org', datastore }));
  } finally {
    await group.stopAll();
  }
}

const counts = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'bench-apply-'));
const files = { configPath: writeShopConfig(dir), manifestPaths: [writeShopManifests(dir, '1h')] };
console.log(`spire-server datastore: ${datastore}`);
console.log('entries  raw BatchCreateEntry (s)  apply (s)  ratio  apply entries/s');
try {
  for (const count of counts.length > 0 ? counts : [10_000, 50_000]) {
    const clusterPath = writeShopCluster(dir, count);
    const planned = await planFromFiles({ ...files, clusterPaths: new Map([['prod', clusterPath]]) }, (t) => process.stderr.write(t));
    if (planned === undefined) throw new Error('the bench input does not plan');
    const messages = planned.plan.entries.map(entryToMessage);

    const raw = await withServer(async (server) => {
      const service = openEntryService({ socketPath: server.socketPath, maxReceiveMessageBytes: 4 << 20, maxReconnectBackoffMs: 5000 });
      const start = performance.now();
      for (let i = 0; i < messages.length; i += defaultCreateBatchSize) {
        await service.call('BatchCreateEntry', { entries: messages.slice(i, i + defaultCreateBatchSize) }, new Date(Date.now() + 60_000));
      }
      const seconds = (performance.now() - start) / 1000;
      service.close();
      if ((await server.cliEntries()).length !== count) throw new Error('raw create did not create every entry');
      return seconds;
    });

    const applied = await withServer(async (server) => {
      let out = '';
      const start = performance.now();
      const code = await main(
        ['apply', '--config', files.configPath, '-f', files.manifestPaths[0] ?? '', '--cluster', `prod=${clusterPath}`, '--spire-socket', server.socketPath],
        { stdout: (t) => (out += t), stderr: (t) => process.stderr.write(t) },
      );
      const seconds = (performance.now() - start) / 1000;
      if (code !== 0 || JSON.parse(out).created !== count) throw new Error(`apply failed: ${code} ${out}`);
      return seconds;
    });
    console.log(
      `${String(count).padStart(7)}  ${raw.toFixed(1).padStart(24)}  ${applied.toFixed(1).padStart(9)}  ${(applied / raw).toFixed(2).padStart(5)}  ${(count / applied).toFixed(0).padStart(15)}`,
    );
  }
  console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
