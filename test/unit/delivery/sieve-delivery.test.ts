// Sieve in the one delivery function, against a real store: folders, flags and :create, discard,
// a failing script keeping the message, vacation replies queued once, redirects queued with SRS,
// Delivered-To and an ARC set, the loop guard, a reject from every recipient refused, and duplicate
// ids remembered in the store between deliveries. Reads the store through its interface only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openStore } from '../../../src/store/sqlite/store.ts';
import type { Store } from '../../../src/store/api.ts';
import { deliver, SieveRejectError } from '../../../src/delivery/deliver.ts';
import type { FilterOptions } from '../../../src/delivery/sieve-filter.ts';
import { generateDkimKeys } from '../../../src/email-auth/dkim-keys.ts';
import { srsFor } from '../../../src/srs/srs.ts';
import { FLAG_BITS } from '../../../src/store/flags.ts';
import { mailboxMessages } from '../../fixtures/store-inspect.ts';

let now = Date.UTC(2026, 11, 1, 12);

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-sieve-'));
  const store = openStore(dir, { clock: { now: () => now }, migrate: true });
  const d = await store.domains.add('example.com', generateDkimKeys(new Date(now)));
  const bob = (await store.accounts.add('bob@example.com', d.id, 'x')).id;
  // What delivery logs, one JSON object per entry, so a test can check that a failure says why.
  const logs: { msg: string; err?: string; mailbox?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line)); } });
  const filter = (rcpt = 'bob@example.com', from = 'alice@remote.test'): FilterOptions => ({
    envelopeFrom: from, rcptOf: new Map([[bob, rcpt]]), remoteIp: '192.0.2.7',
    services: { hostname: 'mail.example.com', dataDir: dir, log, messagesPerHour: 2, queueLifetimeS: 3600 },
  });
  return { store, bob, dir, filter, logs, done: () => { store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

const PREFIX = 'Authentication-Results: mail.example.com; spf=pass smtp.mailfrom=remote.test; dkim=none; arc=none\r\nReceived: from mx.remote.test by mail.example.com; Tue, 1 Dec 2026 12:00:00 +0000\r\n';
const msg = (extra = '', to = 'bob@example.com') => Buffer.from(`From: Alice <alice@remote.test>\r\nTo: ${to}\r\nSubject: Project X\r\nMessage-ID: <x1@remote.test>\r\n${extra}\r\nHello Bob\r\n`);

const boxOf = async (store: Store, account: number, name: string) => (await store.mailboxes.find(account, name))?.messages ?? 0;
const allMessages = async (store: Store, account: number) => (await store.mailboxes.list(account)).reduce((n, b) => n + b.messages, 0);
/** The content of the one queued message for `domain`, claimed as the queue worker would. */
async function queuedContent(store: Store, domain: string): Promise<{ contentId: number; text: string }> {
  const [claim] = await store.queue.claimDue(domain, now, now + 1000, 10);
  assert.ok(claim, `a message queued for ${domain}`);
  return { contentId: claim.contentId, text: (await store.contents.full(claim.contentId)).toString() };
}

test('sieve at delivery: fileinto with flags and :create, discard, and a failing script keeps', async (t) => {
  const { store, bob, filter, logs, done } = await setup();
  t.after(done);
  await store.sieve.put(bob, 'main', 'require ["fileinto", "mailbox", "imap4flags"];\nif header :contains "subject" "Project" { addflag "\\\\Flagged"; fileinto :create "Projects/X"; }\nif header :contains "subject" "spam" { discard; }');
  await store.sieve.setActive(bob, 'main');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await boxOf(store, bob, 'Projects/X'), 1);
  assert.ok(await store.mailboxes.find(bob, 'Projects'), 'the parent was created');
  assert.equal(await boxOf(store, bob, 'INBOX'), 0);
  const box = (await store.imapMailboxes.byName(bob, 'Projects/X'))!;
  const [row] = await store.imapMessages.fetchPage(box.id, 1, Number.MAX_SAFE_INTEGER, 10, {});
  assert.ok(row && (row.flags & FLAG_BITS['\\Flagged']) !== 0, 'stored with \\Flagged');
  await deliver(store, { raw: Buffer.from('Subject: buy spam\r\n\r\nx\r\n'), recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await allMessages(store, bob), 1, 'discarded');

  // A run-time failure (too many redirects) keeps the message in INBOX.
  await store.sieve.put(bob, 'broken', 'redirect "a@x.org"; redirect "b@x.org"; redirect "c@x.org"; redirect "d@x.org"; redirect "e@x.org";');
  await store.sieve.setActive(bob, 'broken');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await boxOf(store, bob, 'INBOX'), 1);
  assert.equal((await store.queue.list()).length, 0, 'nothing of a failed run is sent');
  const failure = logs.find((l) => l.msg === 'sieve script failed; message kept in INBOX');
  assert.ok(failure, 'the failure is logged');
  assert.match(failure.err ?? '', /more than \d+ redirects/, 'with the reason');

  // fileinto a missing mailbox without :create keeps.
  await store.sieve.put(bob, 'missing', 'require "fileinto"; fileinto "Nope";');
  await store.sieve.setActive(bob, 'missing');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await boxOf(store, bob, 'INBOX'), 2);
  assert.ok(logs.some((l) => l.mailbox === 'Nope' && /does not exist/.test(l.msg)), 'and that is logged too');

  // fileinto :create of a name IMAP CREATE would refuse keeps, and creates nothing.
  const before = (await store.mailboxes.list(bob)).map((b) => b.name);
  for (const bad of ['a${hex:00}b', '${hex:01}', 'x/../y', 'bad*name', 'a//b', '\\\\Junk']) {
    await store.sieve.put(bob, 'bad-name', `require ["fileinto", "mailbox", "encoded-character"]; fileinto :create "${bad}";`);
    await store.sieve.setActive(bob, 'bad-name');
    await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  }
  assert.equal(await boxOf(store, bob, 'INBOX'), 8);
  assert.deepEqual((await store.mailboxes.list(bob)).map((b) => b.name), before, 'no mailbox created');
  assert.equal(logs.filter((l) => /invalid mailbox name/.test(l.msg)).length, 6);
});

