import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEntryClient, type SpireEntryClient } from '../../src/spire/entry-client.ts';
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
