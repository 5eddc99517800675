// IMAP semantics that Dovecot's imaptest and a real Thunderbird found wrong, each pinned down over
// an in-memory session on a real store: subscriptions as names, durable \Recent, CONDSTORE enabled
// by FETCH MODSEQ, SENT* days as written, address searches on parsed addresses, MOVE into the
// selected mailbox, FLAGS before a FETCH shows a new keyword, and the shared IDLE keep-alive timer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { makeHarness, TestClient, message, type Harness } from '../fixtures/imap-harness.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import { systemClock } from '../../src/clock.ts';
import { ImapServices } from '../../src/imap/session/services.ts';
import { COMMANDS } from '../../src/imap/commands/registry.ts';
import { LoginThrottle } from '../../src/login/throttle.ts';

let h: Harness;
before(async () => {
  h = await makeHarness();
});
after(() => h.close());

async function client(services = h.services): Promise<TestClient> {
  const c = new TestClient(services);
  await c.login();
  return c;
}

test('new mail wakes many idlers of one mailbox: exactly one gets it as \\Recent, and the claim is one write', async () => {
  const idlers: TestClient[] = [];
  for (let i = 0; i < 10; i++) idlers.push(await client());
  await idlers[0]!.command('CREATE idlers');
  for (const c of idlers) {
    await c.command('SELECT idlers');
    c.send('i1 IDLE\r\n');
    await c.waitFor(/\+ idling\r\n|\+ [^\r]*\r\n/);
  }
  const claims = { n: 0 };
  const claim = h.store.imapMailboxes.claimRecent.bind(h.store.imapMailboxes);
  h.store.imapMailboxes.claimRecent = (id, upTo) => {
    claims.n++;
    return claim(id, upTo);
  };
  try {
    await deliver(h.store, { raw: message('wake all'), recipients: [{ accountId: h.accountId, mailbox: 'idlers' }] });
    const seen = await Promise.all(idlers.map((c) => c.waitFor(/\* \d+ RECENT\r\n/)));
    for (const s of seen) assert.match(s, /\* 1 EXISTS\r\n/);
    const recent = seen.map((s) => Number(/\* (\d+) RECENT/.exec(s)![1]));
    assert.deepEqual(recent.sort(), [...Array(9).fill(0), 1], 'one session owns the new message (RFC 3501 §2.3.2)');
    assert.equal(claims.n, 1, 'the sessions shared one claim instead of one write each');
    const later = await client();
    assert.match(await later.command('SELECT idlers'), /\* 0 RECENT/, 'the claim was committed');
    later.close();
  } finally {
    h.store.imapMailboxes.claimRecent = claim;
    for (const c of idlers) c.close();
  }
});

