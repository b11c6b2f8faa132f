import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { normalizeEntry } from '../../../src/spire/entry-message.ts';
import { SpireCallError } from '../../../src/spire/spire-call-error.ts';
import { podEntries } from '../../support/pod-entries.ts';
import { idsOf, spireDatastores, startSpireFixture, type SpireFixture } from './spire-fixture.ts';

for (const { kind, skip } of spireDatastores) describe(`paged listing against spire-server on ${kind}`, { skip }, () => {
  let spire: SpireFixture;
  const entries = podEntries('own-', 57);

  before(async () => {
    spire = await startSpireFixture(kind);
    const outcomes = await spire.client.createEntries(entries);
    assert.ok(outcomes.every((outcome) => outcome.kind === 'ok'));
  });

  after(() => spire.stop());

  it('lists every entry once over several pages', async () => {
    const client = spire.clientWith({ pageSize: 10 });
    const pages: number[] = [];
    for await (const page of client.listEntryPages()) pages.push(page.length);
    assert.deepEqual(pages, [10, 10, 10, 10, 10, 7]);
    const listed = await client.listEntries();
    assert.deepEqual(idsOf(listed), idsOf(entries));
    assert.deepEqual(
      [...listed].sort((a, b) => (a.id < b.id ? -1 : 1)),
      entries.map(normalizeEntry),
    );
  });

  it('ends cleanly when the last page is full', async () => {
    const client = spire.clientWith({ pageSize: 19 });
    const pages: number[] = [];
    for await (const page of client.listEntryPages()) pages.push(page.length);
    assert.deepEqual(pages, [19, 19, 19]);
  });

  it('pages a filtered listing', async () => {
    const client = spire.clientWith({ pageSize: 2 });
    const parentId = 'spiffe://example.org/spire/agent/k8s_psat/cluster-1/node-3';
    const expected = entries.filter((entry) => entry.parentId === parentId);
    assert.ok(expected.length === 1);
    assert.deepEqual(idsOf(await client.listEntries({ byParentId: parentId })), idsOf(expected));
    const namespaced = entries.filter((entry) => entry.selectors.some((selector) => selector.value === 'ns:ns-4'));
    assert.deepEqual(
      idsOf(await client.listEntries({ bySelectors: { selectors: [{ type: 'k8s', value: 'ns:ns-4' }], match: 'superset' } })),
      idsOf(namespaced),
    );
    assert.equal(await client.countEntries({ bySelectors: { selectors: [{ type: 'k8s', value: 'ns:ns-4' }], match: 'superset' } }), namespaced.length);
  });

  it('asks again with smaller pages when a page exceeds the receive limit', async () => {
    // About 10 of these entries fit in 4 KiB: a page of 500 does not.
    const client = spire.clientWith({ pageSize: 500, maxReceiveMessageBytes: 4096 });
    assert.deepEqual(idsOf(await client.listEntries()), idsOf(entries));
  });

  it('fails with RESOURCE_EXHAUSTED when not even one entry fits', async () => {
    const client = spire.clientWith({ pageSize: 500, maxReceiveMessageBytes: 100 });
    await assert.rejects(
      client.listEntries(),
      (error) =>
        error instanceof SpireCallError &&
        error.code === status.RESOURCE_EXHAUSTED &&
        /ListEntries failed: RESOURCE_EXHAUSTED: .*use smaller pages or batches/.test(error.message),
    );
  });

  it('counts', async () => {
    assert.equal(await spire.client.countEntries(), entries.length);
  });
});
