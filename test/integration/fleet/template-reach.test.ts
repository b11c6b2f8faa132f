// The informers of a real workload apiserver keep the fields of pods that the templates reach, and a
// cluster is listed again with the new set when the reach changes (issue 11).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClusterManager, type ClusterListener } from '../../../src/fleet/cluster-manager.ts';
import { defaultFleetTiming } from '../../../src/fleet/fleet-timing.ts';
import { templateReach, type TemplateReach } from '../../../src/identity/template-reach.ts';
import type { ClusterObjects } from '../../../src/reconcile/fleet-state.ts';
import { compileTemplate } from '../../../src/template/compile.ts';
import { sampleConfig, sampleRegistry } from '../../fixtures/fleet-objects.ts';
import { startFleet, type Fleet } from '../../rig/fleet.ts';
import { RecordingLogger } from '../../support/recording-logger.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ workloadClusters: 1, spire: false });
  Object.assign(process.env, fleet.awsEnv);
  const api = fleet.workloads[0]?.apiServer;
  assert.ok(api);
  const created = await api.request('POST', '/api/v1/namespaces/default/pods', {
    metadata: { name: 'web-1', labels: { app: 'web' } },
    spec: { nodeName: 'node-1', serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example/web:1', env: [{ name: 'MODE', value: 'prod' }] }] },
  });
  assert.equal(created.status, 201);
});
after(() => fleet.stop());

function reach(template: string): TemplateReach {
  return templateReach([compileTemplate('t', template)]);
}

test('pods keep what the templates reach, and a changed reach lists the cluster again', async () => {
  const w = fleet.workloads[0];
  assert.ok(w);
  let synced: (objects: ClusterObjects) => void = () => {};
  const listener: ClusterListener = {
    synced: (_name, objects) => synced(objects),
    lost: () => {},
    pod: () => {},
    node: () => {},
    namespace: () => {},
    endpointSlices: () => {},
    status: () => {},
  };
  const nextSync = () => new Promise<ClusterObjects>((resolve) => (synced = resolve));
  let current = reach('{{ range .PodSpec.Containers }}{{ .Image }}{{ end }}');
  const clusters = new ClusterManager({
    config: sampleConfig({ aws: { region: undefined, accountIds: [], assumeRoleArn: '' } }),
    listener,
    logger: new RecordingLogger(),
    timing: defaultFleetTiming,
    wantsEndpointSlices: () => false,
    templateReach: () => current,
  });
  try {
    let sync = nextSync();
    await clusters.setRegistry(sampleRegistry('east', { clusterName: w.clusterName, region: w.region, accountId: w.accountId, assumeRoleArn: w.assumeRoleArn }));
    let pod = (await sync).pod('default/web-1');
    assert.deepEqual((pod?.templateObject?.spec as { containers?: unknown } | undefined)?.containers, [{ image: 'registry.example/web:1' }], 'images only, no env');

    sync = nextSync();
    current = reach('spiffe://example.org/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}');
    await clusters.refresh();
    pod = (await sync).pod('default/web-1');
    assert.equal(pod?.serviceAccountName, 'web');
    assert.equal(pod?.templateObject, undefined, 'templates of the view keep no JSON');
  } finally {
    await clusters.stopAll();
  }
});