test('subscriptions are names: CREATE does not add one, DELETE keeps it, LSUB and LIST-EXTENDED report them', async () => {
  const c = await client();
  await c.command('CREATE s/a/b');
  await c.command('CREATE s/c');
  assert.doesNotMatch(await c.command('LSUB "" "s*"'), /\* LSUB/, 'CREATE subscribed nothing');
  await c.command('SUBSCRIBE s/a/b');
  await c.command('SUBSCRIBE s/c');
  await c.command('DELETE s/c');
  // RFC 3501 §6.3.9: with %, the unsubscribed parent of a subscribed name is \Noselect.
  const lsub = await c.command('LSUB "" "s/%"');
  assert.match(lsub, /\* LSUB \(\\Noselect\) "\/" "s\/a"/);
  assert.match(lsub, /\* LSUB \(\) "\/" "s\/c"/, 'the deleted mailbox is still subscribed');
  const subscribed = await c.command('LIST (SUBSCRIBED) "" "s/*"');
  assert.match(subscribed, /\* LIST \(\\NonExistent \\Subscribed\) "\/" "s\/c"/);
  assert.match(subscribed, /\* LIST \(\\HasNoChildren \\Subscribed\) "\/" "s\/a\/b"/);
  assert.match(await c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "s/%"'), /\* LIST \(\\HasChildren\) "\/" "s\/a" \("CHILDINFO" \("SUBSCRIBED"\)\)/);
  assert.match(await c.command('UNSUBSCRIBE s/nothing', 'NO'), /NONEXISTENT/);
  await c.command('RENAME s/a s/z');
  assert.match(await c.command('LSUB "" "s/z/*"'), /"s\/z\/b"/, 'subscriptions follow RENAME');
  c.close();
});

test('\\Recent is claimed by one read-write session, shown by EXAMINE, per mailbox row, and survives a restart', async () => {
  const c = await client();
  await c.command('CREATE r');
  for (let i = 0; i < 2; i++) await deliver(h.store, { raw: message(`recent ${i}`), recipients: [{ accountId: h.accountId, mailbox: 'r' }] });
  assert.match(await c.command('EXAMINE r'), /\* 2 RECENT/);
  assert.match(await c.command('STATUS r (RECENT)'), /RECENT 2/);
  assert.match(await c.command('SELECT r'), /\* 2 RECENT/);
  assert.match(await c.command('SEARCH RECENT'), /\* SEARCH 1 2\r\n/);
  const other = await client();
  assert.match(await other.command('SELECT r'), /\* 0 RECENT/, 'the first session owns them');
  other.close();
  // A recreated mailbox (SQLite may reuse the row id) starts with its new messages recent.
  await c.command('UNSELECT');
  await c.command('DELETE r');
  await c.command('CREATE r');
  await deliver(h.store, { raw: message('recent again'), recipients: [{ accountId: h.accountId, mailbox: 'r' }] });
  assert.match(await c.command('SELECT r'), /\* 1 RECENT/);
  await deliver(h.store, { raw: message('recent later'), recipients: [{ accountId: h.accountId, mailbox: 'r' }] });
  c.close();
  // Restart: new services over a reopened store; the undelivered-to-a-session message is still recent.
  const store = await h.reopen();
  try {
    const services = new ImapServices(COMMANDS, store, new LoginThrottle(store.shared, { maxFailures: 10, lockoutS: 60 }), pino({ level: 'silent' }), { hostname: 'x', allowPlaintextLoopback: true }, null);
    const d = await client(services);
    assert.match(await d.command('SELECT r'), /\* 1 RECENT/);
    d.close();
  } finally {
    await store.close();
  }
});

test('FETCH MODSEQ enables CONDSTORE: HIGHESTMODSEQ, then MODSEQ in STORE replies', async () => {
  await deliver(h.store, { raw: message('condstore'), recipients: [{ accountId: h.accountId }] });
  const c = await client();
  await c.command('SELECT INBOX');
  assert.doesNotMatch(await c.command('STORE 1 +FLAGS (\\Flagged)'), /MODSEQ/);
  const f = await c.command('FETCH 1 MODSEQ');
  assert.match(f, /\* OK \[HIGHESTMODSEQ \d+\]/);
  assert.match(f, /\* 1 FETCH \(MODSEQ \(\d+\)\)/);
  assert.match(await c.command('STORE 1 -FLAGS (\\Flagged)'), /MODSEQ \(\d+\)/);
  c.close();
});

test('SENTON compares the day written in Date:, FROM matches parsed addresses', async () => {
  const c = await client();
  await c.command('CREATE q');
  const raw = (date: string, from: string) => Buffer.from(`From: ${from}\r\nTo: x@example.test\r\nSubject: s\r\nDate: ${date}\r\n\r\nbody\r\n`);
  // 23:30 -0700 on the 24th is the 25th in UTC; SENTON 24 must still find it.
  await deliver(h.store, { raw: raw('Sat, 24 Mar 2007 23:30:00 -0700', '<user-from (comment)@ (comment) domain.org>'), recipients: [{ accountId: h.accountId, mailbox: 'q' }] });
  await deliver(h.store, { raw: raw('Sun, 25 Mar 2007 00:30:00 +0200', '=?utf-8?q?J=C3=BCrgen?= <j@example.test>'), recipients: [{ accountId: h.accountId, mailbox: 'q' }] });
  await c.command('SELECT q');
  assert.match(await c.command('SEARCH SENTON 24-Mar-2007'), /\* SEARCH 1\r\n/);
  assert.match(await c.command('SEARCH SENTON 25-Mar-2007'), /\* SEARCH 2\r\n/);
  assert.match(await c.command('SEARCH SENTBEFORE 25-Mar-2007'), /\* SEARCH 1\r\n/);
  assert.match(await c.command('SEARCH FROM user-from@domain.org'), /\* SEARCH 1\r\n/);
  assert.match(await c.command('SEARCH CHARSET UTF-8 FROM {7+}\r\nJürgen'), /\* SEARCH 2\r\n/, 'encoded display names are decoded');
  c.close();
});

test('MOVE into the selected mailbox expunges and reports the new copy; FLAGS precedes a new keyword', async () => {
  const c = await client();
  await c.command('CREATE m');
  await deliver(h.store, { raw: message('move self'), recipients: [{ accountId: h.accountId, mailbox: 'm' }] });
  await c.command('SELECT m');
  const moved = await c.command('MOVE 1 m');
  assert.match(moved, /\* OK \[COPYUID \d+ 1 2\][\s\S]*\* 1 EXPUNGE\r\n[\s\S]*\* 1 EXISTS/);
  const other = await client();
  await other.command('SELECT m');
  await c.command('STORE 1 +FLAGS.SILENT ($Fresh)');
  const noop = await other.command('NOOP');
  assert.match(noop, /\* FLAGS \([^)]*\$Fresh\)\r\n\* OK \[PERMANENTFLAGS \([^)]*\$Fresh \\\*\)\][^\r]*\r\n\* 1 FETCH \(FLAGS \(\$Fresh\)\)/);
  other.close();
  c.close();
});

