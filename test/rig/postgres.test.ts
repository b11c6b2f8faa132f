import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { postgresUnavailable, startPostgres, type Postgres } from './postgres.ts';
import { ProcessGroup } from './processes.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('rig: PostgreSQL', { skip: postgresUnavailable() ?? false }, () => {
  let group: ProcessGroup;
  let postgres: Postgres;

  before(async () => {
    group = new ProcessGroup('rig-postgres-');
    postgres = await startPostgres(group);
  });

  after(() => group.stopAll());

  it('serves a new database on its Unix socket only, not as root', async () => {
    const connectionString = await postgres.createDatabase('made_here');
    assert.match(connectionString, /dbname='made_here'/);
    assert.ok(connectionString.includes(`host='${postgres.socketDir}'`));
    assert.deepEqual(await postgres.query('made_here', 'SELECT current_database()'), ['made_here']);
    assert.deepEqual(await postgres.query('made_here', "SELECT current_setting('listen_addresses') = ''"), ['t']);
    assert.notEqual(statSync(`/proc/${postgres.process.pid}`).uid, 0);
  });

  it('stops with its group, every process of it', async () => {
    const [backend] = await postgres.query('postgres', 'SELECT pid FROM pg_stat_activity WHERE backend_type = $$checkpointer$$');
    assert.ok(backend !== undefined);
    const started = Date.now();
    await postgres.stop();
    assert.ok(!alive(postgres.process.pid) && !alive(Number(backend)));
    // The grace period is 5 s: a server that needed SIGKILL would show here.
    assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
  });
});
