import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { checkDomain, checkFailed, spfLookupCount, type CheckRow, type ExpectedRecord } from '../../../src/doctor/dns-check.ts';
import { createResolver } from '../../../src/dns/resolver.ts';
import { httpsPolicyFetcher } from '../../../src/queue/mta-sts.ts';
import { startHttpServer } from '../../../src/http/server.ts';
import { createMetrics } from '../../../src/metrics/registry.ts';
import { createAcmeChallenges } from '../../../src/tls/acme-challenges.ts';
import { mtaStsId, mtaStsPolicy } from '../../../src/http/mta-sts-policy.ts';
import { parsePolicyText } from '../../../src/queue/mta-sts.ts';
import { startDnsServer, type ZoneRecords } from '../../fixtures/dns-server.ts';
import { makeTestCert } from '../../fixtures/tls-cert.ts';

const DOMAIN = 'example.test';
const HOST = 'mail.example.test';
const DKIM_P = 'MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=';
const POLICY_ID = mtaStsId(mtaStsPolicy(HOST, 'enforce', 86400));

const expected: ExpectedRecord[] = [
  { name: `${DOMAIN}.`, type: 'MX', value: `10 ${HOST}.`, purpose: 'mx' },
  { name: `${DOMAIN}.`, type: 'TXT', value: 'v=spf1 mx -all', purpose: 'spf' },
  { name: `2026e._domainkey.${DOMAIN}.`, type: 'TXT', value: `v=DKIM1; k=ed25519; p=${DKIM_P}`, purpose: 'dkim' },
  { name: `_dmarc.${DOMAIN}.`, type: 'TXT', value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${DOMAIN}`, purpose: 'dmarc' },
  { name: `_mta-sts.${DOMAIN}.`, type: 'TXT', value: `v=STSv1; id=${POLICY_ID}`, purpose: 'mta-sts' },
  { name: `mta-sts.${DOMAIN}.`, type: 'CNAME', value: `${HOST}.`, purpose: 'mta-sts host' },
  { name: `_smtp._tls.${DOMAIN}.`, type: 'TXT', value: `v=TLSRPTv1; rua=mailto:postmaster@${DOMAIN}`, purpose: 'tls-rpt' },
  { name: `autoconfig.${DOMAIN}.`, type: 'CNAME', value: `${HOST}.`, purpose: 'autoconfig' },
  { name: `_imaps._tcp.${DOMAIN}.`, type: 'SRV', value: `0 1 993 ${HOST}.`, purpose: 'imaps' },
];

const correctZone: Record<string, ZoneRecords> = {
  [DOMAIN]: { MX: [{ priority: 10, exchange: HOST }], TXT: ['v=spf1 mx -all', 'google-site-verification=x'] },
  [HOST]: { A: ['127.0.0.1'] },
  '1.0.0.127.in-addr.arpa': { PTR: [HOST] },
  [`2026e._domainkey.${DOMAIN}`]: { TXT: [`v=DKIM1; k=ed25519; p=${DKIM_P}`] },
  [`_dmarc.${DOMAIN}`]: { TXT: ['v=DMARC1; p=reject'] },
  [`_mta-sts.${DOMAIN}`]: { TXT: [`v=STSv1; id=${POLICY_ID}`] },
  // An A record equal to the host's is as good as the CNAME.
  [`mta-sts.${DOMAIN}`]: { A: ['127.0.0.1'] },
  [`_smtp._tls.${DOMAIN}`]: { TXT: [`v=TLSRPTv1; rua=mailto:tls@${DOMAIN}`] },
  [`autoconfig.${DOMAIN}`]: { CNAME: [HOST] },
  [`_imaps._tcp.${DOMAIN}`]: { SRV: [{ priority: 0, weight: 1, port: 993, target: HOST }] },
};

async function setup(t: import('node:test').TestContext, zone: Record<string, ZoneRecords>, mode: 'enforce' | 'testing' = 'enforce') {
  const dns = await startDnsServer(zone);
  t.after(() => dns.close());
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = makeTestCert(dir, [`mta-sts.${DOMAIN}`]);
  const https = await startHttpServer({
    hostname: HOST, services: {}, mtaSts: { mode, maxAgeS: 86400 }, isLocalDomain: async (d) => d === DOMAIN,
    metrics: createMetrics(), health: async () => [], challenges: createAcmeChallenges(),
  }, { host: '127.0.0.1', port: 0 }, { tls: { key: cert.key, cert: cert.cert } });
  t.after(() => https.close());
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 });
  const fetchMtaStsPolicy = httpsPolicyFetcher({ resolver, timeoutMs: 2000, ca: cert.cert, port: https.port, allowPrivate: true });
  const run = () => checkDomain({ domain: DOMAIN, hostname: HOST, expected, mtaStsMode: 'enforce', resolver, fetchMtaStsPolicy });
  return { dns, run };
}

const verdicts = (rows: CheckRow[]) => Object.fromEntries(rows.map((r) => [r.record, r.verdict]));

test('a correctly published domain passes every check, including the policy fetched over HTTPS', async (t) => {
  const { run } = await setup(t, correctZone);
  const rows = await run();
  assert.deepEqual(rows.filter((r) => r.verdict !== 'ok'), []);
  assert.equal(checkFailed(rows), false);
  assert.deepEqual(Object.keys(verdicts(rows)), [
    `A/AAAA ${HOST}`, 'PTR 127.0.0.1', `MX ${DOMAIN}`, `TXT ${DOMAIN}`, `SPF lookups ${DOMAIN}`,
    `TXT 2026e._domainkey.${DOMAIN}`, `TXT _dmarc.${DOMAIN}`, `TXT _mta-sts.${DOMAIN}`,
    `policy https://mta-sts.${DOMAIN}/.well-known/mta-sts.txt`, `CNAME mta-sts.${DOMAIN}`,
    `TXT _smtp._tls.${DOMAIN}`, `CNAME autoconfig.${DOMAIN}`, `SRV _imaps._tcp.${DOMAIN}`,
  ]);
  assert.equal(rows.find((r) => r.record === `SPF lookups ${DOMAIN}`)!.found, '1');
});