test('IDLE keep-alive: one shared timer sends "* OK Still here" to every idler, and stops when none idles', async () => {
  const services = new ImapServices(COMMANDS, h.store, new LoginThrottle(h.store.shared, { maxFailures: 10, lockoutS: 60 }), pino({ level: 'silent' }), { hostname: 'x', allowPlaintextLoopback: true, idleKeepAliveSeconds: 1 }, null);
  const idlers = await Promise.all([client(services), client(services)]);
  for (const c of idlers) {
    await c.command('SELECT INBOX');
    c.send('i IDLE\r\n');
    await c.waitFor(/\+ idling\r\n/);
  }
  assert.equal(services.idleKeepAlive.size, 2);
  for (const c of idlers) await c.waitFor(/\* OK Still here\r\n/, 5000);
  for (const c of idlers) {
    c.send('DONE\r\n');
    await c.waitFor(/i OK/);
  }
  assert.equal(services.idleKeepAlive.size, 0);
  for (const c of idlers) c.close();
});

test('MULTIAPPEND stores every message or none: APPENDUID with a UID set, and nothing when one is over quota', async () => {
  const c = await client();
  await c.command('CREATE multi');
  const m1 = 'Subject: one\r\n\r\nfirst\r\n';
  const m2 = 'Subject: two\r\n\r\nsecond\r\n';
  const done = await c.command(`APPEND multi (\\Seen) {${m1.length}+}\r\n${m1} {${m2.length}+}\r\n${m2}`);
  assert.match(done, /OK \[APPENDUID \d+ 1:2\]/);
  assert.match(await c.command('STATUS multi (MESSAGES)'), /MESSAGES 2/);
  const used = (await h.store.accounts.byId(h.accountId))!.usedBytes;
  await h.store.accounts.setQuota(h.accountId, used + m1.length + 10);
  try {
    assert.match(await c.command(`APPEND multi {${m1.length}+}\r\n${m1} {${m2.length}+}\r\n${m2}`, 'NO'), /OVERQUOTA/);
    assert.match(await c.command('STATUS multi (MESSAGES)'), /MESSAGES 2/, 'the first message was not kept either');
  } finally {
    await h.store.accounts.setQuota(h.accountId, 0);
  }
  c.close();
});

