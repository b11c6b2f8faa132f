import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instanceIdFromProviderId } from './instance-id.ts';

test('the EC2 instance ID comes from an aws providerID', () => {
  assert.equal(instanceIdFromProviderId('aws:///us-west-2a/i-1234567890abcdef0'), 'i-1234567890abcdef0');
  assert.equal(instanceIdFromProviderId('aws:///i-0abc'), '');
  assert.equal(instanceIdFromProviderId('gce://project/zone/name'), '');
  assert.equal(instanceIdFromProviderId(''), '');
});
