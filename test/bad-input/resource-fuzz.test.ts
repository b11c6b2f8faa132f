// Random custom resources through validation (issue 14): valid samples of each kind with one field
// replaced by a random JSON value, deleted, or given a random neighbour. Validation never throws, and each
// refusal names the file and the object. The seed is fixed (RESOURCE_FUZZ_SEED changes it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseResources } from '../../src/api/resources.ts';
import { spiffeIdPolicy } from '../../src/api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { sampleConfig } from '../fixtures/fleet-objects.ts';

const seed = Number(process.env.RESOURCE_FUZZ_SEED ?? 20261207);

const samples: Record<string, unknown>[] = [
  {
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'WorkloadIdentity',
    metadata: { name: 'web' },
    spec: {
      applicationName: 'web',
      namespace: 'shop',
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}',
      podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] },
      clusterSelector: { matchLabels: { env: 'prod' } },
      ttl: '1h',
      jwtTtl: '5m',
      dnsNameTemplates: ['{{ .PodMeta.Name }}.shop.svc'],
      workloadSelectorTemplates: ['k8s:ns:{{ .PodMeta.Namespace }}'],
      federatesWith: ['partner.example'],
    },
  },
  {
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'EKSClusterRegistry',
    metadata: { name: 'prod' },
    spec: { clusterName: 'prod', region: 'us-west-2', accountId: '123456789012', enabled: true, assumeRoleArn: 'arn:aws:iam::123456789012:role/r', labels: { env: 'prod' } },
  },
  {
    apiVersion: 'spiffeid.spiffe.io/v1beta1',
    kind: 'SpiffeID',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { spiffeId: 'spiffe://example.org/ns/shop/web', selector: { podLabel: { app: 'web' }, serviceAccount: 'web' }, dnsNames: ['web.shop.svc'] },
  },
  {
    apiVersion: 'spiffeid.spiffe.io/v1beta1',
    kind: 'ClusterSpiffeID',
    metadata: { name: 'api' },
    spec: { spiffeId: 'spiffe://example.org/api', selector: { namespace: 'payments', serviceAccount: 'api' }, ttl: '1h' },
  },
  {
    apiVersion: 'spire.spiffe.io/v1alpha1',
    kind: 'ClusterFederatedTrustDomain',
    metadata: { name: 'partner' },
    spec: {
      trustDomain: 'partner.org',
      bundleEndpointURL: 'https://spire.partner.org:8443',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.org/spire/server' },
      trustDomainBundle: '{"keys":[{"use":"jwt-svid","kid":"k","kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}',
    },
  },
];

/** Every path to a value inside `value`. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => paths((value as Record<string | number, unknown>)[key], [...prefix, key]))];
}

function mutate(object: Record<string, unknown>, path: (string | number)[], change: { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown }): unknown {
  const copy = structuredClone(object) as Record<string | number, unknown>;
  if (path.length === 0) return change.kind === 'set' ? change.value : copy;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (change.kind === 'set') parent[last] = change.value;
  else if (change.kind === 'delete') Reflect.deleteProperty(parent, last);
  else if (typeof parent[last] === 'object' && parent[last] !== null) (parent[last] as Record<string, unknown>)[change.key] = change.value;
  return copy;
}

const hostileStrings = fc.constantFrom('', ' ', '__proto__', 'constructor', '{{', '{{ call . }}', 'spiffe://evil.example/x', 'spiffe://example.org/../x', '1y', '-1h', '9999999999h', 'a'.repeat(300), 'é😀', '\u0000');
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileStrings);
const change = fc.oneof(
  value.map((v) => ({ kind: 'set' as const, value: v })),
  fc.constant({ kind: 'delete' as const }),
  fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), hostileStrings), value).map(([key, v]) => ({ kind: 'add' as const, key, value: v })),
);
const mutated = fc
  .constantFrom(...samples)
  .chain((sample) => fc.tuple(fc.constant(sample), fc.constantFrom(...paths(sample)), change))
  .map(([sample, path, how]) => ({ kind: String(sample.kind), object: mutate(sample, path, how) }));

// The SpiffeID rules of the default config too (spiffeIDPolicy).
const policy = spiffeIdPolicy(sampleConfig());

test(`random custom resources: validation never throws, and every refusal names the file (seed ${seed})`, () => {
  let refused = 0;
  fc.assert(
    fc.property(mutated, ({ object }) => {
      const result = parseResources([{ object, source: 'fuzz.yaml' }], { trustDomain: 'example.org', spiffeIdPolicy: policy });
      if (!result.ok) {
        refused++;
        for (const error of result.errors) assert.ok(error.startsWith('fuzz.yaml: '), error);
      }
    }),
    { seed, numRuns: 3000 },
  );
  // The mutations reach validation's refusals, not only harmless fields.
  assert.ok(refused > 500, `${refused} of 3000 refused`);
});
