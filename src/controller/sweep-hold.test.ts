import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleConfig } from '../../test/fixtures/fleet-objects.ts';
import { KubeApiError } from '../kube/kube-api-error.ts';
import { labelSelectorText, sweepHold } from './sweep-hold.ts';

const object = (className?: string) => ({ spec: className === undefined ? {} : { className } });

test('no hold while every entry kind is on: nothing is listed', async () => {
  let lists = 0;
  assert.equal(
    await sweepHold(sampleConfig(), async () => {
      lists++;
      return [object()];
    }),
    undefined,
  );
  assert.equal(lists, 0);
});

test('a kind turned off holds the sweep while objects of this class exist, narrowed as the informer would be', async () => {
  const listed: string[] = [];
  const config = sampleConfig({ reconcile: { clusterSPIFFEIDs: false, clusterFederatedTrustDomains: true, clusterStaticEntries: true }, className: 'fleet', clusterSPIFFEIDCacheLabels: { team: 'a', 'spire.spiffe.io/class-name': 'fleet' } });
  const hold = await sweepHold(config, async (plural, selector) => {
    listed.push(`${plural}?${selector}`);
    return [object('fleet'), object('other'), object()];
  });
  assert.deepEqual(listed, ['clusterspiffeids?team=a,spire.spiffe.io/class-name=fleet']);
  assert.equal(hold, 'reconcile.clusterSPIFFEIDs is false and 1 ClusterSPIFFEID object(s) of this class exist: which entries they made is unknown (delete them, or turn the kind on)');
  assert.equal(await sweepHold(config, async () => [object('other')]), undefined);
});

test('a CRD not installed has no objects; any other failure to list holds', async () => {
  const config = sampleConfig({ reconcile: { clusterSPIFFEIDs: true, clusterFederatedTrustDomains: true, clusterStaticEntries: false } });
  assert.equal(await sweepHold(config, async () => Promise.reject(new KubeApiError('list', { code: 404, reason: 'NotFound', message: '' }))), undefined);
  const hold = await sweepHold(config, async () => Promise.reject(new KubeApiError('list clusterstaticentries', { code: 403, reason: 'Forbidden', message: 'no' })));
  assert.match(hold ?? '', /^reconcile\.clusterStaticEntries is false and the ClusterStaticEntry objects cannot be listed \(list clusterstaticentries: 403 Forbidden: no\)/);
});

test('labelSelectorText', () => {
  assert.equal(labelSelectorText({}), '');
  assert.equal(labelSelectorText({ a: '1', 'b.io/c': '' }), 'a=1,b.io/c=');
});
