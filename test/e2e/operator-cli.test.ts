// `postern dns check` and `postern import` run as an operator runs them: the real bin/postern with a
// config file, against the DNS fixture and a real store on the run's engine (test-store.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { domainCommand } from '../../src/cli/domain.ts';
import { dnsCommand } from '../../src/cli/dns.ts';
import { importCommand } from '../../src/cli/import.ts';
import { OperationError, UsageError } from '../../src/cli/errors.ts';
import type { Output } from '../../src/cli/output.ts';
import { hashPassword } from '../../src/login/password.ts';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { systemClock } from '../../src/clock.ts';
import { stringify } from 'smol-toml';
import { validateConfig } from '../../src/config/load.ts';
import { openConfiguredStore } from '../../src/store/engines/open-store.ts';
import { testStoreSection } from '../fixtures/test-store.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/postern');

// Runs a command in this process (a node start costs about a second here) with main()'s mapping
// of failures to exit codes; the real binary's mapping is checked once below.
const COMMANDS: Record<string, (argv: string[], o: Output) => Promise<void>> = { domain: domainCommand, dns: dnsCommand, import: importCommand };

async function postern(config: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o: Output = { json: args.includes('--json'), out: (t) => { stdout += t + '\n'; }, err: (t) => { stderr += t + '\n'; } };
  try {
    await COMMANDS[args[0]!]!(args.slice(1).concat(['--config', config]), o);
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof UsageError) return { code: 2, stdout, stderr: stderr + err.message };
    if (err instanceof OperationError) return { code: 1, stdout, stderr: stderr + err.message };
    throw err;
  }
}

async function setup(t: import('node:test').TestContext) {
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  fs.chmodSync(dir, 0o777);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dns = await startDnsServer({ 'mail.example.test': { A: ['127.0.0.1'] } });
  t.after(() => dns.close());
  const section = await testStoreSection();
  t.after(() => section.release());
  const config = path.join(dir, 'postern.toml');
  fs.writeFileSync(config, `hostname = "mail.example.test"\ndata_dir = "${dir}/data"\n[dns]\nservers = ["${dns.server}"]\ntimeout_ms = 300\n[log]\nlevel = "silent"\n`
    + (Object.keys(section.store).length > 0 ? stringify({ store: section.store }) : ''));
  const settings = validateConfig({ data_dir: path.join(dir, 'data'), store: section.store }, null);
  const open = (migrate: boolean) => openConfiguredStore(settings, { clock: systemClock, migrate });
  // The schema first, as `postern migrate` makes it (on SQLite the CLI would make a fresh file itself).
  await (await open(true)).close();
  assert.equal((await postern(config, ['domain', 'add', 'example.test'])).code, 0);
  const store = await open(false);
  const domain = (await store.domains.find('example.test'))!;
  await store.accounts.add('alice@example.test', domain.id, await hashPassword('correct horse battery'));
  await store.close();
  return { dir, dns, config, open };
}

test('dns check exits 1 with a table of verdicts; once every record is published only the HTTPS policy fetch is left', async (t) => {
  const { dns, config } = await setup(t);
  const missing = await postern(config, ['dns', 'check', 'example.test']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^RECORD\s+EXPECTED\s+FOUND\s+VERDICT/m);
  assert.match(missing.stdout, /^MX example\.test\s+10 mail\.example\.test\.\s+-\s+missing$/m);
  assert.match(missing.stdout, /To fix:/);
  assert.match(missing.stderr, /DNS checks for example\.test need attention/);

  const records = JSON.parse((await postern(config, ['dns', 'records', 'example.test', '--json'])).stdout) as { name: string; type: string; value: string }[];
  for (const r of records) {
    const name = r.name.replace(/\.$/, '');
    const zone = dns.zone.get(name) ?? {};
    if (r.type === 'MX') zone.MX = [{ priority: 10, exchange: 'mail.example.test' }];
    if (r.type === 'TXT') zone.TXT = [...(zone.TXT ?? []), r.value];
    if (r.type === 'CNAME') zone.CNAME = ['mail.example.test'];
    if (r.type === 'SRV') { const [p, w, port, target] = r.value.split(' '); zone.SRV = [{ priority: Number(p), weight: Number(w), port: Number(port), target: target! }]; }
    dns.set(name, zone);
  }
  dns.set('1.0.0.127.in-addr.arpa', { PTR: ['mail.example.test'] });
  const json = await postern(config, ['dns', 'check', 'example.test', '--json']);
  const result = JSON.parse(json.stdout) as { ok: boolean; rows: { record: string; verdict: string }[] };
  // Only the policy fetch can fail here: nothing serves https://mta-sts.example.test on port 443.
  assert.deepEqual(result.rows.filter((r) => r.verdict !== 'ok').map((r) => r.record), ['policy https://mta-sts.example.test/.well-known/mta-sts.txt']);
  assert.equal(json.code, 1);
  assert.equal((await postern(config, ['dns', 'check', 'nowhere.test'])).code, 1);
  assert.equal((await postern(config, ['dns', 'check'])).code, 2);
});

