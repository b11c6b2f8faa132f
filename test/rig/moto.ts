import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentPath } from './components.ts';
import { freePort, waitUntilReady, type ProcessGroup, type RigProcess } from './processes.ts';

/** An EKS cluster as moto's DescribeCluster will report it. */
export interface MotoCluster {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  /** The apiserver URL DescribeCluster returns as `endpoint`. */
  readonly endpoint: string;
  /** The CA DescribeCluster returns, PEM (base64-encoded into the answer as EKS does). */
  readonly caPem: string;
}

export interface Moto {
  /** Set as AWS_ENDPOINT_URL (or _EKS, _STS) to point the AWS SDK at it. */
  readonly endpoint: string;
  readonly process: RigProcess;
}

const launcher = fileURLToPath(new URL('./moto-launcher.py', import.meta.url));

/** Starts moto serving EKS and STS, with `clusters` created and pointing at local apiservers. */
export async function startMoto(group: ProcessGroup, clusters: readonly MotoCluster[]): Promise<Moto> {
  const port = await freePort();
  const configFile = join(group.dir, 'moto.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      port,
      clusters: clusters.map((c) => ({ ...c, caData: Buffer.from(c.caPem).toString('base64') })),
    }),
  );
  const proc = group.start('moto', componentPath('python'), { args: [launcher, configFile] });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(proc, async () => {
    // "ready" is printed after the clusters exist, so a serving port alone is not enough.
    return readFileSync(proc.logFile, 'utf8').includes('ready') && (await fetch(`${endpoint}/moto-api/`)).ok;
  });
  return { endpoint, process: proc };
}
