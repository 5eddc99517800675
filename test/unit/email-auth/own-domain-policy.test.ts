import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticatedAs, decideOwnDomain } from '../../../src/email-auth/own-domain-policy.ts';

const none = { spf: 'none' as const, dkim: [], dmarc: null };

test('authenticated as our domain: aligned SPF (MAIL FROM, else HELO) or aligned DKIM pass, relaxed', () => {
  assert.equal(authenticatedAs('example.test', { ...none, spf: 'pass' }, { mailFrom: 'a@mail.example.test', helo: 'x' }), true);
  assert.equal(authenticatedAs('example.test', { ...none, spf: 'pass' }, { mailFrom: 'a@example.test.evil.test', helo: 'x' }), false);
  assert.equal(authenticatedAs('example.test', { ...none, spf: 'pass' }, { mailFrom: '', helo: 'example.test' }), true);
  assert.equal(authenticatedAs('example.test', { ...none, dkim: [{ domain: 'example.test', result: 'pass' }] }, { mailFrom: 'a@evil.test', helo: 'x' }), true);
  assert.equal(authenticatedAs('example.test', { ...none, dkim: [{ domain: 'example.test', result: 'fail' }, { domain: 'evil.test', result: 'pass' }] }, { mailFrom: 'a@evil.test', helo: 'x' }), false);
  assert.equal(authenticatedAs('example.test', { ...none, spf: 'softfail' }, { mailFrom: 'a@example.test', helo: 'x' }), false);
});

test('the own-domain decision: Junk or refusal by mode; a refusal or deferral already decided stands', () => {
  const env = { mailFrom: 'a@evil.test', helo: 'x' };
  assert.deepEqual(decideOwnDomain({ kind: 'accept', reason: 'no-policy' }, ['example.test'], none, env, 'junk'), { kind: 'junk', reason: 'own-domain-unauthenticated' });
  assert.equal(decideOwnDomain({ kind: 'accept', reason: 'no-policy' }, ['example.test'], none, env, 'reject').kind, 'reject');
  assert.deepEqual(decideOwnDomain({ kind: 'accept', reason: 'no-policy' }, [], none, env, 'reject'), { kind: 'accept', reason: 'no-policy' });
  const defer = { kind: 'defer' as const, code: 451 as const, enhanced: '4.7.0', text: 't', reason: 'temperror' };
  assert.equal(decideOwnDomain(defer, ['example.test'], none, env, 'reject'), defer);
});
