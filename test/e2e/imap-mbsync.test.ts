// mbsync (isync) two-way sync against a running server: new and flagged messages travel in each
// direction, and a third sync changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { deliver } from '../../src/delivery/deliver.ts';

const run = promisify(execFile);
let srv: RunningImap;
let dir: string;
before(async () => {
  srv = await startImap({ allowPlaintextLoopback: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-mbsync-'));
});
after(async () => {
  await srv.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function config(): string {
  return `IMAPAccount postern
Host 127.0.0.1
Port ${srv.imapPort}
User ${USER}
Pass ${PASS}
SSLType None
AuthMechs PLAIN

IMAPStore remote
Account postern

MaildirStore local
Path ${dir}/mail/
Inbox ${dir}/mail/INBOX

Channel sync
Far :remote:
Near :local:
Patterns INBOX
Create Both
Expunge Both
SyncState *
`;
}

async function sync(): Promise<string> {
  const rc = path.join(dir, 'mbsyncrc');
  fs.mkdirSync(path.join(dir, 'mail'), { recursive: true });
  fs.writeFileSync(rc, config());
  const { stdout, stderr } = await run('mbsync', ['-c', rc, '-V', 'sync'], { timeout: 30000 });
  return stdout + stderr;
}

function localFiles(): string[] {
  const out: string[] = [];
  for (const sub of ['cur', 'new']) {
    const d = path.join(dir, 'mail', 'INBOX', sub);
    if (fs.existsSync(d)) out.push(...fs.readdirSync(d));
  }
  return out;
}

test('mbsync syncs both ways; a third sync changes nothing', async () => {
  const raw = (s: string) => Buffer.from(`From: a@example.test\r\nSubject: ${s}\r\nMessage-ID: <${s}@x>\r\n\r\nbody ${s}\r\n`);
  await deliver(srv.ctx.store, { raw: raw('server-1'), recipients: [{ accountId: srv.accountId }] });
  await deliver(srv.ctx.store, { raw: raw('server-2'), recipients: [{ accountId: srv.accountId }], flags: ['\\Flagged'] });
  await sync();
  const files = localFiles();
  assert.equal(files.length, 2, 'server messages arrived locally');
  assert.ok(files.some((f) => /:2,[A-Z]*F/.test(f)), 'the flag travelled down');

  // Local side: a new message and a flag change.
  const cur = path.join(dir, 'mail', 'INBOX', 'cur');
  fs.mkdirSync(cur, { recursive: true });
  // Mark the unflagged server message as read: Maildir keeps it in new/ until it has flags.
  const box = path.join(dir, 'mail', 'INBOX');
  const where = ['cur', 'new'].flatMap((sub) => fs.readdirSync(path.join(box, sub)).map((f) => ({ sub, f }))).find((x) => !/:2,[A-Z]*F/.test(x.f))!;
  const base = where.f.replace(/:2,[A-Z]*$/, '');
  fs.renameSync(path.join(box, where.sub, where.f), path.join(cur, `${base}:2,S`));
  fs.writeFileSync(path.join(box, 'new', `${Date.now()}.local1.host`), 'From: b@example.test\nSubject: local-1\nMessage-ID: <local-1@x>\n\nbody\n');
  await sync();
  const inbox = (await srv.ctx.store.mailboxes.list(srv.accountId)).find((b) => b.name === 'INBOX')!;
  assert.equal(inbox.messages, 3, 'the local message was appended');
  const services = (await import('../../src/imap/server.ts')).imapServices(srv.ctx);
  const seen = await services.search.search(inbox.id, { op: 'flag', flag: '\\Seen', present: true });
  assert.ok(seen.length >= 1, 'the \\Seen flag travelled up');

  const before = JSON.stringify({ files: localFiles().sort(), modseq: (await services.mailboxes.byId(inbox.id))!.highestModseq });
  const third = await sync();
  const after = JSON.stringify({ files: localFiles().sort(), modseq: (await services.mailboxes.byId(inbox.id))!.highestModseq });
  assert.equal(after, before, `third sync changed something:\n${third}`);
});
