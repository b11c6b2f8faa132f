import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { componentPath } from './components.ts';
import { freePort, waitUntilReady, type ProcessGroup, type RigProcess } from './processes.ts';

export interface Etcd {
  /** The client URL; several apiservers share it, each under its own --etcd-prefix. */
  readonly endpoint: string;
  readonly process: RigProcess;
}

/** Starts one etcd member with its data in the group's directory. */
export async function startEtcd(group: ProcessGroup): Promise<Etcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const dataDir = join(group.dir, 'etcd');
  mkdirSync(dataDir, { recursive: true });
  const proc = group.start('etcd', componentPath('etcd'), {
    args: [
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      // A test store: durability across power loss is not worth an fsync per write.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  });
  await waitUntilReady(proc, async () => {
    const response = await fetch(`${endpoint}/health`);
    return response.ok && ((await response.json()) as { health?: string }).health === 'true';
  });
  return { endpoint, process: proc };
}