test('missing records are reported as missing, each with the record to publish', async (t) => {
  const { run } = await setup(t, { [HOST]: { A: ['127.0.0.1'] } });
  const rows = await run();
  assert.equal(checkFailed(rows), true);
  const v = verdicts(rows);
  for (const record of ['PTR 127.0.0.1', `MX ${DOMAIN}`, `TXT ${DOMAIN}`, `TXT 2026e._domainkey.${DOMAIN}`, `TXT _dmarc.${DOMAIN}`,
    `TXT _mta-sts.${DOMAIN}`, `policy https://mta-sts.${DOMAIN}/.well-known/mta-sts.txt`, `CNAME mta-sts.${DOMAIN}`,
    `TXT _smtp._tls.${DOMAIN}`, `CNAME autoconfig.${DOMAIN}`, `SRV _imaps._tcp.${DOMAIN}`]) {
    assert.equal(v[record], 'missing', record);
  }
  assert.match(rows.find((r) => r.record === `MX ${DOMAIN}`)!.fix!, /publish MX example\.test\. 10 mail\.example\.test\./);
});

test('wrong records are reported as wrong, with the reason', async (t) => {
  const zone: Record<string, ZoneRecords> = {
    ...correctZone,
    [DOMAIN]: { MX: [{ priority: 10, exchange: 'mx.elsewhere.test' }], TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '1.0.0.127.in-addr.arpa': { PTR: ['host-127-0-0-1.isp.test'] },
    [`2026e._domainkey.${DOMAIN}`]: { TXT: ['v=DKIM1; k=ed25519; p=AAAA'] },
    [`_dmarc.${DOMAIN}`]: { TXT: ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] },
    [`_mta-sts.${DOMAIN}`]: { TXT: ['v=STSv1; id=old'] },
    [`mta-sts.${DOMAIN}`]: { A: ['127.0.0.1'] },
    [`autoconfig.${DOMAIN}`]: { CNAME: ['other.example.test'] },
    [`_imaps._tcp.${DOMAIN}`]: { SRV: [{ priority: 0, weight: 1, port: 143, target: HOST }] },
  };
  const { run } = await setup(t, zone);
  const rows = await run();
  const v = verdicts(rows);
  for (const record of ['PTR 127.0.0.1', `MX ${DOMAIN}`, `TXT ${DOMAIN}`, `TXT 2026e._domainkey.${DOMAIN}`, `TXT _dmarc.${DOMAIN}`,
    `TXT _mta-sts.${DOMAIN}`, `CNAME autoconfig.${DOMAIN}`, `SRV _imaps._tcp.${DOMAIN}`]) {
    assert.equal(v[record], 'wrong', record);
  }
  assert.match(rows.find((r) => r.record === `TXT ${DOMAIN}`)!.found, /127\.0\.0\.1: fail/);
  assert.match(rows.find((r) => r.record === 'PTR 127.0.0.1')!.fix!, /reverse DNS to mail\.example\.test/);
});

