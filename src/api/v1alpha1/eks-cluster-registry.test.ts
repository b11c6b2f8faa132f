import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifests } from '../manifests.ts';
import { parseEKSClusterRegistry, type EKSClusterRegistry } from './eks-cluster-registry.ts';

// The seed's first example, unchanged.
const seedExample = `apiVersion: eksclusterregistry.spire.spiffe.io/v1alpha1
kind: EKSClusterRegistry
metadata:
  name: workload-cluster
spec:
  clusterName: spire-agent-cluster    # EKS cluster name in AWS
  region: us-west-2                    # AWS region
  accountId: "072422391281"            # AWS account ID
  enabled: true                        # Enable/disable monitoring
  assumeRoleArn: ""                    # Optional: IAM role for cross-account access
  labels:                              # Labels for cluster selection
    environment: test
    type: workload
`;

function parse(object: unknown): EKSClusterRegistry {
  const result = parseEKSClusterRegistry(object);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result.value;
}

function errorsOf(object: unknown): readonly string[] {
  const result = parseEKSClusterRegistry(object);
  assert.ok(!result.ok, 'expected validation errors');
  return result.errors;
}

function base(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'eksclusterregistry.spire.spiffe.io/v1alpha1',
    kind: 'EKSClusterRegistry',
    metadata: { name: 'prod' },
    spec: { clusterName: 'prod-eks', region: 'us-west-2', accountId: '123456789012', ...spec },
  };
}

test("the seed's example loads into typed values", () => {
  const registry = parse(parseManifests(seedExample, 'seed').objects[0]);
  assert.equal(registry.metadata.name, 'workload-cluster');
  assert.deepEqual(registry.spec, {
    clusterName: 'spire-agent-cluster',
    region: 'us-west-2',
    accountId: '072422391281',
    enabled: true,
    assumeRoleArn: '',
    labels: { environment: 'test', type: 'workload' },
  });
  assert.deepEqual(registry.status.conditions, []);
});

test('enabled defaults to true, labels to none', () => {
  const registry = parse(base());
  assert.equal(registry.spec.enabled, true);
  assert.deepEqual(registry.spec.labels, {});
  assert.equal(parse(base({ enabled: false })).spec.enabled, false);
});

test('an unquoted account ID that YAML read as a number is refused with the fix', () => {
  const object = parseManifests(seedExample.replace('"072422391281"', '072422391281'), 'seed').objects[0];
  assert.deepEqual(errorsOf(object), ['EKSClusterRegistry workload-cluster: spec.accountId: must be a 12-digit string: quote it in YAML ("72422391281")']);
});

test('bad values are each reported with the object and field', () => {
  const errors = errorsOf(base({ region: 'mars', accountId: '12345', assumeRoleArn: 'role', enabled: 'yes', extra: 1, clusterName: '' }));
  assert.deepEqual(errors, [
    'EKSClusterRegistry prod: spec.clusterName: invalid EKS cluster name "": 1-100 letters, digits, "-" and "_", starting with a letter or digit',
    'EKSClusterRegistry prod: spec.region: invalid AWS region "mars"',
    'EKSClusterRegistry prod: spec.accountId: invalid AWS account ID "12345": must be 12 digits',
    'EKSClusterRegistry prod: spec.enabled: expected a boolean, got the string "yes"',
    'EKSClusterRegistry prod: spec.assumeRoleArn: invalid IAM role ARN "role": expected arn:aws:iam::<account>:role/<name>',
    'EKSClusterRegistry prod: spec.extra: unknown field',
  ]);
});

test('a cross-account role ARN is accepted', () => {
  const arn = 'arn:aws:iam::333333333333:role/SpireControllerRole';
  assert.equal(parse(base({ assumeRoleArn: arn })).spec.assumeRoleArn, arn);
});

test('required fields, kind and apiVersion are checked', () => {
  assert.deepEqual(errorsOf({ apiVersion: 'v1', kind: 'EKSClusterRegistry', metadata: { name: 'x' }, spec: {} }), [
    'EKSClusterRegistry x: apiVersion: expected "eksclusterregistry.spire.spiffe.io/v1alpha1", got the string "v1"',
    'EKSClusterRegistry x: spec.clusterName: required',
    'EKSClusterRegistry x: spec.region: required',
    'EKSClusterRegistry x: spec.accountId: required',
  ]);
  assert.deepEqual(errorsOf({ ...base(), metadata: {} }), ['EKSClusterRegistry (unnamed): metadata.name: required']);
  assert.match(errorsOf({ ...base(), metadata: { name: 'Bad_Name' } })[0] ?? '', /metadata\.name: invalid name "Bad_Name"/);
});

test('status fields are read; metadata keeps its creation time', () => {
  const registry = parse({
    ...base(),
    metadata: { name: 'prod', uid: 'u1', creationTimestamp: '2025-09-02T08:48:28Z', managedFields: [{}] },
    status: {
      lastSync: '2025-09-02T08:48:28Z',
      namespacesCount: 4,
      entriesRegistered: 12,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Connected', message: '', lastTransitionTime: '2025-09-02T08:48:28Z' }],
    },
  });
  assert.equal(registry.metadata.creationTimestamp, Date.parse('2025-09-02T08:48:28Z'));
  assert.equal(registry.metadata.uid, 'u1');
  assert.equal(registry.status.namespacesCount, 4);
  assert.equal(registry.status.entriesRegistered, 12);
  assert.equal(registry.status.lastSync, '2025-09-02T08:48:28Z');
  assert.equal(registry.status.conditions[0]?.type, 'Ready');
});
