// `postern doctor` against the DNS fixture: an IPv4 address with forward-confirmed reverse DNS and
// an IPv6 one without PTR; a blocklist that lists the IPv4 address and Spamhaus answering
// 127.255.255.254 ("this resolver cannot query Spamhaus", not a listing); outbound port 25 to a
// loopback test MX that answers, then to one that does not (advice: a smarthost route); the
// self-test of SPF, both DKIM keys and DMARC through our own verifier; the certificate; dns check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { makeTestCert } from '../fixtures/test-cert.ts';
import { stringify } from 'smol-toml';
import { validateConfig } from '../../src/config/load.ts';
import { openConfiguredStore } from '../../src/store/engines/open-store.ts';
import { testStoreSection } from '../fixtures/test-store.ts';
import { generateDkimKeys, dkimTxt } from '../../src/email-auth/dkim-keys.ts';
import { domainRecords } from '../../src/doctor/dns-records.ts';
import { mtaStsPolicy, mtaStsId } from '../../src/http/mta-sts-policy.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/postern');

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Row { check: string; status: string; found: string; fix?: string }

test('postern doctor: PTR, blocklists, port 25, self-test, certificate, dns check', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-doctor-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A store on the run's engine, made before the CLI runs (as `postern migrate` would).
  const storeOn = async (dataDir: string) => {
    const section = await testStoreSection();
    t.after(() => section.release());
    const store = await openConfiguredStore(validateConfig({ data_dir: dataDir, store: section.store }, null), { clock: { now: () => Date.now() }, migrate: true });
    const toml = Object.keys(section.store).length > 0 ? stringify({ store: section.store }) : '';
    return { store, toml };
  };
  const { store, toml: storeToml } = await storeOn(path.join(dir, 'data'));
  const keys = generateDkimKeys(new Date());
  await store.domains.add('example.test', keys);
  const stored = await store.domains.dkimKeys('example.test');
  await store.close();

  const policy = mtaStsPolicy('mail.example.test', 'testing', 604800);
  const dns = await startDnsServer({
    'mail.example.test': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] },
    '10.2.0.192.in-addr.arpa': { PTR: ['mail.example.test'] },
    'example.test': { MX: [{ priority: 10, exchange: 'mail.example.test' }], TXT: ['v=spf1 mx -all'] },
    '_dmarc.example.test': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test'] },
    '_mta-sts.example.test': { TXT: [`v=STSv1; id=${mtaStsId(policy)}`] },
    'mta-sts.example.test': { CNAME: ['mail.example.test'] },
    '_smtp._tls.example.test': { TXT: ['v=TLSRPTv1; rua=mailto:postmaster@example.test'] },
    // bl.example.net lists the IPv4 address (and its RFC 5782 test entry).
    '10.2.0.192.bl.example.net': { A: ['127.0.0.2'] },
    '2.0.0.127.bl.example.net': { A: ['127.0.0.2'] },
    // Spamhaus refuses this resolver: every query answers 127.255.255.254.
    '10.2.0.192.zen.spamhaus.org': { A: ['127.255.255.254'] },
    '2.0.0.127.zen.spamhaus.org': { A: ['127.255.255.254'] },
    '1.0.0.127.zen.spamhaus.org': { A: ['127.255.255.254'] },
    'mx.probe.test': { A: ['127.0.0.1'] },
  });
  t.after(() => dns.close());
  for (const k of stored) dns.set(`${k.selector}._domainkey.example.test`, { TXT: [dkimTxt(k)] });
  for (const r of domainRecords({ domain: 'example.test', hostname: 'mail.example.test', dkimKeys: stored, mtaSts: { mode: 'testing', maxAgeS: 604800 } })) {
    if (r.type === 'SRV') dns.set(r.name, { SRV: [{ priority: 0, weight: 1, port: Number(r.value.split(' ')[2]), target: 'mail.example.test' }] });
    if (r.type === 'CNAME') dns.set(r.name, { CNAME: ['mail.example.test'] });
  }
  const nibbles = '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';
  dns.set(`${nibbles}.zen.spamhaus.org`, { A: ['127.255.255.254'] });

  const probe = await startScriptedPeer();
  t.after(() => probe.close());
  const cert = makeTestCert(['mail.example.test']);
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), cert.key);

  const configFile = path.join(dir, 'postern.toml');
  const writeConfig = (testMx: string) => fs.writeFileSync(configFile, [
    'hostname = "mail.example.test"', `data_dir = "${dir}/data"`,
    '[dns]', `servers = ["${dns.server}"]`, 'timeout_ms = 1000', 'tries = 1',
    '[tls]', `cert = "${dir}/cert.pem"`, `key = "${dir}/key.pem"`,
    '[spam]', 'dnsbl = ["bl.example.net", "zen.spamhaus.org"]',
    '[doctor]', 'addresses = ["192.0.2.10", "2001:db8::10"]', `test_mx = "${testMx}"`, 'timeout_s = 2', '',
  ].join('\n') + storeToml);
  const run = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, [BIN, 'doctor', ...args, '--config', configFile], { encoding: 'utf8', timeout: 60_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  writeConfig(`mx.probe.test:${probe.port}`);
  const text = await run();
  if (process.env.POSTERN_DOCTOR_SHOW) process.stdout.write(`\n${text.stdout}\n`);
  assert.equal(text.code, 1, 'a failed check exits 1 for cron');
  assert.match(text.stdout, /^STATUS\s+CHECK\s+FOUND/m);
  assert.match(text.stdout, /To fix:/);

  const json = await run('--json');
  const { ok, rows } = JSON.parse(json.stdout) as { ok: boolean; rows: Row[] };
  assert.equal(ok, false);
  const row = (check: string | RegExp) => {
    const found = rows.find((r) => (typeof check === 'string' ? r.check === check : check.test(r.check)));
    assert.ok(found, `a row for ${check}`);
    return found!;
  };
  assert.equal(row('sending addresses').status, 'ok');
  assert.deepEqual([row('reverse DNS 192.0.2.10').status, row('reverse DNS 192.0.2.10').found], ['ok', 'PTR mail.example.test → 192.0.2.10']);
  const v6 = row('reverse DNS 2001:db8::10');
  assert.equal(v6.status, 'fail');
  assert.match(v6.fix!, /550 5\.7\.25/);
  assert.equal(row('blocklist bl.example.net 192.0.2.10').status, 'fail');
  assert.equal(row('blocklist bl.example.net 2001:db8::10').status, 'ok');
  const spamhaus = row('blocklist zen.spamhaus.org 192.0.2.10');
  assert.equal(spamhaus.status, 'warn');
  assert.match(spamhaus.found, /this resolver cannot query Spamhaus/);
  assert.ok(!rows.some((r) => /zen\.spamhaus\.org/.test(r.check) && r.status === 'fail'), 'an error answer is never a listing');
  assert.equal(row(/^outbound port 25/).status, 'ok');
  assert.match(row(/^outbound port 25/).found, /^220 /);
  // SPF "mx" authorizes 192.0.2.10 and 2001:db8::10 (the MX's addresses); both DKIM keys verify; DMARC aligns.
  assert.equal(row('self-test SPF example.test from 192.0.2.10').status, 'ok');
  for (const k of stored) assert.equal(row(`self-test DKIM example.test ${k.selector} (${k.algorithm})`).status, 'ok', k.algorithm);
  assert.equal(row('self-test DMARC example.test').status, 'ok');
  assert.equal(row('certificate names').status, 'ok');
  // The test certificate lives two days: inside the warning window, not expired.
  assert.equal(row('certificate expiry').status, 'warn');
  assert.match(row('certificate expiry').found, /expires in (0 days|1 day) /);
  assert.equal(row('certificate issuer').status, 'warn');
  assert.equal(row('dns example.test: TXT _dmarc.example.test').status, 'ok');
  assert.equal(row('dns example.test: TXT _smtp._tls.example.test').status, 'ok');
  assert.equal(row(/^dns example\.test: .*mta-sts/i).check.length > 0, true);

  // The self-test catches a broken DKIM record.
  dns.set(`${stored[0]!.selector}._domainkey.example.test`, { TXT: ['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu'] });
  const broken = JSON.parse((await run('--json')).stdout) as { rows: Row[] };
  assert.equal(broken.rows.find((r) => r.check === `self-test DKIM example.test ${stored[0]!.selector} (${stored[0]!.algorithm})`)!.status, 'fail');
  dns.set(`${stored[0]!.selector}._domainkey.example.test`, { TXT: [dkimTxt(stored[0]!)] });

  // --domain: only that domain's self-test and dns check; an unknown one is an error.
  const one = JSON.parse((await run('--domain', 'example.test', '--json')).stdout) as { rows: Row[] };
  assert.ok(one.rows.some((r) => r.check === 'self-test DMARC example.test'));
  const unknown = await run('--domain', 'nope.test');
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /no domain nope\.test/);

  // No DMARC record: the self-test says so and the fix is to publish one.
  dns.set('_dmarc.example.test', { TXT: [] });
  const noDmarc = JSON.parse((await run('--json')).stdout) as { rows: Row[] };
  const dmarcRow = noDmarc.rows.find((r) => r.check === 'self-test DMARC example.test')!;
  assert.deepEqual([dmarcRow.status, dmarcRow.found], ['fail', 'no DMARC record']);
  assert.match(dmarcRow.fix!, /publish _dmarc\.example\.test/);
  dns.set('_dmarc.example.test', { TXT: ['v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test'] });

  // Port 25 closed: fail, and the fix is a smarthost route.
  writeConfig(`mx.probe.test:${await closedPort()}`);
  const blocked = JSON.parse((await run('--json')).stdout) as { rows: Row[] };
  const p25 = blocked.rows.find((r) => r.check.startsWith('outbound port 25'))!;
  assert.equal(p25.status, 'fail');
  assert.match(p25.fix!, /\[\[queue\.route\]\]/);

  // With a catch-all smarthost route, a blocked port 25 is only a warning, and the relay itself is probed.
  fs.appendFileSync(configFile, ['[[queue.route]]', `relay = "smtp://127.0.0.1:${probe.port}"`, ''].join('\n'));
  const routed = JSON.parse((await run('--json')).stdout) as { rows: Row[] };
  const viaRoute = routed.rows.find((r) => r.check.startsWith('outbound port 25'))!;
  assert.equal(viaRoute.status, 'warn');
  assert.match(viaRoute.fix!, /all mail goes through smtp:\/\/127\.0\.0\.1:\d+/);
  const relayRow = routed.rows.find((r) => r.check === `route relay smtp://127.0.0.1:${probe.port}`)!;
  assert.deepEqual([relayRow.status, /^220 /.test(relayRow.found)], ['ok', true]);

  // Warnings alone exit 0 (cron stays quiet): a store without domains, the address whose PTR is right.
  fs.mkdirSync(path.join(dir, 'quiet'));
  const quietStore = await storeOn(path.join(dir, 'quiet'));
  await quietStore.store.close();
  fs.writeFileSync(configFile, fs.readFileSync(configFile, 'utf8').replace(`data_dir = "${dir}/data"`, `data_dir = "${dir}/quiet"`).replace(storeToml, quietStore.toml)
    .replace('addresses = ["192.0.2.10", "2001:db8::10"]', 'addresses = ["192.0.2.10"]').replace('dnsbl = ["bl.example.net", "zen.spamhaus.org"]', 'dnsbl = ["zen.spamhaus.org"]'));
  const quiet = await run('--json');
  const quietRows = (JSON.parse(quiet.stdout) as { ok: boolean; rows: Row[] }).rows;
  assert.equal(quiet.code, 0, quiet.stdout);
  assert.ok(quietRows.some((r) => r.status === 'warn') && !quietRows.some((r) => r.status === 'fail'));
});