test('sieve at delivery: duplicate (RFC 7352) remembers a Message-ID in the store from one delivery to the next', async (t) => {
  const { store, bob, filter, done } = await setup();
  t.after(done);
  await store.sieve.put(bob, 'dup', 'require ["duplicate", "fileinto", "mailbox"]; if duplicate :seconds 3600 { fileinto :create "Duplicates"; }');
  await store.sieve.setActive(bob, 'dup');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await boxOf(store, bob, 'INBOX'), 1, 'the first copy');
  assert.equal(await boxOf(store, bob, 'Duplicates'), 1, 'the second, with the same Message-ID');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await boxOf(store, bob, 'Duplicates'), 2);
  now += 3600_000 + 1;
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal(await boxOf(store, bob, 'INBOX'), 2, 'after :seconds the id is new again');
});

test('sieve at delivery: vacation replies once per period, DKIM-signed, from <>, with the threading fields', async (t) => {
  const { store, bob, filter, done } = await setup();
  t.after(done);
  await store.sieve.put(bob, 'away', 'require "vacation"; vacation :days 1 :subject "Away" "Back on Monday.";');
  await store.sieve.setActive(bob, 'away');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  let queued = await store.queue.list();
  assert.equal(queued.length, 1, 'one reply for two messages');
  assert.equal(queued[0]!.sender, '');
  assert.deepEqual(queued[0]!.recipients.map((r) => r.recipient), ['alice@remote.test']);
  const reply = (await queuedContent(store, 'remote.test')).text;
  assert.match(reply, /^DKIM-Signature: v=1; a=/);
  assert.match(reply, /\r\nAuto-Submitted: auto-replied\r\n/);
  assert.match(reply, /\r\nIn-Reply-To: <x1@remote.test>\r\n/);
  assert.match(reply, /\r\nSubject: Away\r\n/);
  assert.equal(await boxOf(store, bob, 'INBOX'), 2, 'vacation keeps the messages');
  await deliver(store, { raw: msg('List-Id: <l.remote.test>\r\n'), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter('bob@example.com', 'other@remote.test') });
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter('bob@example.com', '') });
  assert.equal((await store.queue.list()).length, 1, 'no reply to list mail or the null sender');
  now += 86_400_000 + 1;
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  queued = await store.queue.list();
  assert.equal(queued.length, 2, 'a new reply after :days');
});

test('sieve at delivery: a vacation :from the user may not send as is ignored (RFC 5230 §4.3); one they own is kept', async (t) => {
  const { store, bob, filter, logs, done } = await setup();
  t.after(done);
  const replyFrom = async (from: string, sender: string) => {
    await store.sieve.put(bob, 'away', `require "vacation"; vacation :from "${from}" :subject "Away" "Back on Monday.";`);
    await store.sieve.setActive(bob, 'away');
    await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter('bob@example.com', sender) });
    const text = (await queuedContent(store, 'remote.test')).text;
    return /\r\nFrom: ([^\r]*)\r\n/.exec(text)?.[1];
  };
  assert.equal(await replyFrom('The CEO <ceo@bank.test>', 'alice@remote.test'), '<bob@example.com>', 'a foreign address is not used');
  assert.ok(logs.some((l) => /vacation :from is not an address of this user/.test(l.msg)));
  assert.equal(await replyFrom('Bob <bob+away@example.com>', 'carol@remote.test'), 'Bob <bob+away@example.com>', 'a +tag form of the account is the user\'s');
});

