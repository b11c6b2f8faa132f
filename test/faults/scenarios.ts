import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { logMessages } from '../../src/observability/log-messages.ts';
import { group, identities, must, registries } from '../e2e/e2e-fixture.ts';
import type { RigProcess } from '../rig/processes.ts';
import { entryIdPrefix, leaseName, mergePatch, lineCount, logLinesOf, type FaultFleet, type Replica } from './fault-fleet.ts';

/** What a scenario's fault does, and what it found beyond the common checks. */
export interface FaultContext {
  readonly ff: FaultFleet;
  readonly log: (text: string) => void;
  /** A finding to print in the row's notes. */
  note(text: string): void;
  /** A finding that fails the row. */
  fail(text: string): void;
  /** Entry IDs the scenario changed itself, left out of the rewrite check. */
  readonly touched: Set<string>;
}

export interface Scenario {
  readonly id: number;
  readonly title: string;
  /** Seconds from the fault's end to convergence, at most. */
  readonly boundSeconds: number;
  /** Injects the fault during churn; resolves when the fault has ended. */
  inject(ctx: FaultContext): Promise<void>;
  /** Checks after convergence, beyond the common ones. */
  verify?(ctx: FaultContext): Promise<void>;
}

/** SIGKILL to a rig process's group; resolves once it has exited. */
async function sigkill(proc: RigProcess): Promise<void> {
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await proc.exited;
}

/** Compacts the fleet's etcd at its current revision, physically: older resource versions are gone (410 on a watch). */
async function compactEtcd(endpoint: string): Promise<number> {
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: HTTP ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number((range.header as { revision?: string }).revision);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}

async function readyOf(ff: FaultFleet, registry: string): Promise<Condition | undefined> {
  const { status, body } = await ff.fleet.management.request('GET', `${registries}/${registry}`);
  if (status !== 200) return undefined;
  return (body as { status?: { conditions?: Condition[] } }).status?.conditions?.find((c) => c.type === 'Ready');
}

/** Polls `what` every 500 ms until it is true or `timeoutMs` passes; resolves with the time it took, or undefined. */
async function within(timeoutMs: number, what: () => Promise<boolean>): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      if (await what()) return Date.now() - started;
    } catch {
      // Not answering yet.
    }
    await sleep(500);
  }
  return undefined;
}

const owned = async (ff: FaultFleet): Promise<number> => ff.spire.countEntries().then(async () => (await ff.spire.listEntries()).filter((e) => e.id.startsWith(entryIdPrefix)).length);

/** The replica that leads now: the one whose current process has logged that it starts the controller. */
function leaderOf(replicas: readonly Replica[]): Replica | undefined {
  return replicas.find((r) => logLinesOf(r.process.logFile).some((line) => line.msg === 'Starting the controller'));
}

async function leaseHolder(ff: FaultFleet): Promise<string> {
  const lease = (await must(ff.fleet.management, 'GET', `/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseName}`)) as { spec?: { holderIdentity?: string } };
  return lease.spec?.holderIdentity ?? '';
}

