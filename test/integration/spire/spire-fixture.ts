import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEntryClient, type EntryClientOptions, type SpireEntryClient } from '../../../src/spire/entry-client.ts';
import type { RegistrationEntry } from '../../../src/spire/entry.ts';
import { postgresUnavailable } from '../../rig/postgres.ts';
import { ProcessGroup } from '../../rig/processes.ts';
import { startSpireServer, type SpireDatastoreKind, type SpireServer } from '../../rig/spire-server.ts';

/**
 * Every test file here runs once per datastore, since the Entry API's answers (outcomes, paging, limits)
 * come from the datastore's SQL. `skip` says why one cannot run on this machine (a describe's option).
 */
export const spireDatastores: readonly { readonly kind: SpireDatastoreKind; readonly skip: string | false }[] = [
  { kind: 'sqlite3', skip: false },
  { kind: 'postgres', skip: postgresUnavailable() ?? false },
];

/** A real spire-server of the rig and a client on its admin socket, for one test file. */
export interface SpireFixture {
  readonly group: ProcessGroup;
  readonly server: SpireServer;
  readonly client: SpireEntryClient;
  /** Another client on the same server, with other options; closed by `stop`. */
  clientWith(options: Omit<EntryClientOptions, 'socketPath'>): SpireEntryClient;
  stop(): Promise<void>;
}

export async function startSpireFixture(datastore: SpireDatastoreKind, trustDomain = 'example.org'): Promise<SpireFixture> {
  const group = new ProcessGroup('it-spire-');
  const server = await startSpireServer(group, { trustDomain, datastore });
  const clients: SpireEntryClient[] = [];
  const clientWith = (options: Omit<EntryClientOptions, 'socketPath'>): SpireEntryClient => {
    const client = createEntryClient({ ...options, socketPath: server.socketPath });
    clients.push(client);
    return client;
  };
  return {
    group,
    server,
    client: clientWith({}),
    clientWith,
    stop: async () => {
      for (const client of clients) client.close();
      await group.stopAll();
    },
  };
}

/** The IDs of `entries`, sorted, for comparing sets of entries. */
export function idsOf(entries: readonly Pick<RegistrationEntry, 'id'>[]): string[] {
  return entries.map((entry) => entry.id).sort();
}

/** Makes `trustDomain` a federated trust domain of the server (entries may federate only with those). */
export async function federateWith(server: SpireServer, trustDomain: string, dir: string): Promise<void> {
  // Any valid bundle will do: the server's own serves as the foreign one.
  const bundlePath = join(dir, `${trustDomain}.bundle.json`);
  writeFileSync(bundlePath, await server.cliOk(['bundle', 'show', '-format', 'spiffe']));
  await server.cliOk(['bundle', 'set', '-format', 'spiffe', '-id', `spiffe://${trustDomain}`, '-path', bundlePath]);
}

/** `items[index]`, or a failure naming what is missing. */
export function at<T>(items: readonly T[], index: number): T {
  if (index < 0 || index >= items.length) throw new Error(`no item ${index} among ${items.length}`);
  return items[index] as T;
}