test('sieve at delivery: redirect goes to the queue with an SRS sender, Delivered-To and an ARC set; loops and the rate limit stop it', async (t) => {
  const { store, bob, dir, filter, done } = await setup();
  t.after(done);
  await store.sieve.put(bob, 'fwd', 'require "copy"; redirect :copy "carol@elsewhere.test";');
  await store.sieve.setActive(bob, 'fwd');
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  const [q] = await store.queue.list();
  assert.ok(q);
  assert.match(q.sender, /^SRS0=[^=]{4}=[A-Z2-7]{2}=remote\.test=alice@example\.com$/);
  assert.equal(srsFor(dir).reverse(q.sender, now), 'alice@remote.test');
  assert.equal(q.accountId, bob);
  const sent = (await queuedContent(store, 'elsewhere.test')).text;
  assert.match(sent, /^ARC-Seal: i=1; a=rsa-sha256; .*cv=none/s);
  assert.match(sent, /\r\nARC-Message-Signature: i=1; /);
  assert.match(sent, /\r\nARC-Authentication-Results: i=1; mail\.example\.com; spf=pass/);
  assert.match(sent, /\r\nDelivered-To: bob@example\.com\r\n/);
  assert.equal(await boxOf(store, bob, 'INBOX'), 1, ':copy keeps');
  // The same message coming back (it carries our Delivered-To) is not forwarded again.
  await deliver(store, { raw: msg('Delivered-To: bob@example.com\r\n'), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal((await store.queue.list()).length, 1, 'loop stopped');
  // messagesPerHour is 2: the second forward passes, the third does not.
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  assert.equal((await store.queue.list()).length, 2, 'forwards count against the owner\'s sending limit');
});

test('sieve at delivery: a reject by every recipient is refused; an alias outside our domains forwards', async (t) => {
  const { store, bob, filter, done } = await setup();
  t.after(done);
  await store.sieve.put(bob, 'no', 'require "reject"; reject "Not wanted here.";');
  await store.sieve.setActive(bob, 'no');
  await assert.rejects(deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: { ...filter(), refuseOnReject: true } }), (err: Error) => err instanceof SieveRejectError && err.message === 'Not wanted here.');
  // Where the transaction cannot be refused for this copy alone, the sender gets a DSN (RFC 5429 §2.1.1).
  await deliver(store, { raw: msg(), prefix: PREFIX, recipients: [{ accountId: bob }], filter: filter() });
  const [notice] = await store.queue.list();
  assert.ok(notice && notice.sender === '' && notice.recipients[0]!.recipient === 'alice@remote.test');
  await store.queue.delete(notice.id);
  assert.equal(await allMessages(store, bob), 0);
  await store.sieve.setActive(bob, null);
  await deliver(store, { raw: msg('', 'team@example.com'), prefix: PREFIX, recipients: [], filter: filter(), forwards: new Map([['team@example.com', ['dave@elsewhere.test']]]) });
  const [q] = await store.queue.list();
  assert.ok(q && q.accountId === null && q.sender.startsWith('SRS0='));
  assert.deepEqual(q.recipients.map((r) => r.recipient), ['dave@elsewhere.test']);
});

test('sieve at delivery: a local submission runs the recipient\'s script while its remote recipients are queued in the same commit', async (t) => {
  const { store, bob, filter, done } = await setup();
  t.after(done);
  await store.sieve.put(bob, 'main', 'require ["fileinto", "mailbox"]; fileinto :create "From colleagues";');
  await store.sieve.setActive(bob, 'main');
  await deliver(store, {
    raw: msg(), prefix: 'DKIM-Signature: v=1; placeholder\r\n', recipients: [{ accountId: bob }], filter: filter('bob@example.com', 'alice@example.com'),
    queue: { sender: 'alice@example.com', accountId: null, recipients: ['dave@elsewhere.test'], expiresAt: now + 3600_000 },
  });
  assert.equal(await boxOf(store, bob, 'From colleagues'), 1);
  assert.equal(await boxOf(store, bob, 'INBOX'), 0);
  const [q] = await store.queue.list();
  assert.ok(q && q.sender === 'alice@example.com' && q.recipients[0]!.recipient === 'dave@elsewhere.test');
  const [copy] = await mailboxMessages(store, bob, 'From colleagues');
  assert.equal((await queuedContent(store, 'elsewhere.test')).contentId, copy!.contentId, 'one content for the copy and the queue row');
});
