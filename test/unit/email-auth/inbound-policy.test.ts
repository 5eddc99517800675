import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideInbound, type InboundPolicyConfig } from '../../../src/email-auth/inbound-policy.ts';
import type { AuthVerdict } from '../../../src/email-auth/verify.ts';

const defaults: InboundPolicyConfig = { dmarc_reject: 'reject', dmarc_quarantine: 'junk', spf_fail: 'junk', dns_temperror: 'defer' };
const v = (over: Partial<AuthVerdict>) => ({ spf: 'none' as const, dkim: [], dmarc: null, timedOut: false, ...over });
const dmarc = (result: 'pass' | 'fail' | 'temperror' | 'none', policy: 'none' | 'quarantine' | 'reject') => ({ result, policy, domain: 'sender.test' });

test('DMARC fail with p=reject is 550 5.7.1 by default, or Junk/accept if configured', () => {
  const d = decideInbound(v({ dmarc: dmarc('fail', 'reject') }), defaults);
  assert.equal(d.kind, 'reject');
  assert.equal(d.kind === 'reject' && `${d.code} ${d.enhanced}`, '550 5.7.1');
  assert.equal(decideInbound(v({ dmarc: dmarc('fail', 'reject') }), { ...defaults, dmarc_reject: 'junk' }).kind, 'junk');
  assert.equal(decideInbound(v({ dmarc: dmarc('fail', 'reject') }), { ...defaults, dmarc_reject: 'accept' }).kind, 'accept');
});

test('DMARC quarantine goes to Junk by default', () => {
  assert.equal(decideInbound(v({ dmarc: dmarc('fail', 'quarantine') }), defaults).kind, 'junk');
  assert.equal(decideInbound(v({ dmarc: dmarc('fail', 'quarantine') }), { ...defaults, dmarc_quarantine: 'accept' }).kind, 'accept');
  assert.equal(decideInbound(v({ dmarc: dmarc('fail', 'none') }), defaults).kind, 'accept');
});

test('SPF fail without DMARC is Junk by default; with a DMARC record the record decides', () => {
  assert.equal(decideInbound(v({ spf: 'fail' }), defaults).kind, 'junk');
  assert.equal(decideInbound(v({ spf: 'fail', dmarc: dmarc('none', 'none') }), defaults).kind, 'junk');
  assert.equal(decideInbound(v({ spf: 'fail', dmarc: dmarc('pass', 'reject') }), defaults).kind, 'accept');
  assert.equal(decideInbound(v({ spf: 'softfail' }), defaults).kind, 'accept');
  const r = decideInbound(v({ spf: 'fail' }), { ...defaults, spf_fail: 'reject' });
  assert.equal(r.kind === 'reject' && r.code, 550);
});

test('temporary DNS failures defer with 451 4.7.x unless configured to accept', () => {
  for (const verdict of [v({ spf: 'temperror' }), v({ dkim: [{ domain: 'd', result: 'temperror' }] }), v({ dmarc: dmarc('temperror', 'none') }), v({ timedOut: true })]) {
    const d = decideInbound(verdict, defaults);
    assert.equal(d.kind, 'defer');
    assert.match(d.kind === 'defer' ? `${d.code} ${d.enhanced}` : '', /^451 4\.7\.\d+$/);
    assert.equal(decideInbound(verdict, { ...defaults, dns_temperror: 'accept' }).kind, 'accept');
  }
});

test('a DMARC pass is not deferred by an unrelated temporary failure', () => {
  assert.equal(decideInbound(v({ spf: 'temperror', dmarc: dmarc('pass', 'reject') }), defaults).kind, 'accept');
});
