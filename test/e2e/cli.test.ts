// The CLI end to end, as an operator runs it (bin/postern as a child process on a config file):
// domains, users, aliases, DNS records, usage and config errors, migrate, serve, reindex. Each
// instance's store is on the run's engine (makeTestInstance), so the PostgreSQL pass runs every
// command here against PostgreSQL too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeInstance, makeTestInstance, cli, serve, type TestInstance } from '../fixtures/postern.ts';
import type { TestContext } from 'node:test';
import { TEST_STORE_ENGINE } from '../fixtures/test-store.ts';
import { SERVE_ENVIRONMENT, SERVE_NODE_FLAGS } from '../../src/serve-runtime.ts';

/** An instance on the run's engine (a new PostgreSQL database migrated unless `migrated` is false), released when the test ends. */
async function instance(t: TestContext, overrides: Record<string, unknown> = {}, migrated = true): Promise<TestInstance> {
  const inst = await makeTestInstance(overrides, migrated);
  t.after(() => inst.release());
  return inst;
}

test('domain, user, alias and dns commands end to end', async (t) => {
  const inst = await instance(t);
  let r = cli(inst, ['domain', 'add', 'Example.COM']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Added domain example\.com/);
  assert.match(r.stdout, /_domainkey\.example\.com\.\t3600\tIN\tTXT\t"v=DKIM1; k=rsa; p=/);
  assert.match(r.stdout, /_domainkey\.example\.com\.\t3600\tIN\tTXT\t"v=DKIM1; k=ed25519; p=/);
  // On PostgreSQL data_dir holds only the node's own files (certificates), made by serve.
  if (TEST_STORE_ENGINE === 'sqlite') assert.equal(fs.statSync(path.join(inst.dir, 'data')).mode & 0o777, 0o700, 'data_dir is owner-only');

  r = cli(inst, ['domain', 'add', 'example.com']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists/);

  r = cli(inst, ['domain', 'add', 'bücher.example', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).domain, 'xn--bcher-kva.example');

  r = cli(inst, ['domain', 'list', '--json']);
  assert.deepEqual(JSON.parse(r.stdout).map((d: { domain: string }) => d.domain), ['example.com', 'xn--bcher-kva.example']);

  r = cli(inst, ['user', 'add', 'Alice@Example.com', '--password-stdin'], 'correct horse\n');
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['user', 'add', 'alice@example.com', '--password-stdin'], 'correct horse\n');
  assert.equal(r.code, 1);
  r = cli(inst, ['user', 'add', 'bob@unknown.org', '--password-stdin'], 'correct horse\n');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /domain unknown\.org is not served here; add it first with "postern domain add unknown\.org"/);
  r = cli(inst, ['user', 'add', 'carol@example.com', '--password-stdin'], 'short\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /at least 8 characters/);
  r = cli(inst, ['user', 'add', 'not-an-address', '--password-stdin'], 'correct horse\n');
  assert.equal(r.code, 2);

  r = cli(inst, ['user', 'quota', 'alice@example.com', '2G']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['user', 'quota', 'alice@example.com', 'lots']);
  assert.equal(r.code, 2);
  r = cli(inst, ['user', 'list', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), [{ address: 'alice@example.com', quota: 2 * 1024 ** 3, used: 0 }]);
  r = cli(inst, ['user', 'list']);
  assert.match(r.stdout, /ADDRESS\s+QUOTA\s+USED\nalice@example\.com\s+2G\s+0/);
  r = cli(inst, ['user', 'passwd', 'alice@example.com', '--password-stdin'], 'battery staple\n');
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['user', 'passwd', 'nobody@example.com', '--password-stdin'], 'battery staple\n');
  assert.equal(r.code, 1);

  r = cli(inst, ['alias', 'add', 'info@example.com', 'alice@example.com']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['alias', 'add', '@example.com', 'alice@example.com']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['alias', 'add', 'alice@example.com', 'info@example.com']);
  assert.equal(r.code, 1, 'an alias may not shadow a user');
  r = cli(inst, ['alias', 'list', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), [
    { alias: '@example.com', targets: ['alice@example.com'] },
    { alias: 'info@example.com', targets: ['alice@example.com'] },
    { alias: 'postmaster@example.com', targets: ['alice@example.com'] },
  ], 'the first user of a domain receives its postmaster mail');
  r = cli(inst, ['alias', 'remove', 'info@example.com']);
  assert.equal(r.code, 0);
  r = cli(inst, ['alias', 'remove', 'info@example.com']);
  assert.equal(r.code, 1);

  r = cli(inst, ['dns', 'records', 'example.com', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const records = JSON.parse(r.stdout) as { name: string; type: string; value: string }[];
  const types = (name: string) => records.filter((x) => x.name === name).map((x) => x.type);
  assert.deepEqual(types('example.com.'), ['MX', 'TXT']);
  assert.ok(records.some((x) => x.name === '_dmarc.example.com.' && x.value.startsWith('v=DMARC1')));
  assert.ok(records.some((x) => x.name === '_mta-sts.example.com.' && /^v=STSv1; id=\w+$/.test(x.value)));
  assert.ok(records.some((x) => x.name === '_smtp._tls.example.com.' && x.value.startsWith('v=TLSRPTv1')));
  assert.ok(records.some((x) => x.name === '_imaps._tcp.example.com.' && x.value === '0 1 993 mx.postern.test.'));
  assert.ok(records.some((x) => x.name === 'autoconfig.example.com.' && x.type === 'CNAME'));
  r = cli(inst, ['dns', 'records', 'other.org']);
  assert.equal(r.code, 1);

  r = cli(inst, ['domain', 'remove', 'example.com']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /still has 1 account/);
  r = cli(inst, ['domain', 'remove', 'example.com', '--force', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { removed: 'example.com', accounts: 1 });
  r = cli(inst, ['user', 'list', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), []);
  r = cli(inst, ['user', 'remove', 'alice@example.com']);
  assert.equal(r.code, 1);
});

test('usage errors exit 2 and say what is expected', async (t) => {
  const inst = await instance(t);
  for (const args of [['bogus'], ['domain'], ['domain', 'add'], ['user', 'add', 'a@b.c', '--nope'], ['alias', 'add', 'x@example.com'], ['dns', 'records']]) {
    const r = cli(inst, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage|unknown/);
  }
  const r = cli(null, ['domain', 'list', '--config', '/nonexistent/postern.toml']);
  assert.equal(r.code, 2);
});

test('a bad config stops every command with exit 2, naming the key', async (t) => {
  const inst = await instance(t);
  fs.appendFileSync(inst.configFile, '\n[limits]\nrecipients = "many"\n');
  const r = cli(inst, ['domain', 'list']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /limits\.recipients: expected an integer/);
});

test('migrate applies pending migrations and reports an up-to-date database', async (t) => {
  const inst = await instance(t, {}, false);
  let r = cli(inst, ['migrate', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).applied.slice(0, 1), ['0001_initial']);
  r = cli(inst, ['migrate', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), { applied: [] });
});

test('serve starts, makes a self-signed leaf certificate, and stops cleanly on SIGTERM', async (t) => {
  const inst = await instance(t);
  const server = await serve(inst);
  // bin/postern re-executed itself (the same PID) with the runtime settings of src/serve-runtime.ts.
  const commandLine = fs.readFileSync(`/proc/${server.process.pid}/cmdline`, 'utf8').split('\0');
  for (const flag of SERVE_NODE_FLAGS) assert.ok(commandLine.includes(flag), commandLine.join(' '));
  const environment = fs.readFileSync(`/proc/${server.process.pid}/environ`, 'utf8').split('\0');
  for (const [name, value] of Object.entries(SERVE_ENVIRONMENT)) assert.ok(environment.includes(`${name}=${value}`), name);
  const code = await server.stop();
  assert.equal(code, 0, server.log.join('\n'));
  assert.ok(server.log.some((l) => l.includes('postern is ready')));
  assert.ok(server.log.some((l) => l.includes('"msg":"stopped"')));
  const { X509Certificate } = await import('node:crypto');
  const cert = new X509Certificate(fs.readFileSync(path.join(inst.dir, 'data/tls/self-signed.crt')));
  assert.equal(cert.ca, false);
  assert.equal(cert.checkHost('mx.postern.test'), 'mx.postern.test');
});

test('serve logs what it listens on, and a port it cannot bind stops it naming the port and the remedies', async (t) => {
  const net = await import('node:net');
  const inst = await instance(t, { listen: { smtp: false, submission: false, submissions: false, imap: false, imaps: false, pop3: false, pop3s: false } });
  const server = await serve(inst);
  assert.ok(server.ports.http && server.ports.http > 0, server.log.join('\n'));
  assert.ok(server.log.some((l) => /listening for http on 127\.0\.0\.1:\d+/.test(l)));
  assert.equal(await server.stop(), 0);

  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const busy = makeInstance({ listen: { http: `127.0.0.1:${port}`, smtp: false, submission: false, submissions: false, imap: false, imaps: false, pop3: false, pop3s: false } });
    const r = cli(null, ['serve', '--config', busy.configFile]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} for http: the address is in use`));
    assert.match(r.stderr, /\[listen\] http/);
  } finally {
    blocker.close();
  }
});

test('reindex recomputes what delivery stored, page by page, with progress on stderr', async (t) => {
  const inst = await instance(t);
  assert.equal(cli(inst, ['domain', 'add', 'example.com']).code, 0);
  assert.equal(cli(inst, ['user', 'add', 'alice@example.com', '--password-stdin'], 'correct horse\n').code, 0);
  const { validateConfig } = await import('../../src/config/load.ts');
  const { openConfiguredStore } = await import('../../src/store/engines/open-store.ts');
  const { deliver, contentIndexOf } = await import('../../src/delivery/deliver.ts');
  const config = validateConfig({ data_dir: path.join(inst.dir, 'data'), store: inst.store }, null);
  const open = () => openConfiguredStore(config, { clock: { now: () => Date.now() }, migrate: false });
  const store = await open();
  const alice = (await store.accounts.byAddress('alice@example.com'))!;
  for (let i = 0; i < 3; i++) await deliver(store, { raw: Buffer.from(`From: bob@remote.test\r\nSubject: n${i}\r\n\r\nhi\r\n`), recipients: [{ accountId: alice.id }] });
  const inbox = (await store.mailboxes.find(alice.id, 'INBOX'))!;
  const read = async (s: typeof store) => (await s.imapMessages.fetchPage(inbox.id, 1, Number.MAX_SAFE_INTEGER, 100, { envelope: true, bodyStructure: true }))
    .map((r) => ({ id: r.contentId, envelope: r.envelope, bodyStructure: r.bodyStructure }));
  const before = await read(store);
  assert.equal(before.length, 3);
  // Every stored index made stale, through the store's own reindex write.
  const stale = { ...contentIndexOf(Buffer.from('Subject: other\r\n\r\nx\r\n')), envelope: 'stale', bodyStructure: 'stale' };
  await store.reindex.update(before.map((r) => ({ id: r.id, index: stale })));
  assert.ok((await read(store)).every((r) => r.envelope === 'stale' && r.bodyStructure === 'stale'), 'made stale');
  await store.close();
  const r = cli(inst, ['reindex', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { messages: 3 });
  assert.match(r.stderr, /recomputing stored message data/);
  const after = await open();
  try {
    assert.deepEqual(await read(after), before);
  } finally {
    await after.close();
  }
});
