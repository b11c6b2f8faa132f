// `npm run demo [-- --datastore sqlite3|postgres]`: the local fleet, the seed's Example 1 plus a
// cross-account registry, sample nodes and pods, and the controller as a child process; prints the
// entries as they appear, until Ctrl-C.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSelector } from '../../src/spire/entry.ts';
import { describeDatastore, parseSpireDatastoreKind } from './spire-server.ts';
import { createNamespace, createNode, createPod, identities, must, registries, registryFor, repoRoot, startHarness, webAppIdentity } from '../e2e/e2e-fixture.ts';

const { values } = parseArgs({ options: { datastore: { type: 'string', default: 'sqlite3' } } });
const spireDatastore = parseSpireDatastoreKind(values.datastore, '--datastore');
process.stdout.write(`Starting the local fleet (etcd, management + 2 workload kube-apiservers, moto, spire-server on ${spireDatastore})...\n`);
const h = await startHarness({ gcInterval: '1m', spireDatastore });
const [one, two] = h.fleet.workloads;
if (one === undefined || two === undefined) throw new Error('the fleet has no workload clusters');
for (const w of [one, two]) {
  await createNode(w.apiServer, 'node-1');
  await createNamespace(w.apiServer, 'ignored-ns');
}
await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production', team: 'platform' }));
await must(h.fleet.management, 'POST', registries, registryFor('dev-account-cluster', h.fleet, 1, { environment: 'development' }));
await must(h.fleet.management, 'POST', identities, webAppIdentity());
for (const [w, names] of [[one, ['web-1', 'web-2']], [two, ['web-a']]] as const) for (const name of names) await createPod(w.apiServer, 'default', name, { app: 'web-app' }, 'node-1');
const controller = h.startController();
process.stdout.write(
  [
    `Controller log: ${controller.logFile}`,
    `Management cluster: export KUBECONFIG=${h.fleet.management.kubeconfigPath}   (kubectl get eksclusterregistries,workloadidentities)`,
    `Workload clusters: ${one.clusterName} (base account, kubeconfig ${one.apiServer.kubeconfigPath}), ${two.clusterName} (account ${two.accountId} via ${two.assumeRoleArn}, kubeconfig ${two.apiServer.kubeconfigPath})`,
    `Config: ${h.configPath}  (src: ${join(repoRoot, 'src/main.ts')})`,
    ...(h.fleet.spire === undefined ? [] : [`SPIRE server: socket ${h.fleet.spire.socketPath}  ${describeDatastore(h.fleet.spire.datastore)}`]),
    'Create or delete pods labelled app=web-app in namespace default of either cluster and watch the entries follow. Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

let shown = new Map<string, string>();
const poll = setInterval(() => {
  void h.ownedEntries().then(
    (entries) => {
      const now = new Map(entries.map((e) => [e.id, `${e.spiffeId}  parent ${e.parentId}  ${e.selectors.map(formatSelector).join(',')}`]));
      for (const [id, text] of now) if (!shown.has(id)) process.stdout.write(`+ ${id}  ${text}\n`);
      for (const id of shown.keys()) if (!now.has(id)) process.stdout.write(`- ${id}\n`);
      shown = now;
    },
    (error: unknown) => process.stdout.write(`(SPIRE not answering: ${error instanceof Error ? error.message : String(error)})\n`),
  );
}, 500);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(poll);
  process.stdout.write('\nStopping...\n');
  await h.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
