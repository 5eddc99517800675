import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createResolver } from '../../../src/dns/resolver.ts';
import { verifyMessage, type InboundEnvelope } from '../../../src/email-auth/verify.ts';
import { startDnsServer, type DnsFixture } from '../../fixtures/dns-server.ts';
import { arcSign, dkimSign, generateDkimKey, type DkimKey } from '../../fixtures/dkim-signer.ts';

let dns: DnsFixture;
let key: DkimKey;
let forwarderKey: DkimKey;
const CLIENT = '192.0.2.10';

before(async () => {
  key = generateDkimKey();
  forwarderKey = generateDkimKey();
  dns = await startDnsServer({
    'good.test': { TXT: [`v=spf1 ip4:${CLIENT} -all`] },
    '_dmarc.good.test': { TXT: ['v=DMARC1; p=reject'] },
    's1._domainkey.good.test': { TXT: [key.dnsTxt] },
    'soft.test': { TXT: ['v=spf1 ~all'] },
    'strict.test': { TXT: ['v=spf1 -all'] },
    '_dmarc.strict.test': { TXT: ['v=DMARC1; p=reject'] },
    'quar.test': { TXT: ['v=spf1 -all'] },
    '_dmarc.quar.test': { TXT: ['v=DMARC1; p=quarantine'] },
    'nodmarc.test': { TXT: ['v=spf1 -all'] },
    'arc1._domainkey.forwarder.test': { TXT: [forwarderKey.dnsTxt] },
    'slow.test': { TXT: [`v=spf1 ip4:${CLIENT} -all`] },
  });
  dns.timeout.add('_dmarc.slow.test');
});
after(() => dns.close());

const options = () => ({ resolver: createResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 }), hostname: 'mx.postern.test', timeoutMs: 5000 });
const message = (from: string, body = 'Hello\r\n') => Buffer.from(`From: <${from}>\r\nTo: <u@postern.test>\r\nSubject: test\r\nMessage-ID: <1@x>\r\n\r\n${body}`);
const env = (mailFrom: string, ip = CLIENT): InboundEnvelope => ({ ip, helo: 'client.example', mailFrom });

test('dkimsign signature and listed IP: dkim, spf and dmarc pass, header under our authserv-id', async () => {
  const signed = dkimSign(message('a@good.test'), 's1', 'good.test', key);
  const v = await verifyMessage(signed, env('a@good.test'), options());
  assert.deepEqual(v.dkim, [{ domain: 'good.test', result: 'pass' }]);
  assert.equal(v.spf, 'pass');
  assert.equal(v.dmarc?.result, 'pass');
  assert.match(v.header, /^Authentication-Results: mx\.postern\.test;\r\n /);
  assert.match(v.header, /dkim=pass/);
  assert.match(v.header, /\r\n$/);
  assert.doesNotMatch(v.header, /Received-SPF/);
});

test('a tampered body fails DKIM', async () => {
  const signed = dkimSign(message('a@good.test'), 's1', 'good.test', key);
  const tampered = Buffer.from(signed.toString('latin1').replace('Hello', 'Hellp'), 'latin1');
  const v = await verifyMessage(tampered, env('a@good.test'), options());
  assert.equal(v.dkim[0]?.result, 'fail');
  assert.match(v.header, /dkim=fail/);
});

test('SPF fail and softfail', async () => {
  assert.equal((await verifyMessage(message('a@strict.test'), env('a@strict.test'), options())).spf, 'fail');
  assert.equal((await verifyMessage(message('a@soft.test'), env('a@soft.test'), options())).spf, 'softfail');
  assert.equal((await verifyMessage(message('a@good.test'), env('a@good.test', '198.51.100.7'), options())).spf, 'fail');
});

test('DMARC fail reports the policy that applies', async () => {
  const reject = await verifyMessage(message('a@strict.test'), env('a@strict.test'), options());
  assert.deepEqual(reject.dmarc, { result: 'fail', domain: 'strict.test', policy: 'reject' });
  const quarantine = await verifyMessage(message('a@quar.test'), env('a@quar.test'), options());
  assert.equal(quarantine.dmarc?.policy, 'quarantine');
  const none = await verifyMessage(message('a@nodmarc.test'), env('a@nodmarc.test'), options());
  assert.equal(none.dmarc?.result ?? 'none', 'none');
});

test('an ARC chain sealed by arcsign verifies', async () => {
  const signed = dkimSign(message('a@good.test'), 's1', 'good.test', key);
  const sealed = arcSign(signed, 'arc1', 'forwarder.test', forwarderKey, 'forwarder.test', 'dkim=pass header.d=good.test; spf=pass smtp.mailfrom=good.test');
  const v = await verifyMessage(sealed, env('a@good.test', '198.51.100.7'), options());
  assert.equal(v.arc, 'pass');
  assert.match(v.header, /arc=pass/);
});

test('a DNS timeout is temperror, and the whole check is bounded by its time limit', async () => {
  const v = await verifyMessage(message('a@slow.test'), env('a@slow.test'), options());
  assert.equal(v.dmarc?.result, 'temperror');
  const started = Date.now();
  const bounded = await verifyMessage(message('a@slow.test'), env('a@slow.test'), { ...options(), resolver: createResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 }), timeoutMs: 150 });
  assert.ok(Date.now() - started < 2000);
  assert.equal(bounded.timedOut, true);
  assert.match(bounded.header, /^Authentication-Results: mx\.postern\.test;\r\n spf=temperror/);
});
