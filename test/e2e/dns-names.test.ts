import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createNode, createPod, eventually, identities, logLines, must, registries, registryFor, startHarness, webAppIdentity, type Harness } from './e2e-fixture.ts';

// autoPopulateDNSNames: the names of the Services whose EndpointSlices point at a pod, from the workload
// cluster's EndpointSlices, which are watched only while an identity that targets the cluster asks for them.
let h: Harness;

const slice = (service: string): Record<string, unknown> => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-abcde`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.7'], targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1' } }],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

const namesOf = (service: string): string[] => [service, `${service}.default`, `${service}.default.svc`, `${service}.default.svc.cluster.local`];

async function dnsNames(): Promise<string> {
  const entries = await h.ownedEntries();
  assert.equal(entries.length, 1);
  return [...(entries[0]?.dnsNames ?? [])].sort().join(',');
}

/** Watches of EndpointSlices open on workload-1's apiserver now (by anyone), from its own metrics. */
async function sliceWatches(): Promise<number> {
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  const { body } = await api.request('GET', '/metrics', undefined, { accept: 'text/plain' });
  let open = 0;
  for (const line of String(body).split('\n')) {
    if (line.startsWith('apiserver_longrunning_requests{') && line.includes('resource="endpointslices"') && line.includes('verb="WATCH"')) open += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return open;
}

async function setAutoPopulate(on: boolean): Promise<void> {
  const current = (await must(h.fleet.management, 'GET', `${identities}/web-app`)) as { spec: Record<string, unknown> };
  await must(h.fleet.management, 'PUT', `${identities}/web-app`, { ...current, spec: { ...current.spec, autoPopulateDNSNames: on } });
}

before(async () => {
  h = await startHarness();
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await createNode(api, 'node-1');
  await createPod(api, 'default', 'web-1', { app: 'web-app' }, 'node-1');
  await must(api, 'POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('web'));
  await must(h.fleet.management, 'POST', registries, registryFor('production-cluster', h.fleet, 0, { environment: 'production' }));
  await must(h.fleet.management, 'POST', identities, webAppIdentity());
});

after(async () => {
  await h?.stop();
});

test('EndpointSlices are watched only while an identity auto-populates DNS names; the names follow the Services', async () => {
  // The apiserver watches EndpointSlices itself.
  const others = await sliceWatches();
  const proc = h.startController();
  await eventually('the entry, without DNS names', async () => (await h.ownedEntries()).length === 1);
  assert.equal(await dnsNames(), '');
  assert.equal(await sliceWatches(), others);

  await setAutoPopulate(true);
  await eventually('the names of Service web', async () => (await dnsNames()) === namesOf('web').sort().join(',') || (await dnsNames()));
  await eventually('an EndpointSlice watch', async () => (await sliceWatches()) === others + 1 || `${await sliceWatches()} watches`);

  // A new Service pointing at the pod: an EndpointSlice event, while they are watched.
  const api = h.fleet.workloads[0]?.apiServer;
  assert.ok(api);
  await must(api, 'POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('api'));
  const both = [...namesOf('web'), ...namesOf('api')].sort().join(',');
  await eventually('the names of Services web and api', async () => (await dnsNames()) === both || (await dnsNames()));

  await setAutoPopulate(false);
  await eventually('no DNS names again', async () => (await dnsNames()) === '' || (await dnsNames()));
  await eventually('no EndpointSlice watch', async () => (await sliceWatches()) === others || `${await sliceWatches()} watches`);
  assert.deepEqual(logLines(proc).filter((line) => line.level === 'error'), []);
});
