// ACME issuance and renewal against Pebble on loopback: Pebble resolves our names through the DNS
// fixture and validates HTTP-01 by fetching the token from our HTTP listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import tls from 'node:tls';
import { acmeFiles, certificateNames, ensureCertificate, renewalReason, startAcmeRenewal, ACME_RENEW_BEFORE_MS } from '../../src/tls/acme.ts';
import { createAcmeChallenges } from '../../src/tls/acme-challenges.ts';
import { startHttpServer } from '../../src/http/server.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { createTlsProvider } from '../../src/tls/provider.ts';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPebble, PEBBLE_BIN } from '../fixtures/pebble.ts';
import { makeTestCert } from '../fixtures/tls-cert.ts';

const names = certificateNames('mail.example.test', ['example.test']);

test('a certificate is issued by Pebble over HTTP-01, stored, renewed when due, and TLS listeners follow it', { skip: !fs.existsSync(PEBBLE_BIN) && !process.env.CI && 'pebble is not installed', timeout: 60_000 }, async (t) => {
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const challenges = createAcmeChallenges();
  const metrics = createMetrics();
  const http = await startHttpServer({
    hostname: 'mail.example.test', services: {}, mtaSts: { mode: 'testing', maxAgeS: 86400 }, isLocalDomain: async () => true,
    metrics, health: async () => [], challenges,
  }, { host: '127.0.0.1', port: 0 });
  t.after(() => http.close());
  const dns = await startDnsServer(Object.fromEntries(names.map((n) => [n, { A: ['127.0.0.1'] }])));
  t.after(() => dns.close());
  const pebble = await startPebble(dir, { httpPort: http.port, dnsServer: dns.server });
  t.after(() => pebble.close());
  const settings = { directoryUrl: pebble.directoryUrl, email: 'admin@example.test', dataDir: `${dir}/data`, caFile: pebble.caFile };

  // Issuance.
  let now = Date.now();
  const clock = { now: () => now };
  const first = await ensureCertificate(settings, names, challenges, clock);
  assert.deepEqual(first, { changed: true, reason: 'no certificate yet' });
  const files = acmeFiles(settings.dataDir);
  const issued = new crypto.X509Certificate(fs.readFileSync(files.cert));
  assert.deepEqual(issued.subjectAltName!.split(', ').sort(), names.map((n) => `DNS:${n}`).sort());
  assert.ok(issued.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(files.key))), 'stored key matches the certificate');
  assert.equal(fs.statSync(files.key).mode & 0o777, 0o600);
  const chain = fs.readFileSync(files.cert, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!.map((pem) => new crypto.X509Certificate(pem));
  const root = new crypto.X509Certificate(await pebble.issuingRoot());
  assert.ok(chain.length >= 2 && chain[chain.length - 1]!.checkIssued(root), 'the stored chain leads to Pebble\'s root');
  // Pebble validated each name by fetching its token from our listener (VA_ALWAYS_VALID is off).
  assert.ok(metrics.counter('postern_http_requests_total', '').value({ scheme: 'http', code: 200 }) >= names.length);
  assert.equal(challenges.get('anything'), undefined);

  // Not due: nothing happens.
  assert.deepEqual(await ensureCertificate(settings, names, challenges, clock), { changed: false, reason: null });

  // A TLS listener built on the stored files; renewal must reach it without a restart.
  const provider = createTlsProvider(files.cert, files.key);
  const server = tls.createServer(provider.serverOptions(), (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as import('node:net').AddressInfo).port;
  const servedSerial = () => new Promise<string>((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'mail.example.test', rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()!.serialNumber);
      s.end();
    });
    s.on('error', reject);
  });
  assert.equal(await servedSerial(), issued.serialNumber);

  // 29 days before expiry: renewed by the renewal loop, which reloads the provider.
  now = Date.parse(issued.validTo) - ACME_RENEW_BEFORE_MS + 86400_000;
  const renewedReasons: string[] = [];
  const errors: unknown[] = [];
  const renewal = startAcmeRenewal({
    settings, names: async () => names, challenges, clock, intervalMs: 3_600_000,
    onRenewed: (reason) => { renewedReasons.push(reason); provider.reload(); },
    onError: (err) => errors.push(err),
  });
  t.after(() => renewal.stop());
  await renewal.check();
  assert.deepEqual(errors, []);
  assert.equal(renewedReasons.length, 1);
  assert.match(renewedReasons[0]!, /^expires /);
  const renewed = new crypto.X509Certificate(fs.readFileSync(files.cert));
  assert.notEqual(renewed.serialNumber, issued.serialNumber);
  assert.equal(await servedSerial(), renewed.serialNumber, 'the running TLS listener serves the renewed certificate');
});

test('renewal is due when the certificate is missing, lacks a name, or expires within 30 days', (t) => {
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = makeTestCert(dir, ['mail.example.test', 'mta-sts.example.test']).cert;
  const validTo = Date.parse(new crypto.X509Certificate(cert).validTo);
  assert.equal(renewalReason(null, ['mail.example.test'], 0), 'no certificate yet');
  assert.equal(renewalReason(cert, ['mail.example.test', 'mta-sts.example.test'], validTo - ACME_RENEW_BEFORE_MS - 1000), null);
  assert.match(renewalReason(cert, ['mail.example.test'], validTo - ACME_RENEW_BEFORE_MS + 1000)!, /^expires/);
  assert.equal(renewalReason(cert, ['mail.example.test', 'autoconfig.example.test'], 0), 'not valid for autoconfig.example.test');
  assert.deepEqual(certificateNames('Mail.Example.test', ['b.test', 'a.test']), ['mail.example.test', 'mta-sts.a.test', 'autoconfig.a.test', 'mta-sts.b.test', 'autoconfig.b.test']);
});
