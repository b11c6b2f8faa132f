import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEntryClient, type SpireEntryClient } from '../../src/spire/entry-client.ts';
import { registrationEntry } from '../support/registration-entry.ts';
import { postgresUnavailable } from './postgres.ts';
import { ProcessGroup } from './processes.ts';
import { startSpireServer, type SpireServer } from './spire-server.ts';

describe('rig: spire-server', () => {
  let group: ProcessGroup;
  let server: SpireServer;
  let client: SpireEntryClient;

  before(async () => {
    group = new ProcessGroup('rig-spire-');
    server = await startSpireServer(group, { trustDomain: 'rig.example' });
    client = createEntryClient({ socketPath: server.socketPath });
  });

  after(async () => {
    client.close();
    await group.stopAll();
  });

  it('passes its healthcheck', async () => {
    const result = await server.cli(['healthcheck']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Server is healthy/);
  });

  it('lists an entry created through its CLI, in the CLI and through the client', async () => {
    await server.cliOk([
      'entry', 'create',
      '-entryID', 'cli-made',
      '-parentID', 'spiffe://rig.example/node/a',
      '-spiffeID', 'spiffe://rig.example/workload/a',
      '-selector', 'k8s:ns:a',
    ]);
    const listed = await server.cliEntries();
    assert.deepEqual(
      listed.filter((entry) => entry.id === 'cli-made').map((entry) => entry.spiffe_id),
      [{ trust_domain: 'rig.example', path: '/workload/a' }],
    );
    const entry = await client.getEntry('cli-made');
    assert.equal(entry?.spiffeId, 'spiffe://rig.example/workload/a');
    assert.deepEqual(entry?.selectors, [{ type: 'k8s', value: 'ns:a' }]);
  });

  it('makes join tokens, whose entries are parented to the token agent and carry no prefix of ours', async () => {
    const token = (JSON.parse(await server.cliOk(['token', 'generate', '-spiffeID', 'spiffe://rig.example/agent/x', '-output', 'json'])) as { value: string }).value;
    const entries = await client.listEntries({ bySpiffeId: 'spiffe://rig.example/agent/x' });
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.parentId, `spiffe://rig.example/spire/agent/join_token/${token}`);
    assert.deepEqual(entries[0]?.selectors, [{ type: 'spiffe_id', value: `spiffe://rig.example/spire/agent/join_token/${token}` }]);
  });

  it('restarts on the same data and socket', async () => {
    const before = server.process.pid;
    await server.restart();
    assert.notEqual(server.process.pid, before);
    assert.equal((await server.cli(['healthcheck'])).code, 0);
    assert.ok((await server.cliEntries()).some((entry) => entry.id === 'cli-made'));
    assert.ok((await client.getEntry('cli-made')) !== undefined, 'the client reaches the restarted server');
  });
});

describe('rig: two spire-servers on one PostgreSQL database (SPIRE high availability)', { skip: postgresUnavailable() ?? false }, () => {
  let group: ProcessGroup;
  let first: SpireServer;
  let second: SpireServer;
  let firstClient: SpireEntryClient;
  let secondClient: SpireEntryClient;

  before(async () => {
    group = new ProcessGroup('rig-spire-ha-');
    first = await startSpireServer(group, { trustDomain: 'rig.example', name: 'spire-a', datastore: 'postgres' });
    // After the first, whose start made the schema: two servers migrating one empty database could race.
    second = await startSpireServer(group, { trustDomain: 'rig.example', name: 'spire-b', datastore: first.datastore });
    firstClient = createEntryClient({ socketPath: first.socketPath });
    secondClient = createEntryClient({ socketPath: second.socketPath });
  });

  after(async () => {
    firstClient.close();
    secondClient.close();
    await group.stopAll();
  });

  it('reads through one server an entry written through the other, and it is in PostgreSQL', async () => {
    assert.equal(first.datastore.type, 'postgres');
    assert.deepEqual(second.datastore, first.datastore);
    const entry = registrationEntry({
      id: 'written-through-a',
      spiffeId: 'spiffe://rig.example/workload/ha',
      parentId: 'spiffe://rig.example/node/a',
      selectors: [{ type: 'k8s', value: 'ns:ha' }],
    });
    assert.deepEqual((await firstClient.createEntries([entry])).map((outcome) => outcome.kind), ['ok']);
    const read = await secondClient.getEntry(entry.id);
    assert.equal(read?.spiffeId, entry.spiffeId);
    assert.deepEqual(read?.selectors, entry.selectors);
    assert.ok((await second.cliEntries()).some((shown) => shown.id === entry.id));
    if (first.datastore.type !== 'postgres') return;
    assert.deepEqual(await first.datastore.postgres.query('spire', `SELECT spiffe_id FROM registered_entries WHERE entry_id = '${entry.id}'`), [entry.spiffeId]);
  });

  it('deletes through one server what the other then no longer has', async () => {
    await second.cliOk(['entry', 'create', '-entryID', 'made-on-b', '-parentID', 'spiffe://rig.example/node/b', '-spiffeID', 'spiffe://rig.example/workload/b', '-selector', 'k8s:ns:b']);
    assert.equal((await firstClient.getEntry('made-on-b'))?.spiffeId, 'spiffe://rig.example/workload/b');
    assert.deepEqual((await firstClient.deleteEntries(['made-on-b'])).map((outcome) => outcome.kind), ['ok']);
    assert.equal(await secondClient.getEntry('made-on-b'), undefined);
  });
});
