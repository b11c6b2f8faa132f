import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from './metrics.ts';

/** The sample lines (not HELP or TYPE) of the exposition whose name starts with `name`. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(name));
}

test('the exposition carries every registrar metric with its type, and the process defaults', async () => {
  const text = await createMetrics().registry.metrics();
  for (const [name, type] of [
    ['spire_eks_registrar_entry_writes_total', 'counter'],
    ['spire_eks_registrar_spire_calls_total', 'counter'],
    ['spire_eks_registrar_reconciliations_total', 'counter'],
    ['spire_eks_registrar_reconcile_duration_seconds', 'histogram'],
    ['spire_eks_registrar_pod_to_entry_seconds', 'histogram'],
    ['spire_eks_registrar_entries', 'gauge'],
    ['spire_eks_registrar_cluster_ready', 'gauge'],
    ['spire_eks_registrar_work_queue_depth', 'gauge'],
    ['spire_eks_registrar_spiffe_id_entries', 'gauge'],
    ['spire_eks_registrar_pod_controller_render_failures', 'gauge'],
    ['spire_eks_registrar_federation_relationship_writes_total', 'counter'],
    ['spire_eks_registrar_federation_relationships', 'gauge'],
    ['process_cpu_seconds_total', 'counter'],
    ['process_start_time_seconds', 'gauge'],
    ['nodejs_heap_size_used_bytes', 'gauge'],
  ]) {
    assert.ok(text.includes(`# TYPE ${name} ${type}\n`), `${name} ${type}`);
  }
});

test('write and reconciliation outcomes read 0 before anything happened, so failure alerts work from the start', async () => {
  const text = await createMetrics().registry.metrics();
  const writes = samples(text, 'spire_eks_registrar_entry_writes_total');
  assert.equal(writes.length, 6);
  for (const operation of ['create', 'update', 'delete']) {
    for (const outcome of ['ok', 'failed']) assert.ok(writes.includes(`spire_eks_registrar_entry_writes_total{operation="${operation}",outcome="${outcome}"} 0`));
  }
  assert.deepEqual(samples(text, 'spire_eks_registrar_reconciliations_total').length, 4);
  assert.deepEqual(samples(text, 'spire_eks_registrar_work_queue_depth'), ['spire_eks_registrar_work_queue_depth 0']);
  assert.equal(samples(text, 'spire_eks_registrar_federation_relationship_writes_total').length, 6);
  assert.ok(samples(text, 'spire_eks_registrar_federation_relationships').includes('spire_eks_registrar_federation_relationships{state="conflict"} 0'));
});

test('recorded values show up with their labels', async () => {
  const metrics = createMetrics();
  metrics.entryWrites.inc({ operation: 'create', outcome: 'ok' }, 3);
  metrics.spireCalls.inc({ rpc: 'BatchCreateEntry' });
  metrics.reconciliations.inc({ kind: 'full', outcome: 'failed' });
  metrics.reconcileDuration.observe({ kind: 'targeted' }, 0.02);
  metrics.podToEntry.observe(1.5);
  metrics.entries.set({ cluster: 'us-west' }, 42);
  metrics.clusterReady.set({ cluster: 'us-west' }, 1);
  metrics.workQueueDepth.set(7);
  const text = await metrics.registry.metrics();
  for (const line of [
    'spire_eks_registrar_entry_writes_total{operation="create",outcome="ok"} 3',
    'spire_eks_registrar_spire_calls_total{rpc="BatchCreateEntry"} 1',
    'spire_eks_registrar_reconciliations_total{kind="full",outcome="failed"} 1',
    'spire_eks_registrar_reconcile_duration_seconds_bucket{le="0.025",kind="targeted"} 1',
    'spire_eks_registrar_reconcile_duration_seconds_bucket{le="0.01",kind="targeted"} 0',
    'spire_eks_registrar_pod_to_entry_seconds_bucket{le="2"} 1',
    'spire_eks_registrar_pod_to_entry_seconds_bucket{le="1"} 0',
    'spire_eks_registrar_pod_to_entry_seconds_count 1',
    'spire_eks_registrar_entries{cluster="us-west"} 42',
    'spire_eks_registrar_cluster_ready{cluster="us-west"} 1',
    'spire_eks_registrar_work_queue_depth 7',
  ]) {
    assert.ok(text.split('\n').includes(line), line);
  }
});

test("forgetCluster drops a cluster's gauges and leaves the others", async () => {
  const metrics = createMetrics();
  for (const cluster of ['a', 'b']) {
    metrics.entries.set({ cluster }, 1);
    metrics.clusterReady.set({ cluster }, 1);
  }
  metrics.forgetCluster('a');
  const text = await metrics.registry.metrics();
  assert.deepEqual(samples(text, 'spire_eks_registrar_entries'), ['spire_eks_registrar_entries{cluster="b"} 1']);
  assert.deepEqual(samples(text, 'spire_eks_registrar_cluster_ready'), ['spire_eks_registrar_cluster_ready{cluster="b"} 1']);
});

test('two instances keep separate values (no global registry)', async () => {
  const first = createMetrics();
  const second = createMetrics();
  first.workQueueDepth.set(5);
  assert.deepEqual(samples(await second.registry.metrics(), 'spire_eks_registrar_work_queue_depth'), ['spire_eks_registrar_work_queue_depth 0']);
  assert.deepEqual(samples(await first.registry.metrics(), 'spire_eks_registrar_work_queue_depth'), ['spire_eks_registrar_work_queue_depth 5']);
});
