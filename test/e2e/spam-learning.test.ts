// The spam filter learns from the user over real IMAP (imapflow): MOVE and COPY into Junk or a
// folder below it train spam, out of Junk trains ham (but not into Trash), $Junk/$NotJunk train,
// at most once per class, re-filing retrains; the counts survive a restart and go with the account.
// And a classifier trained on 50 of each class sends a spammy message to Junk with X-Spam headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { tokenKey } from '../../src/spam/tokens.ts';
import { startSpamPostern, SPAM_USER, SPAM_PASS, type SpamPostern } from '../fixtures/spam-postern.ts';

let dns: DnsFixture;
let pm: SpamPostern;
before(async () => {
  dns = await startDnsServer();
  pm = await startSpamPostern(dns.server, { min_trained: 5 });
});
after(async () => {
  await pm.stop();
  await dns.close();
});

function imap(): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: pm.imapPort, secure: false, doSTARTTLS: false, auth: { user: SPAM_USER, pass: SPAM_PASS }, logger: false });
}

const message = (id: string, subject: string, body: string, extra = '') =>
  `From: Someone <someone-${id}@example.net>\r\nTo: ${SPAM_USER}\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.net>\r\n${extra}\r\n${body}\r\n`;

const totals = () => pm.ctx.store.spam.totals(pm.accountId);

test('delivery: X-Spam headers in the prefix, forged ones removed, trained as ham on arrival in INBOX', async () => {
  const reply = await pm.send(message('first', 'Hello', 'Meeting notes attached.', 'X-Spam-Score: -100 (inbox)\r\nX-Spam-Reasons: trust me\r\n'));
  assert.match(reply, /^250 /);
  await pm.trained();
  assert.deepEqual(await totals(), { ham: 1, spam: 0 });
  const c = imap();
  await c.connect();
  try {
    await c.mailboxOpen('INBOX');
    const m = await c.fetchOne('*', { source: true });
    const text = m && m.source ? m.source.toString() : '';
    assert.equal(text.match(/^X-Spam-Score:/gim)?.length, 1, text);
    assert.match(text, /^X-Spam-Score: [-\d.]+ \(inbox\)/m);
    assert.doesNotMatch(text, /trust me|-100/);
  } finally {
    await c.logout();
  }
});

test('MOVE/COPY/STORE over IMAP train once per class, re-filing retrains, Trash does not', async () => {
  const c = imap();
  await c.connect();
  try {
    await c.mailboxCreate('Junk/Phishing');
    await c.mailboxOpen('INBOX');
    await c.messageMove('1:*', 'Junk', { uid: false });
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 0, spam: 1 }, 'INBOX → Junk: spam (the arrival ham is taken back)');

    await c.mailboxOpen('Junk');
    await c.messageCopy('1:*', 'Junk/Phishing');
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 0, spam: 1 }, 'already spam: copying below Junk trains nothing more');

    await c.messageMove('1:*', 'Archive');
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 1, spam: 0 }, 'Junk → Archive: ham');

    await c.mailboxOpen('Archive');
    await c.messageFlagsAdd('1:*', ['$Junk']);
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 0, spam: 1 }, '$Junk: spam');
    await c.messageFlagsAdd('1:*', ['$Junk']);
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 0, spam: 1 }, 'setting it again changes nothing');
    await c.messageFlagsAdd('1:*', ['$NotJunk']);
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 1, spam: 0 }, '$NotJunk: ham');

    await c.mailboxOpen('Junk/Phishing');
    await c.messageMove('1:*', 'Trash');
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 1, spam: 0 }, 'Junk/Phishing → Trash: no training');
    await c.mailboxOpen('Trash');
    await c.messageMove('1:*', 'Junk/Phishing');
    await pm.trained();
    assert.deepEqual(await totals(), { ham: 0, spam: 1 }, 'into a folder below Junk: spam');
  } finally {
    await c.logout();
  }
});

test('trained data survives a restart', async () => {
  const before = await totals();
  await pm.restart();
  assert.deepEqual(await totals(), before);
});

test('after 5 of each class (min_trained = 5) spammy content goes to Junk, ham stays in INBOX', async () => {
  const spammy = (i: number) => message(`s${i}`, `Cheap pills viagra offer ${i}`, `Buy cheap pills now, viagra casino winner lottery http://pills${i % 2}.example.biz/buy unsubscribe`);
  const hammy = (i: number) => message(`h${i}`, `Project meeting ${i}`, `Hi team, the project meeting notes and the budget review are attached. Regards, Alice`);
  for (let i = 0; i < 6; i++) assert.match(await pm.send(spammy(i)), /^250 /);
  for (let i = 0; i < 6; i++) assert.match(await pm.send(hammy(i)), /^250 /);
  const c = imap();
  await c.connect();
  try {
    await c.mailboxOpen('INBOX');
    const uids: number[] = [];
    for await (const m of c.fetch('1:*', { uid: true, envelope: true })) if (/pills/.test(m.envelope?.subject ?? '')) uids.push(m.uid);
    assert.equal(uids.length, 6, 'before training everything arrives in INBOX (inconclusive)');
    await c.messageMove(uids.join(','), 'Junk', { uid: true });
    await pm.trained();
    const t = await totals();
    assert.ok(t.spam >= 6 && t.ham >= 5, JSON.stringify(t));

    assert.match(await pm.send(spammy(7)), /^250 /);
    assert.match(await pm.send(hammy(7)), /^250 /);
    await c.mailboxOpen('Junk');
    const junk: string[] = [];
    let headers = '';
    for await (const m of c.fetch('1:*', { envelope: true, source: true })) {
      junk.push(m.envelope?.subject ?? '');
      if (/offer 7/.test(m.envelope?.subject ?? '')) headers = m.source!.toString();
    }
    assert.ok(junk.some((s) => /offer 7/.test(s)), `the new spam is in Junk: ${junk.join(' | ')}`);
    assert.match(headers, /^X-Spam-Score: [\d.]+ \(junk\)/m);
    assert.match(headers, /^X-Spam-Reasons: .*bayes p=/m);
    await c.mailboxOpen('INBOX');
    const inbox: string[] = [];
    for await (const m of c.fetch('1:*', { envelope: true })) inbox.push(m.envelope?.subject ?? '');
    assert.ok(inbox.includes('Project meeting 7'), 'the new ham is in INBOX');
  } finally {
    await c.logout();
  }
});

test('removing the account removes its trained data', async () => {
  assert.ok((await totals()).spam > 0);
  await pm.ctx.store.accounts.remove(pm.accountId);
  assert.deepEqual(await totals(), { ham: 0, spam: 0 });
  const left = await pm.ctx.store.spam.tokenCounts(pm.accountId, ['viagra', 'pills'].map(tokenKey));
  assert.equal(left.counts.size, 0);
});
