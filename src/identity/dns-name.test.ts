import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsNameProblem } from './dns-name.ts';

test('host names and a leading wildcard are valid', () => {
  for (const name of ['web', 'web.default.svc', 'web.default.svc.cluster.local', '*.example.org', 'A-1.b2', `${'a'.repeat(63)}.org`]) {
    assert.equal(dnsNameProblem(name), undefined, name);
  }
});

test('invalid DNS names are refused with the reason', () => {
  assert.match(dnsNameProblem('a..b') ?? '', /empty label/);
  assert.match(dnsNameProblem('-a.b') ?? '', /label "-a"/);
  assert.match(dnsNameProblem('a_b.c') ?? '', /label "a_b"/);
  assert.match(dnsNameProblem('a.*.c') ?? '', /label "\*"/);
  assert.match(dnsNameProblem('*') ?? '', /label "\*"/);
  assert.match(dnsNameProblem(`${'a'.repeat(64)}.org`) ?? '', /1-63/);
  assert.match(dnsNameProblem(`${'a.'.repeat(127)}ab`) ?? '', /longer than 253/);
  assert.match(dnsNameProblem('<no value>.default') ?? '', /label "<no value>"/);
});
