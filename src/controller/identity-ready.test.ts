import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityReadyCondition } from './identity-ready.ts';

const failure = (pod: string): { message: string } => ({ message: `WorkloadIdentity web: cluster prod: pod shop/${pod}: spec.spiffeIDTemplate: boom` });

test('an identity with render failures is not Ready: how many pods failed, and the first error', () => {
  assert.deepEqual(identityReadyCondition({ generation: 3, entriesRegistered: 0, templateError: undefined, renderFailures: [failure('a'), failure('b')] }), {
    type: 'Ready',
    status: 'False',
    reason: 'RenderFailed',
    message: '2 pods failed to render; the first: WorkloadIdentity web: cluster prod: pod shop/a: spec.spiffeIDTemplate: boom',
    observedGeneration: 3,
  });
  assert.match(identityReadyCondition({ generation: 1, entriesRegistered: 7, templateError: undefined, renderFailures: [failure('a')] }).message, /^1 pod failed to render; /);
});

test('a template that does not compile wins over render failures; a clean identity is Ready with its entry count', () => {
  const broken = identityReadyCondition({ generation: 1, entriesRegistered: 0, templateError: 'WorkloadIdentity web: spec.spiffeIDTemplate: bad', renderFailures: [failure('a')] });
  assert.deepEqual([broken.status, broken.reason, broken.message], ['False', 'TemplateInvalid', 'WorkloadIdentity web: spec.spiffeIDTemplate: bad']);
  const ready = identityReadyCondition({ generation: 2, entriesRegistered: 4, templateError: undefined, renderFailures: [] });
  assert.deepEqual([ready.status, ready.reason, ready.message], ['True', 'Reconciled', '4 entries registered']);
});

test('entries the SPIRE server refused make an identity not Ready, after render failures: how many, and the first', () => {
  const refused = { message: 'cluster prod: create refused: entry eks-1 (spiffe://example.org/a): INTERNAL: unable to find federated bundle' };
  const condition = identityReadyCondition({ generation: 1, entriesRegistered: 2, templateError: undefined, renderFailures: [], refusedWrites: [refused, refused] });
  assert.deepEqual([condition.status, condition.reason, condition.message], ['False', 'EntryFailed', `the SPIRE server refused 2 entries; the first: ${refused.message}`]);
  assert.equal(identityReadyCondition({ generation: 1, entriesRegistered: 2, templateError: undefined, renderFailures: [failure('a')], refusedWrites: [refused] }).reason, 'RenderFailed');
});