/** Holds SQLite's write lock on `database` until killed; resolves once it holds it. */
async function lockDatabase(database: string): Promise<ChildProcess> {
  const holder = spawn('python3', ['-c', "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=60)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\ntime.sleep(3600)", database], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before it held the lock`)));
  });
  return holder;
}

const partnerPods = ['partner-1', 'partner-2', 'partner-3', 'partner-4', 'partner-5'];

export const scenarios: readonly Scenario[] = [
  {
    id: 1,
    title: 'spire-server SIGKILL mid first convergence, back after 10 s',
    boundSeconds: 120,
    async inject({ ff, log, note, fail }) {
      const replica = ff.startReplica();
      // Killed once some entries are written and before all are.
      const expected = (await ff.expectedEntries()).size;
      let seen = 0;
      const started = Date.now();
      while (Date.now() - started < 120_000) {
        seen = await owned(ff).catch(() => 0);
        if (seen > 0) break;
        await sleep(50);
      }
      if (seen === 0) fail('no entry written within 120 s of the controller start');
      if (seen >= expected) fail(`convergence finished (${seen} of ${expected}) before the kill`);
      await sigkill(ff.spireServer.process);
      note(`killed at ${seen}/${expected} entries`);
      log(`spire-server killed with ${seen} of ${expected} entries written; restarting in 10 s`);
      await ff.spireServer.restart({ downtimeMs: 10_000 });
      void replica;
    },
  },
  {
    id: 2,
    title: 'spire-server SIGSTOP 30 s during churn',
    boundSeconds: 120,
    async inject({ ff }) {
      await sleep(5000);
      const proc = ff.spireServer.process;
      proc.pause();
      try {
        await sleep(30_000);
      } finally {
        proc.resume();
      }
    },
  },
  {
    id: 3,
    title: 'workload apiserver SIGKILL 30 s, etcd compacted while away',
    boundSeconds: 120,
    async inject({ ff, note }) {
      await sleep(5000);
      const api = ff.fleet.workloads[1]?.apiServer;
      if (api === undefined) throw new Error('no second workload cluster');
      await sigkill(api.process());
      await sleep(15_000);
      // The other cluster's churn moved the revision on; compaction makes the dead watches' versions too old.
      note(`etcd compacted at revision ${await compactEtcd(ff.fleet.etcd.endpoint)}`);
      await sleep(15_000);
      await api.start();
    },
  },
  {
    id: 4,
    title: 'workload apiserver SIGSTOP 60 s',
    boundSeconds: 120,
    async inject({ ff, note, fail }) {
      await sleep(5000);
      const api = ff.fleet.workloads[1]?.apiServer;
      if (api === undefined) throw new Error('no second workload cluster');
      const proc = api.process();
      const frozenAt = Date.now();
      proc.pause();
      try {
        const seenMs = await within(55_000, async () => (await readyOf(ff, 'cluster-2'))?.reason === 'Unresponsive');
        if (seenMs === undefined) fail('cluster-2 not Ready=False/Unresponsive within 55 s of the freeze');
        else note(`Unresponsive after ${(seenMs / 1000).toFixed(0)} s`);
        await sleep(Math.max(0, frozenAt + 60_000 - Date.now()));
      } finally {
        proc.resume();
      }
    },
    async verify({ ff, note, fail }) {
      const syncedMs = await within(60_000, async () => (await readyOf(ff, 'cluster-2'))?.reason === 'Synced');
      if (syncedMs === undefined) fail('cluster-2 not Synced again within 60 s');
      else note('Synced again');
    },
  },
  {
    id: 7,
    title: 'controller SIGKILL mid-apply, restarted',
    boundSeconds: 120,
    async inject({ ff, log, note, fail }) {
      const api = ff.workloads[0];
      const replica = leaderOf(ff.replicas);
      if (api === undefined || replica === undefined) throw new Error('no cluster or no leading replica');
      // A deployment of 300 pods at once: the controller is killed while it writes their entries.
      const before = await owned(ff);
      const names = Array.from({ length: 300 }, (_, i) => `burst-${String(i).padStart(4, '0')}`);
      const creating = (async () => {
        for (let i = 0; i < names.length; i += 20) {
          await Promise.all(names.slice(i, i + 20).map((name) => must(api, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name, labels: { app: 'web' } }, spec: { nodeName: 'node-1', serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example/web:1' }] } })));
        }
      })();
      const seenMs = await within(60_000, async () => (await owned(ff)) >= before + 30);
      if (seenMs === undefined) fail('the burst was not being written within 60 s');
      const at = await owned(ff);
      await replica.kill();
      await creating;
      note(`killed at +${at - before} of ~300 burst entries`);
      log(`${replica.name} killed mid-apply; restarting in 2 s`);
      await sleep(2000);
      replica.revive();
    },
  },
  {
    id: 9,
    title: 'out-of-band: owned entry deleted, one edited, one stray created',
    boundSeconds: 60,
    async inject({ ff, note, fail, touched }) {
      const entries = (await ff.spire.listEntries()).filter((e) => ff.stableEntryIds.has(e.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
      const [deleted, edited] = entries;
      if (deleted === undefined || edited === undefined) throw new Error('no stable entries');
      await ff.spireServer.cliOk(['entry', 'delete', '-entryID', deleted.id]);
      const [outcome] = await ff.spire.updateEntries([{ entry: { ...edited, x509SvidTtl: 60, selectors: [...edited.selectors, { type: 'k8s', value: 'sa:intruder' }] }, fields: ['x509SvidTtl', 'selectors'] }]);
      if (outcome?.kind !== 'ok') fail(`could not edit ${edited.id}: ${JSON.stringify(outcome)}`);
      const stray = `${deleted.id.slice(0, -8)}00000000`;
      await ff.spireServer.cliOk(['entry', 'create', '-entryID', stray, '-spiffeID', 'spiffe://example.org/nobody', '-parentID', 'spiffe://example.org/agent', '-selector', 'k8s:pod-name:nobody']);
      for (const id of [deleted.id, edited.id, stray]) touched.add(id);
      // The reconcile annotation asks for a full reconciliation now rather than at the next gcInterval.
      await mergePatch(ff.fleet.management, `${identities}/web`, { metadata: { annotations: { reconcile: String(Date.now()) } } });
      note('repaired via the reconcile annotation');
      await sleep(2000);
    },
    async verify({ ff, note, fail }) {
      // The repair is counted in the full reconciliation's log line (and the entry-write metric).
      const leader = leaderOf(ff.replicas);
      const fulls = leader === undefined ? [] : logLinesOf(leader.process.logFile).filter((line) => line.msg === 'Full reconciliation done');
      const repair = fulls.find((line) => Number(line.created) >= 1 && Number(line.updated) >= 1 && Number(line.deleted) >= 1);
      if (repair === undefined) fail('no full reconciliation created, updated and deleted an entry');
      else note(`full reconciliation: created ${String(repair.created)}, updated ${String(repair.updated)}, deleted ${String(repair.deleted)}`);
      const events = (await must(ff.fleet.management, 'GET', '/api/v1/events?fieldSelector=involvedObject.name%3Dweb')) as { items: { reason: string }[] };
      note(`Events of web: ${[...new Set(events.items.map((e) => e.reason))].join(', ') || 'none'}`);
    },
  },
  {
    id: 5,
    title: 'management apiserver down 30 s',
    boundSeconds: 120,
    async inject({ ff, note }) {
      await sleep(5000);
      const exitsBefore = ff.replicas.reduce((n, r) => n + r.unexpectedExits, 0);
      await ff.fleet.management.stop();
      await sleep(30_000);
      await ff.fleet.management.start();
      // Leader election: a leader that cannot renew within renewDeadline stops and exits (ADR 15); the Deployment restarts it.
      note(`${ff.replicas.reduce((n, r) => n + r.unexpectedExits, 0) - exitsBefore} controller exits while it was down`);
    },
  },
  {
    id: 8,
    title: 'leader SIGKILL with two replicas',
    boundSeconds: 120,
    async inject({ ff, note, fail }) {
      const second = ff.startReplica();
      const heard = await within(60_000, async () => logLinesOf(second.process.logFile).some((line) => line.msg === 'New leader elected'));
      if (heard === undefined) fail('the second replica never saw a leader');
      const leader = leaderOf(ff.replicas);
      if (leader === undefined) throw new Error('no leader');
      const follower = ff.replicas.find((r) => r !== leader);
      const holder = await leaseHolder(ff);
      await leader.kill();
      const takeoverMs = await within(60_000, async () => follower !== undefined && logLinesOf(follower.process.logFile).some((line) => line.msg === 'Starting the controller'));
      if (takeoverMs === undefined) fail('no takeover within 60 s');
      else {
        note(`takeover ${(takeoverMs / 1000).toFixed(1)} s after the kill (lease 6 s)`);
        if (takeoverMs > 6000 + 5000) fail(`takeover after ${takeoverMs} ms: beyond the 6 s lease (+5 s slack)`);
      }
      if ((await leaseHolder(ff)) === holder) fail('the lease holder did not change');
      leader.revive();
    },
    async verify({ ff, note, fail }) {
      // Every entry write, by replica: an entry created by both (with no delete between) was written twice.
      const leaders = ff.replicas.filter((r) => logLinesOf(r.process.logFile).some((line) => line.msg === 'Starting the controller'));
      note(`${leaders.length} replica(s) leading at the end`);
      if (leaders.length !== 1) fail(`${leaders.length} replicas lead at the end`);
    },
  },
  {
    id: 6,
    title: 'moto (AWS) SIGSTOP 60 s across token and credential renewals',
    boundSeconds: 120,
    async inject({ ff }) {
      await sleep(5000);
      const proc = ff.fleet.moto.process;
      proc.pause();
      try {
        await sleep(60_000);
      } finally {
        proc.resume();
      }
    },
  },
  {
    id: 10,
    title: 'SPIRE refusing some entries (federatesWith an unknown trust domain)',
    boundSeconds: 120,
    async inject({ ff, note }) {
      const api = ff.workloads[0];
      if (api === undefined) throw new Error('no workload cluster');
      for (const name of partnerPods) {
        await must(api, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name, labels: { app: 'partner' } }, spec: { nodeName: 'node-1', serviceAccountName: 'partner', containers: [{ name: 'app', image: 'registry.example/partner:1' }] } });
      }
      // The server has no bundle of partner.example, so it refuses each of these entries (its code: Internal).
      ff.refusedIdentities.add('partner');
      await must(ff.fleet.management, 'POST', identities, {
        apiVersion: `${group}/v1alpha1`,
        kind: 'WorkloadIdentity',
        metadata: { name: 'partner' },
        spec: {
          applicationName: 'partner',
          namespace: 'default',
          spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/partner/{{ .PodMeta.Name }}',
          podSelector: { matchLabels: { app: 'partner' } },
          federatesWith: ['partner.example'],
          workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-name:{{ .PodMeta.Name }}'],
        },
      });
      note(`${partnerPods.length} entries refused by design`);
      await sleep(30_000);
    },
    async verify({ ff, note, fail }) {
      try {
        const written = (await ff.spire.listEntries()).filter((e) => e.spiffeId.startsWith('spiffe://example.org/partner/'));
        if (written.length > 0) fail(`${written.length} refused entries are in SPIRE`);
        const identity = (await must(ff.fleet.management, 'GET', `${identities}/partner`)) as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
        const ready = identity.status?.conditions?.find((c) => c.type === 'Ready');
        note(`partner Ready=${ready?.status}/${ready?.reason}: ${String(ready?.message).slice(0, 120)}`);
        if (ready?.status !== 'False') fail('the identity whose entries SPIRE refuses is not Ready=False');
        const events = (await must(ff.fleet.management, 'GET', '/api/v1/events?fieldSelector=involvedObject.name%3Dpartner')) as { items: { reason: string; message: string }[] };
        const reasons = [...new Set(events.items.map((e) => e.reason))];
        note(`Events of partner: ${reasons.join(', ') || 'none'}`);
        if (!events.items.some((e) => e.message.includes('partner.example') || e.message.includes('federated bundle'))) fail('no Event names the refusal');
      } finally {
        // Gone again, so that later scenarios start from a fleet that converges.
        await ff.fleet.management.request('DELETE', `${identities}/partner`);
        for (const name of partnerPods) await ff.workloads[0]?.request('DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`);
        ff.refusedIdentities.delete('partner');
      }
    },
  },
  {
    id: 11,
    title: "spire-server's datastore locked 45 s (SQLite busy: writes fail)",
    boundSeconds: 120,
    async inject({ ff, note }) {
      await sleep(5000);
      const { datastore } = ff.spireServer;
      if (datastore.type !== 'sqlite3') throw new Error(`scenario 11 locks a SQLite datastore; this one is ${datastore.type}`);
      const holder = await lockDatabase(datastore.path);
      try {
        await sleep(45_000);
      } finally {
        holder.kill('SIGKILL');
      }
      note('write lock held by another process for 45 s');
    },
  },
];

export { lineCount, logLinesOf, logMessages };
