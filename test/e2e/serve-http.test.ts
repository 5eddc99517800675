// `postern serve` with the HTTP and HTTPS listeners and [tls] acme against Pebble: the certificate
// for hostname, mta-sts.DOMAIN and autoconfig.DOMAIN is obtained over HTTP-01 in the background and
// the HTTPS listener switches to it without a restart; then a scripted run of requests, and
// /metrics shows the counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPebble, PEBBLE_BIN } from '../fixtures/pebble.ts';
import { httpRequest } from '../fixtures/http-request.ts';
import { readThunderbirdConfig } from '../fixtures/thunderbird-autoconfig.ts';
import { domainCommand } from '../../src/cli/domain.ts';
import { createResolver } from '../../src/dns/resolver.ts';
import { httpsPolicyFetcher } from '../../src/queue/mta-sts.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/postern');
const NAMES = ['mail.example.test', 'mta-sts.example.test', 'autoconfig.example.test'];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function servedNames(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()?.subjectAltName ?? '');
      s.end();
    });
    s.on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test('serve obtains an ACME certificate, serves autoconfig, MTA-STS over HTTPS, healthz and metrics', { skip: !fs.existsSync(PEBBLE_BIN) && !process.env.CI && 'pebble is not installed', timeout: 60_000 }, async (t) => {
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dns = await startDnsServer(Object.fromEntries(NAMES.map((n) => [n, { A: ['127.0.0.1'] }])));
  t.after(() => dns.close());
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  // The imaps listener gives autoconfig a server to describe and /healthz a listener to find up;
  // submissions is the other TLS listener.
  const submissionsPort = await freePort();
  const imapsPort = await freePort();
  const opsPort = await freePort();
  const pebble = await startPebble(dir, { httpPort, dnsServer: dns.server });
  t.after(() => pebble.close());
  const config = path.join(dir, 'postern.toml');
  fs.writeFileSync(config, [
    'hostname = "mail.example.test"', `data_dir = "${dir}/data"`,
    '[listen]', ...['smtp', 'submission', 'imap', 'pop3', 'pop3s', 'managesieve'].map((k) => `${k} = false`),
    `imaps = "127.0.0.1:${imapsPort}"`, `submissions = "127.0.0.1:${submissionsPort}"`,
    `http = "127.0.0.1:${httpPort}"`, `https = "127.0.0.1:${httpsPort}"`, `ops = "127.0.0.1:${opsPort}"`,
    '[tls]', 'acme = true', `acme_directory = "${pebble.directoryUrl}"`, `acme_ca_file = "${pebble.caFile}"`, 'acme_email = "admin@example.test"',
    '[dns]', `servers = ["${dns.server}"]`, '[mta_sts]', 'mode = "enforce"', 'max_age_s = 86400', '[log]', 'level = "info"', '',
  ].join('\n'));
  await domainCommand(['add', 'example.test', '--config', config], { json: true, out: () => {}, err: () => {} });

  const child = spawn(process.execPath, [BIN, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(async () => { if (child.exitCode === null) { child.kill('SIGTERM'); await exited; } });

  const health = await until('healthz', async () => {
    const r = await httpRequest(opsPort, '/healthz', 'mail.example.test');
    return r.status === 200 ? r.text() : undefined;
  });
  assert.equal(health, `ok database writable\nok submissions listener 127.0.0.1:${submissionsPort}\nok imaps listener 127.0.0.1:${imapsPort}\n`);

  // The HTTPS listener starts on the self-signed placeholder and switches once Pebble has issued.
  const san = await until('the ACME certificate on the HTTPS listener', async () => {
    const names = await servedNames(httpsPort, 'mta-sts.example.test');
    return names.includes('DNS:mta-sts.example.test') ? names : undefined;
  });
  for (const n of NAMES) assert.match(san, new RegExp(`DNS:${n.replace(/\./g, '\\.')}`));
  assert.match(output, /ACME certificate obtained; TLS listeners reloaded/);

  // The policy as a sending MTA fetches it: HTTPS, certificate checked against Pebble's root.
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 500, tries: 1 });
  const fetchPolicy = httpsPolicyFetcher({ resolver, timeoutMs: 3000, ca: await pebble.issuingRoot(), port: httpsPort, allowPrivate: true });
  assert.equal(await fetchPolicy('example.test'), 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 86400\r\n');

  // A scripted run of client requests.
  const tb = await httpRequest(httpPort, '/mail/config-v1.1.xml?emailaddress=alice%40example.test', 'autoconfig.example.test');
  const described = readThunderbirdConfig(await tb.text());
  assert.deepEqual(described.incoming.map((s) => [s.type, s.hostname, s.port, s.socketType]), [['imap', 'mail.example.test', imapsPort, 'SSL']]);
  assert.deepEqual(described.outgoing.map((s) => [s.port, s.socketType]), [[submissionsPort, 'SSL']]);
  assert.equal((await httpRequest(httpPort, '/.well-known/autoconfig/mail/config-v1.1.xml', 'autoconfig.example.test')).status, 200);
  assert.equal((await httpRequest(httpPort, '/autodiscover/autodiscover.xml', 'autodiscover.example.test', { method: 'POST', body: '<EMailAddress>alice@example.test</EMailAddress>' })).status, 200);
  assert.equal((await httpRequest(httpPort, '/no/such/page', 'mail.example.test')).status, 404);

  // The operational endpoints are not on the public listener (no [ops] token configured).
  assert.equal((await httpRequest(httpPort, '/metrics', 'mail.example.test')).status, 404);
  assert.equal((await httpRequest(httpPort, '/healthz', 'mail.example.test')).status, 404);
  const metrics = await (await httpRequest(opsPort, '/metrics', 'mail.example.test')).text();
  const count = (labels: string) => Number(new RegExp(`^postern_http_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
  assert.equal(count('code="200",scheme="https"'), 1, metrics);
  assert.equal(count('code="404",scheme="http"'), 3, metrics);
  assert.ok(count('code="200",scheme="ops"') >= 1, metrics);
  // 3 HTTP-01 validations, 3 autoconfig/autodiscover, at least
  assert.ok(count('code="200",scheme="http"') >= 6, metrics);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
