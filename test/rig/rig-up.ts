// `npm run rig:up [-- --datastore sqlite3|postgres]`: starts the local fleet, prints how to reach each
// part, and stops it all on Ctrl-C.
import { parseArgs } from 'node:util';
import { startFleet } from './fleet.ts';
import { describeDatastore, parseSpireDatastoreKind } from './spire-server.ts';

const { values } = parseArgs({ options: { datastore: { type: 'string', default: 'sqlite3' } } });
const spireDatastore = parseSpireDatastoreKind(values.datastore, '--datastore');
const started = Date.now();
process.stdout.write(`Starting the local fleet (etcd, 3 kube-apiservers, moto, spire-server on ${spireDatastore})...\n`);
const fleet = await startFleet({ workloadClusters: 2, spireDatastore });
const lines = [
  `Fleet up in ${((Date.now() - started) / 1000).toFixed(1)}s; files in ${fleet.dir}`,
  '',
  'Management cluster:',
  `  export KUBECONFIG=${fleet.management.kubeconfigPath}`,
  '',
  'Workload clusters (EKS clusters behind moto; their apiservers accept EKS tokens of the rig keys):',
  ...fleet.workloads.map(
    (w) =>
      `  ${w.clusterName}  region ${w.region}  account ${w.accountId}  ${w.assumeRoleArn ? `role ${w.assumeRoleArn}` : 'base keys'}\n` +
      `    ${w.apiServer.url}  admin kubeconfig ${w.apiServer.kubeconfigPath}`,
  ),
  '',
  'AWS (moto: EKS DescribeCluster, STS AssumeRole):',
  ...Object.entries(fleet.awsEnv).map(([k, v]) => `  export ${k}=${v}`),
  '',
  ...(fleet.spire === undefined
    ? []
    : ['SPIRE server:', `  socket ${fleet.spire.socketPath}  trust domain ${fleet.spire.trustDomain}`, `  ${describeDatastore(fleet.spire.datastore)}`, '']),
  'Press Ctrl-C to stop.',
  '',
];
process.stdout.write(lines.join('\n'));

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping the fleet...\n');
  await fleet.stop();
  process.stdout.write('Stopped.\n');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
