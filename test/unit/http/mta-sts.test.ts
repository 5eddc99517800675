import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMtaStsPolicy, mtaStsPolicyId, parseMtaStsPolicy } from '../../../src/http/mta-sts.ts';

test('the policy is STSv1 with CRLF lines, one mx line per host, and max_age clamped to the RFC bound', () => {
  const text = buildMtaStsPolicy({ mode: 'enforce', mx: ['mail.example.com'], maxAgeS: 604800 });
  assert.equal(text, 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n');
  assert.match(buildMtaStsPolicy({ mode: 'testing', mx: ['a', 'b'], maxAgeS: 10 ** 9 }), /mx: a\r\nmx: b\r\nmax_age: 31557600\r\n$/);
  assert.deepEqual(parseMtaStsPolicy(text), { mode: 'enforce', mx: ['mail.example.com'], maxAgeS: 604800 });
  assert.equal(parseMtaStsPolicy('version: STSv2\nmode: enforce\nmax_age: 1\n'), null);
  assert.equal(parseMtaStsPolicy('version: STSv1\nmode: sometimes\nmax_age: 1\n'), null);
});

test('the policy id is alphanumeric, at most 32 characters, and changes with the policy', () => {
  const a = mtaStsPolicyId(buildMtaStsPolicy({ mode: 'testing', mx: ['m'], maxAgeS: 86400 }));
  const b = mtaStsPolicyId(buildMtaStsPolicy({ mode: 'enforce', mx: ['m'], maxAgeS: 86400 }));
  assert.match(a, /^[a-zA-Z0-9]{1,32}$/);
  assert.notEqual(a, b);
});
