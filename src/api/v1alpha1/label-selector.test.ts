import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate } from '../validation.ts';
import { everything, labelKeyProblem, labelSelectorSchema, labelValueProblem, matchesLabels, type LabelSelector } from './label-selector.ts';

function selector(input: unknown): LabelSelector {
  const result = validate(labelSelectorSchema, input, 'selector');
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result.value;
}

test('matchLabels requires every label with its value', () => {
  const s = selector({ matchLabels: { app: 'web', tier: 'front' } });
  assert.equal(matchesLabels(s, { app: 'web', tier: 'front', extra: 'x' }), true);
  assert.equal(matchesLabels(s, { app: 'web' }), false);
  assert.equal(matchesLabels(s, { app: 'web', tier: 'back' }), false);
});

test('In, NotIn, Exists and DoesNotExist follow Kubernetes semantics', () => {
  const s = (operator: string, values?: string[]): LabelSelector => selector({ matchExpressions: [{ key: 'env', operator, ...(values ? { values } : {}) }] });
  assert.equal(matchesLabels(s('In', ['prod', 'test']), { env: 'prod' }), true);
  assert.equal(matchesLabels(s('In', ['prod', 'test']), { env: 'dev' }), false);
  assert.equal(matchesLabels(s('In', ['prod']), {}), false);
  assert.equal(matchesLabels(s('NotIn', ['prod']), { env: 'dev' }), true);
  assert.equal(matchesLabels(s('NotIn', ['prod']), {}), true, 'NotIn matches an absent key');
  assert.equal(matchesLabels(s('NotIn', ['prod']), { env: 'prod' }), false);
  assert.equal(matchesLabels(s('Exists'), { env: '' }), true);
  assert.equal(matchesLabels(s('Exists'), {}), false);
  assert.equal(matchesLabels(s('DoesNotExist'), {}), true);
  assert.equal(matchesLabels(s('DoesNotExist'), { env: 'x' }), false);
});

test('matchLabels and matchExpressions must both hold', () => {
  const s = selector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] });
  assert.equal(matchesLabels(s, { app: 'web', env: 'prod' }), true);
  assert.equal(matchesLabels(s, { app: 'web', env: 'dev' }), false);
  assert.equal(matchesLabels(s, { app: 'api', env: 'prod' }), false);
});

test('an empty selector matches everything; keys of Object.prototype are not labels', () => {
  assert.equal(matchesLabels(selector({}), {}), true);
  assert.equal(matchesLabels(everything, { a: 'b' }), true);
  assert.equal(matchesLabels(selector({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }), {}), false);
  assert.equal(matchesLabels(selector({ matchLabels: { toString: 'x' } }), {}), false);
});

test('operators and their values are validated, naming the field', () => {
  const bad = validate(
    labelSelectorSchema,
    {
      matchExpressions: [
        { key: 'a', operator: 'Equals', values: ['x'] },
        { key: 'b', operator: 'In' },
        { key: 'c', operator: 'Exists', values: ['x'] },
      ],
      matchLabel: {},
    },
    'WorkloadIdentity w: spec.podSelector',
  );
  assert.ok(!bad.ok);
  assert.deepEqual(bad.errors, [
    'WorkloadIdentity w: spec.podSelector: matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist',
    'WorkloadIdentity w: spec.podSelector: matchExpressions[1].values: must be non-empty when operator is In',
    'WorkloadIdentity w: spec.podSelector: matchExpressions[2].values: must be empty when operator is Exists',
    'WorkloadIdentity w: spec.podSelector: matchLabel: unknown field',
  ]);
});

test('label keys and values follow Kubernetes syntax', () => {
  assert.equal(labelKeyProblem('app'), undefined);
  assert.equal(labelKeyProblem('app.kubernetes.io/name'), undefined);
  assert.match(labelKeyProblem('-app') ?? '', /invalid label key/);
  assert.match(labelKeyProblem('Example.com/app') ?? '', /prefix must be a DNS subdomain/);
  assert.match(labelKeyProblem('a'.repeat(64)) ?? '', /1-63/);
  assert.equal(labelValueProblem(''), undefined);
  assert.equal(labelValueProblem('v1.2_3-x'), undefined);
  assert.match(labelValueProblem('has space') ?? '', /invalid label value/);
  const bad = validate(labelSelectorSchema, { matchLabels: { app: 'has space' } }, 's');
  assert.ok(!bad.ok);
  assert.match(bad.errors[0] ?? '', /^s: matchLabels\.app: invalid label value "has space"/);
});
