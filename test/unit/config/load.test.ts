import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig, loadConfig, ConfigError, parseListen, configPath } from '../../../src/config/load.ts';
import { parseSize } from '../../../src/config/size.ts';

test('defaults need no file', () => {
  const c = validateConfig({}, null);
  assert.deepEqual(c.listen.smtp, { host: '', port: 25 });
  assert.deepEqual(c.listen.http, { host: '', port: 8080 });
  assert.equal(c.limits.message_size, 50 * 1024 * 1024);
  assert.equal(c.inbound.dns_temperror, 'defer');
  assert.deepEqual(c.queue.retry_schedule_s, [300, 600, 1800, 3600, 7200, 14400]);
  assert.ok(path.isAbsolute(c.data_dir));
});

test('values are converted: listen addresses, false, sizes, paths relative to the file', () => {
  const c = validateConfig({
    hostname: 'mx.example.com', data_dir: 'state',
    listen: { smtp: '127.0.0.1:2525', imap: false, imaps: '[::1]:993', pop3: ':0' },
    limits: { message_size: '10M' }, tls: { cert: 'c.pem' },
  }, '/etc/postern/postern.toml');
  assert.deepEqual(c.listen.smtp, { host: '127.0.0.1', port: 2525 });
  assert.equal(c.listen.imap, null);
  assert.deepEqual(c.listen.imaps, { host: '::1', port: 993 });
  assert.deepEqual(c.listen.pop3, { host: '', port: 0 });
  assert.equal(c.limits.message_size, 10 * 1024 * 1024);
  assert.equal(c.data_dir, '/etc/postern/state');
  assert.equal(c.tls.cert, '/etc/postern/c.pem');
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['unknown top-level key', { hostnme: 'x' }, /unknown key "hostnme"/],
  ['unknown section', { lisen: {} }, /unknown key "lisen"/],
  ['unknown key in a section', { listen: { smpt: ':25' } }, /unknown key "listen\.smpt"/],
  ['section that is not a table', { listen: 'x' }, /"listen" must be a table/],
  ['string expected', { hostname: 42 }, /hostname: expected a string, got 42/],
  ['bool expected', { submission: { hide_client_ip: 'yes' } }, /submission\.hide_client_ip: expected true or false/],
  ['integer expected', { limits: { recipients: 1.5 } }, /limits\.recipients: expected an integer/],
  ['integer out of range', { limits: { recipients: 0 } }, /limits\.recipients: expected an integer from 1/],
  ['bad size', { limits: { message_size: 'big' } }, /limits\.message_size: expected a size/],
  ['bad enum', { inbound: { dmarc_reject: 'bounce' } }, /inbound\.dmarc_reject: expected one of "reject", "junk", "accept"/],
  ['bad listen', { listen: { smtp: 'localhost' } }, /listen\.smtp: expected "host:port"/],
  ['listen true', { listen: { smtp: true } }, /listen\.smtp: expected/],
  ['port too big', { listen: { smtp: ':70000' } }, /listen\.smtp/],
  ['bad list', { dns: { servers: '127.0.0.1' } }, /dns\.servers: expected a list of strings/],
  ['empty ints', { queue: { retry_schedule_s: [] } }, /queue\.retry_schedule_s: expected a non-empty list/],
];
for (const [name, raw, message] of bad) {
  test(`refused: ${name}`, () => {
    assert.throws(() => validateConfig(raw, null), (err: unknown) => err instanceof ConfigError && message.test(err.message));
  });
}

test('a file that is not TOML names the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-config-'));
  const file = path.join(dir, 'bad.toml');
  fs.writeFileSync(file, 'hostname = \n');
  assert.throws(() => loadConfig(file), /bad\.toml: not valid TOML/);
  assert.throws(() => loadConfig(path.join(dir, 'missing.toml')), /cannot read config file/);
});

test('the config file is found by flag, then environment', () => {
  assert.equal(configPath('a.toml', { POSTERN_CONFIG: 'b.toml' }), 'a.toml');
  assert.equal(configPath(undefined, { POSTERN_CONFIG: 'b.toml' }), 'b.toml');
});

test('the example config is valid and lists every key with its default', () => {
  const example = fileURLToPathSafe('../../../config/postern.example.toml');
  const c = loadConfig(example);
  assert.equal(c.listen.smtp?.port, 25);
});

test('listen and size parsing', () => {
  assert.deepEqual(parseListen(':25'), { host: '', port: 25 });
  assert.equal(parseListen('host'), null);
  assert.equal(parseSize('2G'), 2 * 1024 ** 3);
  assert.equal(parseSize('512K'), 512 * 1024);
  assert.equal(parseSize('0'), 0);
  assert.equal(parseSize('-1'), null);
  assert.equal(parseSize('2X'), null);
});

function fileURLToPathSafe(rel: string): string {
  return new URL(rel, import.meta.url).pathname;
}

test('config/postern.example.toml is the rendering of the schema (regenerate: node src/config/example.ts)', async () => {
  const { renderExample } = await import('../../../src/config/example.ts');
  assert.equal(fs.readFileSync(fileURLToPathSafe('../../../config/postern.example.toml'), 'utf8'), renderExample());
});
