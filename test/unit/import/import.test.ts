import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countMaildir, flagsFromName, readMaildir } from '../../../src/import/maildir.ts';
import { fromLineDate, readMbox } from '../../../src/import/mbox.ts';
import { decodeModifiedUtf7 } from '../../../src/import/modified-utf7.ts';
import { toCrlf, type ImportedMessage } from '../../../src/import/message.ts';

function tempDir(t: import('node:test').TestContext): string {
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  fs.chmodSync(dir, 0o777);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(it: AsyncIterable<ImportedMessage>): Promise<ImportedMessage[]> {
  const out: ImportedMessage[] = [];
  for await (const m of it) out.push(m);
  return out;
}

const hasDoveadm = fs.existsSync('/usr/bin/doveadm');

test('a Maildir written by Dovecot keeps its folders, keywords and flags', { skip: !hasDoveadm && !process.env.CI && 'doveadm is not installed' }, async (t) => {
  const dir = tempDir(t);
  const maildir = path.join(dir, 'Maildir');
  // Dovecot refuses to run mail access as root; as root, write as nobody into a world-writable dir.
  const uid = process.getuid?.() === 0 ? 65534 : process.getuid!();
  const gid = process.getgid?.() === 0 ? 65534 : process.getgid!();
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, `mail_location = maildir:${maildir}\nmail_uid = ${uid}\nmail_gid = ${gid}\n`);
  const env = { ...process.env, HOME: dir, USER: 'postern-test' };
  const doveadm = (args: string[], input?: string) => execFileSync('/usr/bin/doveadm', ['-c', conf, ...args], { env, ...(input ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
  doveadm(['mailbox', 'create', 'Sent', 'Projekte.Bär']);
  doveadm(['save'], 'From: a@example.com\nSubject: one\n\nfirst\n');
  doveadm(['save'], 'From: a@example.com\nSubject: two\n\nsecond\n');
  doveadm(['save', '-m', 'Sent'], 'From: me@example.com\nSubject: sent\n\nsent body\n');
  doveadm(['save', '-m', 'Projekte.Bär'], 'From: b@example.com\nSubject: umlaut\n\nnested\n');
  doveadm(['flags', 'add', '\\Seen \\Answered $Label1 Important', 'mailbox', 'INBOX', 'header', 'Subject', 'one']);
  doveadm(['flags', 'add', '\\Flagged', 'mailbox', 'Sent', 'all']);

  assert.equal(await countMaildir(maildir), 4);
  const messages = await collect(readMaildir(maildir));
  const bySubject = new Map(messages.map((m) => [/Subject: (\w+)/.exec(m.raw.toString())![1], m]));
  assert.deepEqual(messages.map((m) => m.folder.join('/')), ['', '', 'Projekte/Bär', 'Sent']);
  assert.deepEqual(bySubject.get('one')!.flags.sort(), ['$Label1', 'Important', '\\Answered', '\\Seen']);
  assert.deepEqual(bySubject.get('two')!.flags, []);
  assert.deepEqual(bySubject.get('sent')!.flags, ['\\Flagged']);
  assert.equal(bySubject.get('umlaut')!.raw.toString(), 'From: b@example.com\r\nSubject: umlaut\r\n\r\nnested\r\n');
  assert.ok(messages.every((m) => typeof m.internalDate === 'number' && m.internalDate > 0));
});

test('Maildir info letters map to IMAP flags; unknown keyword letters are dropped', () => {
  const keywords = new Map([['a', 'Work']]);
  assert.deepEqual(flagsFromName('123.M1P2.host,S=10:2,DFPRST', keywords), ['\\Draft', '\\Flagged', '$Forwarded', '\\Answered', '\\Seen', '\\Deleted']);
  assert.deepEqual(flagsFromName('123.host:2,Sab', keywords), ['\\Seen', 'Work']);
  assert.deepEqual(flagsFromName('123.host!2,S'), ['\\Seen']);
  assert.deepEqual(flagsFromName('123.host'), []);
});

test('a hand-made Maildir++ tree: tmp/ is ignored, dot-folders nest, delivery order is kept, dates in whole ms', async (t) => {
  const root = tempDir(t);
  for (const d of ['cur', 'new', 'tmp', '.A.B/cur', '.A.B/new', '.notamaildir']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'cur', '200.x:2,S'), 'Subject: later\n\n');
  fs.writeFileSync(path.join(root, 'new', '100.x'), 'Subject: earlier\n\n');
  fs.writeFileSync(path.join(root, 'tmp', '300.x'), 'Subject: partial\n\n');
  fs.writeFileSync(path.join(root, '.A.B', 'new', '1.x'), 'Subject: nested\n\n');
  // An mtime with a fraction of a millisecond: the received date comes in whole milliseconds.
  fs.utimesSync(path.join(root, 'new', '100.x'), 1_700_000_000.1234567, 1_700_000_000.1234567);
  const messages = await collect(readMaildir(root));
  assert.deepEqual(messages.map((m) => [m.folder, /Subject: (\w+)/.exec(m.raw.toString())![1]]), [
    [[], 'earlier'], [[], 'later'], [['A', 'B'], 'nested'],
  ]);
  assert.ok(messages.every((m) => Number.isInteger(m.internalDate)), 'whole milliseconds');
  assert.equal(messages[0]!.internalDate, 1_700_000_000_123);
});

test('modified UTF-7 folder names decode as Dovecot writes them', () => {
  assert.equal(decodeModifiedUtf7('B&AOQ-r'), 'Bär');
  assert.equal(decodeModifiedUtf7('&ZeVnLIqe-'), '日本語');
  assert.equal(decodeModifiedUtf7('Tom &- Jerry'), 'Tom & Jerry');
  assert.equal(decodeModifiedUtf7('bad&!!-'), 'bad&!!-');
});

test('an mbox written by Python\'s mailbox module imports with flags, dates and From unquoting', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'mbox');
  execFileSync('/usr/bin/python3', ['-c', `
import mailbox, sys
box = mailbox.mbox(sys.argv[1])
m = mailbox.mboxMessage('From: a@example.com\\nSubject: first\\n\\nFrom here on, a quoted line.\\n>>From stays\\n\\nend\\n')
m.set_from('a@example.com', (2021, 3, 4, 5, 6, 7, 0, 0, 0))
m.set_flags('RAF')
box.add(m)
m2 = mailbox.mboxMessage('From: b@example.com\\nSubject: second\\n\\nplain\\n')
m2.set_from('b@example.com', (2022, 1, 2, 3, 4, 5, 0, 0, 0))
box.add(m2)
box.flush()
box.close()
`, file]);
  assert.match(fs.readFileSync(file, 'latin1'), /^>From here on/m, 'python quoted the From line');
  const messages = await collect(readMbox(file, 'mboxo'));
  assert.equal(messages.length, 2);
  assert.equal(messages[0]!.raw.toString(), 'From: a@example.com\r\nSubject: first\r\n\r\nFrom here on, a quoted line.\r\n>>From stays\r\n\r\nend\r\n');
  assert.deepEqual(messages[0]!.flags.sort(), ['\\Answered', '\\Flagged', '\\Seen']);
  assert.equal(messages[0]!.internalDate, Date.UTC(2021, 2, 4, 5, 6, 7));
  assert.equal(messages[1]!.raw.toString(), 'From: b@example.com\r\nSubject: second\r\n\r\nplain\r\n');
  assert.deepEqual(messages[1]!.flags, []);
  assert.deepEqual(messages[1]!.folder, []);
});