test('an MTA-STS policy served in the wrong mode is wrong', async (t) => {
  const { run } = await setup(t, correctZone, 'testing');
  const row = (await run()).find((r) => r.record.startsWith('policy '))!;
  assert.equal(row.verdict, 'wrong');
  assert.equal(row.found, `mode testing, mx ${HOST}`);
});

test('an SPF record needing more than 10 lookups is flagged, counting through includes', async (t) => {
  const zone: Record<string, ZoneRecords> = { ...correctZone, [DOMAIN]: { ...correctZone[DOMAIN], TXT: ['v=spf1 mx include:a.spf.test include:b.spf.test -all'] } };
  zone['a.spf.test'] = { TXT: ['v=spf1 a mx ptr exists:x.test include:c.spf.test'] };
  zone['b.spf.test'] = { TXT: ['v=spf1 a:x.test mx:y.test redirect=c.spf.test'] };
  zone['c.spf.test'] = { TXT: ['v=spf1 a mx ip4:192.0.2.0/24 ~all'] };
  const { run } = await setup(t, zone);
  const row = (await run()).find((r) => r.record === `SPF lookups ${DOMAIN}`)!;
  // mx, include a (a mx ptr exists include c (a mx)), include b (a mx redirect c (a mx))
  assert.equal(row.found, '15');
  assert.equal(row.verdict, 'wrong');
  const resolver = createResolver({ servers: [], timeoutMs: 100, tries: 1 });
  assert.equal(await spfLookupCount(resolver, 'v=spf1 ip4:1.2.3.4 a/24 mx:%{d} -all', new Set()), 2);
});

test('a temporary DNS failure is an error, not "missing"', async (t) => {
  const { dns, run } = await setup(t, correctZone);
  dns.servfail.add(`_dmarc.${DOMAIN}`);
  const row = (await run()).find((r) => r.record === `TXT _dmarc.${DOMAIN}`)!;
  assert.equal(row.verdict, 'error');
});

test('policies are parsed as STSv1 or refused, as strictly as the sending side reads them', () => {
  assert.deepEqual(parsePolicyText(mtaStsPolicy(HOST, 'enforce', 604800)), { mode: 'enforce', mx: [HOST], maxAgeS: 604800 });
  assert.deepEqual(parsePolicyText('version: STSv1\nmode: testing\nmx: a.test\nmx: *.b.test\nmax_age: 86400\n')?.mx, ['a.test', '*.b.test']);
  assert.equal(parsePolicyText('version: STSv2\nmode: enforce\nmax_age: 1\n'), null);
  assert.equal(parsePolicyText('version: STSv1\nmode: sometimes\nmax_age: 1\n'), null);
  // What the sending side refuses, the check refuses too: one parser (§3.2).
  assert.equal(parsePolicyText(`version: STSv1\nmode: enforce\nmx: ${HOST}\nmax_age: 99999999999\n`), null, 'max_age past 31557600');
  assert.equal(parsePolicyText('version: STSv1\nmode: enforce\nmax_age: 86400\n'), null, 'enforce without mx');
  assert.deepEqual(parsePolicyText('version: STSv1\nmode: none\nmax_age: 86400\n'), { mode: 'none', mx: [], maxAgeS: 86400 });
});