test('the real binary maps a failed dns check to exit status 1', async (t) => {
  const { config } = await setup(t);
  const result = await promisify(execFile)(process.execPath, [BIN, 'dns', 'check', 'example.test', '--config', config]).catch((e: { code: number; stdout: string }) => e);
  assert.equal((result as { code?: number }).code, 1);
  assert.match((result as { stdout: string }).stdout, /^TXT _dmarc\.example\.test\s.*missing$/m);
});

test('import puts a Maildir\'s folders into the account, Sent into \\Sent, and an mbox into INBOX', async (t) => {
  const { dir, config, open } = await setup(t);
  const maildir = path.join(dir, 'Maildir');
  for (const d of ['cur', 'new', 'tmp', '.Sent/cur', '.Sent/new', '.Lists.Node/cur']) fs.mkdirSync(path.join(maildir, d), { recursive: true });
  fs.writeFileSync(path.join(maildir, 'cur', '1700000000.M1P1.host,S=40:2,S'), 'From: a@example.org\nSubject: inbox one\n\nhello\n');
  fs.writeFileSync(path.join(maildir, 'new', '1700000001.M2P1.host'), 'From: a@example.org\nSubject: inbox two\n\nhello again\n');
  fs.writeFileSync(path.join(maildir, '.Sent', 'cur', '1700000002.M3P1.host:2,S'), 'From: alice@example.test\nSubject: sent\n\nbye\n');
  fs.writeFileSync(path.join(maildir, '.Lists.Node', 'cur', '1700000003.M4P1.host:2,F'), 'From: list@example.org\nSubject: node\n\nlist\n');
  const imported = await postern(config, ['import', 'alice@example.test', maildir, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const result = JSON.parse(imported.stdout) as { total: number; mailboxes: { mailbox: string; messages: number }[] };
  assert.equal(result.total, 4);
  assert.deepEqual(result.mailboxes, [{ mailbox: 'INBOX', messages: 2 }, { mailbox: 'Lists/Node', messages: 1 }, { mailbox: '\\Sent', messages: 1 }]);

  const mbox = path.join(dir, 'mbox');
  execFileSync('/usr/bin/python3', ['-c', `
import mailbox, sys
box = mailbox.mbox(sys.argv[1])
for i in range(3):
    box.add(mailbox.mboxMessage('From: b@example.org\\nSubject: m%d\\n\\nFrom the mbox\\n' % i))
box.close()
`, mbox]);
  const fromMbox = await postern(config, ['import', 'alice@example.test', mbox, '--format', 'mboxo', '--json']);
  assert.equal(fromMbox.code, 0, fromMbox.stderr);
  assert.equal((JSON.parse(fromMbox.stdout) as { total: number }).total, 3);

  const store = await open(false);
  const account = (await store.accounts.byAddress('alice@example.test'))!;
  const boxes = Object.fromEntries((await store.mailboxes.list(account.id)).map((b) => [b.name, b.messages]));
  await store.close();
  assert.equal(boxes.INBOX, 5);
  assert.equal(boxes.Sent, 1);
  assert.equal(boxes.Lists, 0);
  assert.equal(boxes['Lists/Node'], 1);

  assert.equal((await postern(config, ['import', 'nobody@example.test', mbox])).code, 1);
  assert.equal((await postern(config, ['import', 'alice@example.test', path.join(dir, 'missing')])).code, 1);
  assert.equal((await postern(config, ['import', 'alice@example.test'])).code, 2);
});
