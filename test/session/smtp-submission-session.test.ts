// Submission sessions (RFC 6409) driven in process over a socket pair, as the port 25 session tests
// drive theirs: the listener's sessions (submissionSessions) get the server end, the test speaks
// raw SMTP on the client end. Covers what belongs to the session rather than the transaction: AUTH
// offered over plaintext only from loopback when configured, MAIL refused before AUTH, wrong
// credentials and a foreign authorization identity refused (RFC 4616 §2), then, logged in,
// PIPELINING answered in order, a sender the user does not own refused at MAIL, a From: the user
// does not own refused at the end of DATA with nothing stored, and a message to a local recipient
// stored; what DATA stores is read back from the real store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import { buildContext } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log.ts';
import type { ServerContext } from '../../src/server-context.ts';
import { submissionSessions, type SubmissionSessions } from '../../src/smtp/submission-server.ts';
import { hashPassword } from '../../src/login/password.ts';
import { socketPair, wireOn, type Wire } from '../fixtures/smtp-wire.ts';
import { mailboxMessages } from '../fixtures/store-inspect.ts';

const PASSWORD = 'alice-secret';
let ctx: ServerContext;
let sessions: SubmissionSessions;
let dataDir: string;
let bob: number;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-submission-session-'));
  const config = validateConfig({
    hostname: 'mx.postern.test', data_dir: dataDir,
    submission: { allow_plaintext_loopback: true },
    spam: { enabled: false },
  }, null);
  ctx = await buildContext(config, createLogger('silent', false));
  sessions = submissionSessions(ctx, false, 'submission');
  const domain = await ctx.store.domains.add('postern.test', []);
  await ctx.store.accounts.add('alice@postern.test', domain.id, await hashPassword(PASSWORD));
  bob = (await ctx.store.accounts.add('bob@postern.test', domain.id, await hashPassword('bob-secret'))).id;
});

after(async () => {
  await sessions.close();
  await ctx.store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const plain = (authzid: string, user: string, password: string) => Buffer.from(`${authzid}\0${user}\0${password}`).toString('base64');

/** A new session from loopback, greeted and past EHLO; returns the EHLO reply too. */
async function session(): Promise<{ wire: Wire; greeting: string; ehlo: string }> {
  const { client, server } = await socketPair();
  sessions.serve(server, { address: '127.0.0.1', port: 40000, proxied: false });
  const wire = wireOn(client);
  const greeting = await wire.reply();
  return { wire, greeting, ehlo: await wire.cmd('EHLO client.postern.test') };
}

async function loggedIn(): Promise<Wire> {
  const { wire } = await session();
  assert.match(await wire.cmd(`AUTH PLAIN ${plain('', 'alice@postern.test', PASSWORD)}`), /^235 2\.7\.0 /);
  return wire;
}

async function storedWith(subject: string): Promise<boolean> {
  return (await mailboxMessages(ctx.store, bob)).some((m) => m.bytes.toString('latin1').includes(`\r\nSubject: ${subject}\r\n`));
}

test('the greeting and EHLO: AUTH PLAIN and LOGIN offered over plaintext from loopback, with the extensions of submission', async () => {
  const { wire, greeting, ehlo } = await session();
  assert.match(greeting, /^220 mx\.postern\.test ESMTP/);
  const keywords = ehlo.split('\r\n').slice(1).map((l) => l.slice(4));
  assert.ok(keywords.includes('AUTH PLAIN LOGIN'), ehlo);
  for (const k of ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES']) assert.ok(keywords.includes(k), `${k} in ${ehlo}`);
  assert.ok(!keywords.includes('DSN'), 'DSN is not offered on submission');
  assert.match(await wire.cmd('QUIT'), /^221 /);
  await wire.closed;
});

test('MAIL before AUTH is 530 5.7.0; wrong credentials and another authorization identity are 535 5.7.8', async () => {
  const { wire } = await session();
  assert.equal(await wire.cmd('MAIL FROM:<alice@postern.test>'), '530 5.7.0 Authentication required');
  assert.match(await wire.cmd(`AUTH PLAIN ${plain('', 'alice@postern.test', 'wrong')}`), /^535 5\.7\.8 Authentication credentials invalid/);
  assert.match(await wire.cmd(`AUTH PLAIN ${plain('bob@postern.test', 'alice@postern.test', PASSWORD)}`), /^535 5\.7\.8 Authorization identity must be empty or your own/);
  assert.match(await wire.cmd(`AUTH PLAIN ${plain('alice@postern.test', 'alice@postern.test', PASSWORD)}`), /^235 /, 'one\'s own authorization identity is fine');
  wire.close();
});

test('logged in: MAIL, RCPT and DATA pipelined are answered in order and the message reaches the local recipient', async () => {
  const wire = await loggedIn();
  wire.write('MAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n');
  assert.match(await wire.reply(), /^250 /);
  assert.match(await wire.reply(), /^250 /);
  assert.match(await wire.reply(), /^354 /);
  wire.write('From: Alice <alice@postern.test>\r\nTo: <bob@postern.test>\r\nSubject: submitted pipelined\r\n\r\nhello\r\n.\r\n');
  assert.match(await wire.reply(), /^250 2\.0\.0 /);
  assert.ok(await storedWith('submitted pipelined'));
  assert.match(await wire.cmd('QUIT'), /^221 /);
});

test('a sender the user does not own is refused at MAIL; a From: the user does not own at the end of DATA, stored nowhere', async () => {
  const wire = await loggedIn();
  assert.match(await wire.cmd('MAIL FROM:<bob@postern.test>'), /^553 5\.7\.1 /);
  assert.match(await wire.cmd('MAIL FROM:<alice@postern.test>'), /^250 /);
  assert.match(await wire.cmd('RCPT TO:<bob@postern.test>'), /^250 /);
  assert.match(await wire.cmd('DATA'), /^354 /);
  wire.write('From: Bob <bob@postern.test>\r\nTo: <bob@postern.test>\r\nSubject: forged from\r\n\r\nhello\r\n.\r\n');
  assert.match(await wire.reply(), /^553 5\.7\.1 /);
  assert.equal(await storedWith('forged from'), false);
  assert.match(await wire.cmd('NOOP'), /^250 /, 'the session goes on');
  wire.close();
});