test('BINARY: APPEND of binary content is stored base64, FETCH BINARY gives the bytes back, BINARY.SIZE their count', async () => {
  const c = await client();
  await c.command('CREATE bin');
  const body = Buffer.from([0x20, 0x2d, 0x00, 0xff, 0x0d, 0x0a]);
  const msg = Buffer.concat([Buffer.from('From: a@example.org\r\nMime-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'), body]);
  c.send(Buffer.concat([Buffer.from(`a1 APPEND bin ~{${msg.length}+}\r\n`), msg, Buffer.from('\r\n')]));
  assert.match(await c.waitFor(/a1 (OK|NO|BAD)[^\r]*\r\n/), /a1 OK/);
  await c.command('SELECT bin');
  assert.match(await c.command('FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.MIME])'), /IC0A[\s\S]*Content-Transfer-Encoding: base64/, 'stored in base64');
  const f = await c.command('FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])');
  assert.match(f, /BINARY\.SIZE\[1\] 6 BINARY\[1\] ~\{6\}\r\n/);
  assert.ok(Buffer.from(f, 'utf8').includes(Buffer.from([0x20, 0x2d, 0x00])), 'the NUL came back');
  assert.match(await c.command('FETCH 1 BINARY.PEEK[1.HEADER]', 'BAD'), /part number only/);
  c.close();
});

test('CREATE-SPECIAL-USE: CREATE with USE gives the mailbox its attribute; unknown or several are NO [USE]', async () => {
  const c = await client();
  await c.command('CREATE "Old Drafts" (USE (\\Drafts))');
  assert.match(await c.command('LIST "" "Old Drafts"'), /\* LIST \(\\HasNoChildren \\Drafts\) "\/" "Old Drafts"/);
  assert.match(await c.command('CREATE x1 (USE (\\Frob))', 'NO'), /\[USE\]/);
  assert.match(await c.command('CREATE x2 (USE (\\Sent \\Trash))', 'NO'), /\[USE\]/);
  assert.match(await c.command('CREATE x3 (FROB (1))', 'BAD'), /Unknown CREATE parameter/);
  c.close();
});

test('FETCH BODY[] over pages the store ends by their bytes: every message once, in order, with its sequence number', async () => {
  const c = await client();
  await c.command('CREATE pages');
  // About 2.5 MiB inline: the store ends a page after about 1 MiB (IMAP_FETCH_CONTENT_PAGE_BYTES).
  const body = 'z'.repeat(60_000) + '\r\n';
  const count = 44;
  for (let i = 1; i <= count; i++) await deliver(h.store, { raw: message(`page ${i}`, body), recipients: [{ accountId: h.accountId, mailbox: 'pages' }] });
  await c.command('SELECT pages');
  await c.command('STORE 20 +FLAGS.SILENT (\\Deleted)');
  await c.command('EXPUNGE');
  const out = await c.command('FETCH 1:* (UID BODY[])');
  const seen = [...out.matchAll(/\* (\d+) FETCH \(UID (\d+) BODY\[\] \{(\d+)\}\r\n/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
  const uids = Array.from({ length: count }, (_, i) => i + 1).filter((u) => u !== 20);
  assert.deepEqual(seen.map(([seq]) => seq), uids.map((_, i) => i + 1));
  assert.deepEqual(seen.map(([, uid]) => uid), uids);
  assert.ok(seen.every(([, uid, size]) => size === message(`page ${uid}`, body).length));
  assert.ok(out.includes(`Subject: page 44\r\n`));
  assert.match(await c.command('SEARCH UNSEEN'), /\* SEARCH\r\n/, 'FETCH BODY[] set \\Seen on every page');
  c.close();
});