test('mboxrd unquotes every >+From line by one level; mboxo only >From', async (t) => {
  const file = path.join(tempDir(t), 'rd');
  fs.writeFileSync(file, 'From x Thu Jan  1 00:00:00 2020\nSubject: q\n\n>From a\n>>From b\n>Fromage\n\nFrom y Fri Jan  2 00:00:00 2020\nSubject: r\n\nbody\n');
  const rd = await collect(readMbox(file, 'mboxrd'));
  assert.equal(rd[0]!.raw.toString(), 'Subject: q\r\n\r\nFrom a\r\n>From b\r\n>Fromage\r\n');
  const o = await collect(readMbox(file, 'mboxo'));
  assert.equal(o[0]!.raw.toString(), 'Subject: q\r\n\r\nFrom a\r\n>>From b\r\n>Fromage\r\n');
  assert.equal(rd[1]!.internalDate, Date.UTC(2020, 0, 2));
  assert.equal(fromLineDate('From MAILER-DAEMON Sat Nov 21 20:31:22 2026'), Date.UTC(2026, 10, 21, 20, 31, 22));
});

test('a file that is not an mbox is refused; CRLF normalisation leaves CRLF alone', async (t) => {
  const file = path.join(tempDir(t), 'x');
  fs.writeFileSync(file, 'Subject: no from line\n\n');
  await assert.rejects(collect(readMbox(file)), /not an mbox/);
  assert.equal(toCrlf(Buffer.from('a\r\nb\nc\rd')).toString(), 'a\r\nb\r\nc\r\nd');
});
