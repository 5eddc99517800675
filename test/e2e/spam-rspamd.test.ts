// With rspamd (Debian's package, started by this test on loopback ports with redis for Bayes):
// each inbound message is checked over /checkv2 with the envelope, client IP and HELO, and rspamd's
// score and action join the verdict; a move into Junk over IMAP is forwarded to learnspam (rspamd's
// Bayes counts it); with rspamd gone, mail is still delivered and the error is counted.
// Not exercised offline: rspamd's fuzzy hashes and network RBL/URL reputation (they need the internet).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startSpamPostern, SPAM_USER, SPAM_PASS, type SpamPostern } from '../fixtures/spam-postern.ts';
import { rspamdAvailable, startRspamd, type RspamdFixture } from '../fixtures/rspamd.ts';

const skip = !rspamdAvailable() && !process.env.CI && 'rspamd and redis-server are not installed';

let dns: DnsFixture;
let rspamd: RspamdFixture;
let pm: SpamPostern;

before(async () => {
  if (skip) return;
  dns = await startDnsServer();
  rspamd = await startRspamd(dns.server);
  pm = await startSpamPostern(dns.server, { rspamd: rspamd.normalUrl, rspamd_controller: rspamd.controllerUrl });
}, { timeout: 240_000 });
after(async () => {
  await pm?.stop();
  await rspamd?.stop();
  await dns?.close();
});

const metric = async (kind: string, result: string) =>
  Number((await pm.ctx.metrics.expose()).match(new RegExp(`postern_spam_rspamd_requests_total\\{kind="${kind}",result="${result}"\\} (\\d+)`))?.[1] ?? 0);

const message = (id: string) => `From: Promo <promo@example.org>\r\nTo: ${SPAM_USER}\r\nSubject: Cheap offer ${id}\r\nMessage-ID: <${id}@example.org>\r\n\r\nBuy cheap pills now, limited offer, click here to win.\r\n`;

test('rspamd checks each inbound message and its score is in the verdict; Junk moves are forwarded to learnspam', { skip, timeout: 120_000 }, async () => {
  assert.match(await pm.send(message('r1'), { helo: 'client.example.net' }), /^250 /);
  assert.equal(await metric('check', 'ok'), 1);
  const c = new ImapFlow({ host: '127.0.0.1', port: pm.imapPort, secure: false, doSTARTTLS: false, auth: { user: SPAM_USER, pass: SPAM_PASS }, logger: false });
  await c.connect();
  try {
    await c.mailboxOpen('INBOX');
    const m = await c.fetchOne('*', { source: true });
    const header = m && m.source ? m.source.toString().split('\r\n\r\n')[0]! : '';
    assert.match(header.replace(/\r\n\s+/g, ' '), /X-Spam-Reasons:.*rspamd (no action|add header|greylist|rewrite subject|soft reject|reject)( \[[^\]]*\])? [-+]?\d/, header);
    await c.messageMove('*', 'Junk');
  } finally {
    await c.logout();
  }
  await pm.trained();
  for (let i = 0; i < 50 && (await metric('learn', 'ok')) + (await metric('learn', 'error')) === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await metric('learn', 'ok'), 1, 'the move into Junk reached rspamd');
  const stat = await (await fetch(`${rspamd.controllerUrl}/stat`)).json() as { learned?: number };
  assert.ok((stat.learned ?? 0) >= 1, `rspamd counts the learn: ${JSON.stringify(stat)}`);
});

test('with rspamd unreachable the message is still delivered, judged without it, and the error counted', { skip, timeout: 60_000 }, async () => {
  await rspamd.stop();
  assert.match(await pm.send(message('r2')), /^250 /);
  assert.equal(await metric('check', 'error'), 1);
});
