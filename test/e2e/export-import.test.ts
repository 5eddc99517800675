// `postern export` → `postern import` round trip, checked with Python's imaplib: an account filled
// over IMAP (folders, a non-ASCII folder name, every system flag, keywords, a large message, lines
// starting with "From ") is exported as Maildir and as mbox, each imported into a fresh server, and
// imaplib sees the same folders, and in each the same BODY[] bytes, flags and INTERNALDATE in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, cli, makeTestInstance, serve, type Instance, type TestInstance } from '../fixtures/postern.ts';

const USER = 'carol@example.test';
const PASS = 'round trip pass';
const SCRIPT = path.resolve(import.meta.dirname, 'scripts/imaplib_mailboxes.py');

function imaplib(mode: 'fill' | 'dump', port: number): string {
  return execFileSync('/usr/bin/python3', [SCRIPT, mode, String(port), USER, PASS], { encoding: 'utf8' });
}

async function dump(instance: Instance): Promise<Record<string, [string, string[], string][]>> {
  const server = await serve(instance);
  try {
    return JSON.parse(imaplib('dump', server.ports.imap!));
  } finally {
    await server.stop();
  }
}

/** Servers made by this file, released after its test (each store on the run's engine). */
const made: TestInstance[] = [];

async function fresh(): Promise<Instance> {
  const i = await makeTestInstance({ listen: { smtp: false, submission: false, submissions: false, imaps: false, pop3: false, pop3s: false, http: false } });
  made.push(i);
  addUser(i, USER, PASS);
  return i;
}

test('an export imports into a fresh server with the same folders, messages, flags and dates (Maildir and mbox)', { timeout: 240_000 }, async (t) => {
  t.after(async () => { for (const i of made) await i.release(); });
  const source = await fresh();
  const server = await serve(source);
  let original;
  try {
    assert.match(imaplib('fill', server.ports.imap!), /"appended": 9/);
    original = JSON.parse(imaplib('dump', server.ports.imap!)) as Record<string, unknown[]>;
  } finally {
    await server.stop();
  }
  assert.deepEqual(Object.keys(original).sort(), ['INBOX', 'Sent', 'Work', 'Work/Projects', '&ANw-n&AO8-code &- more'].sort());
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-export-'));

  const maildir = path.join(out, 'maildir');
  const exported = cli(source, ['export', USER, maildir, '--format', 'maildir']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /carol@example\.test\s+9\s+9/, 'six default and three created folders, 9 messages');
  assert.ok(fs.existsSync(path.join(maildir, '.Work.Projects', 'cur')), 'Maildir++ folder for Work/Projects');
  const viaMaildir = await fresh();
  const imported = cli(viaMaildir, ['import', USER, maildir]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(await dump(viaMaildir), original, 'Maildir round trip');

  const mbox = path.join(out, 'mbox');
  assert.equal(cli(source, ['export', USER, mbox, '--format', 'mbox']).code, 0);
  assert.match(fs.readFileSync(path.join(mbox, 'INBOX.mbox'), 'latin1'), /\r\n>From the start of a line\r\n>>From quoted once\r\n>>>From quoted twice/, 'mboxrd quoting');
  const viaMbox = await fresh();
  for (const name of Object.keys(original)) {
    const decoded = name === 'INBOX' || !name.includes('&') ? name : 'Ünïcode & more';
    const r = cli(viaMbox, ['import', USER, path.join(mbox, `${decoded}.mbox`), '--format', 'mboxrd', '--into', decoded]);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual(await dump(viaMbox), original, 'mbox round trip');

  assert.equal(cli(source, ['export', USER, mbox, '--format', 'mbox']).code, 1, 'a non-empty DIR is refused');
  assert.equal(cli(source, ['export', 'nobody@example.test', path.join(out, 'x'), '--format', 'mbox']).code, 1);
  assert.equal(cli(source, ['export', USER, path.join(out, 'y'), '--format', 'pst']).code, 2);
  const all = cli(source, ['export', '--all', path.join(out, 'all'), '--format', 'maildir']);
  assert.equal(all.code, 0, all.stderr);
  assert.ok(fs.existsSync(path.join(out, 'all', USER, 'cur')));
});
