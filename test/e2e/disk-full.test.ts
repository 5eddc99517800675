// Disk full on a real small filesystem (issue 10, item 11): with the data directory on a tmpfs that
// fills up, SMTP answers 452 4.3.1 (never 250) on port 25 and on submission, IMAP APPEND answers
// NO, nothing is half-stored, reads keep working, the server does not exit, and once the space
// returns mail is accepted again. `postern verify` checks the store afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addUser, cli, makeInstance, serve } from '../fixtures/postern.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';
import { mountSmallFilesystem } from '../fixtures/small-filesystem.ts';
import { rawImap } from '../fixtures/imap-raw.ts';

const canMount = process.getuid?.() === 0;

function message(subject: string, bytes: number): string {
  const line = 'y'.repeat(76) + '\r\n';
  return `From: <x@remote.test>\r\nTo: <alice@postern.test>\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@remote.test>\r\n\r\n${line.repeat(Math.ceil(bytes / line.length))}`;
}

async function smtpSend(port: number, subject: string, bytes: number, auth: boolean): Promise<string> {
  const wire = await connectWire(port);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  if (auth) await wire.cmd(`AUTH PLAIN ${Buffer.from('\0alice@postern.test\0alice-secret').toString('base64')}`);
  await wire.cmd(`MAIL FROM:<${auth ? 'alice@postern.test' : 'x@remote.test'}>`);
  await wire.cmd('RCPT TO:<alice@postern.test>');
  await wire.cmd('DATA');
  const body = auth ? message(subject, bytes).replace('From: <x@remote.test>', 'From: <alice@postern.test>') : message(subject, bytes);
  wire.write(`${body}.\r\n`);
  const reply = await wire.reply(30_000);
  wire.close();
  return reply;
}

test('disk full: 452 4.3.1 on SMTP, NO on APPEND, reads go on, nothing half-stored, accepted again after', { skip: !canMount && !process.env.CI && 'needs root to mount a tmpfs' }, async (t) => {
  const fsys = mountSmallFilesystem('40m');
  assert.ok(fsys, 'a tmpfs could be mounted');
  t.after(() => fsys.unmount());
  const instance = makeInstance({ data_dir: path.join(fsys.dir, 'data'), submission: { allow_plaintext_loopback: true }, imap: { allow_plaintext_loopback: true }, spam: { enabled: false } });
  addUser(instance, 'alice@postern.test', 'alice-secret');
  const server = await serve(instance);
  t.after(() => server.stop());
  const exited = new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
  let gone = false;
  exited.then(() => { gone = true; });

  assert.match(await smtpSend(server.ports.smtp!, 'before', 2000, false), /^250 /);
  fsys.fill();
  const BIG = 4 * 1024 * 1024;
  assert.match(await smtpSend(server.ports.smtp!, 'full25', BIG, false), /^452 4\.3\.1 /);
  assert.match(await smtpSend(server.ports.submission!, 'full587', BIG, true), /^452 4\.3\.1 /);
  const imap = await rawImap(server.ports.imap!);
  assert.match(await imap.cmd('LOGIN alice@postern.test alice-secret'), /^t\d+ OK/m);
  const appended = Buffer.from(message('fullappend', BIG));
  assert.match(await imap.cmd(Buffer.concat([Buffer.from(`APPEND INBOX {${appended.length}+}\r\n`), appended])), /^t\d+ NO/m);
  // Reads keep working.
  assert.match(await imap.cmd('SELECT INBOX'), /\* 1 EXISTS[\s\S]*OK/);
  assert.match(await imap.cmd('FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]'), /Subject: before/);
  assert.equal(gone, false, 'the server is still running');

  fsys.release();
  assert.match(await smtpSend(server.ports.smtp!, 'after', BIG, false), /^250 /);
  assert.match(await imap.cmd('NOOP'), /OK/);
  const status = await imap.cmd('STATUS INBOX (MESSAGES)');
  assert.match(status, /MESSAGES 2\)/, `only the two accepted messages are stored: ${status}`);
  imap.close();
  const verify = cli(instance, ['verify']);
  assert.equal(verify.code, 0, `postern verify: ${verify.stdout}${verify.stderr}`);
  assert.equal(gone, false);
});
