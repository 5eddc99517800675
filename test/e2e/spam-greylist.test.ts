// Greylisting (off by default) over real SMTP sessions: a first-time sender gets 451 4.7.1 and is
// accepted on a retry after greylist_delay_s; a sender whose SPF passes for a domain the account
// already has mail from is never delayed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startSpamPostern, SPAM_USER, type SpamPostern } from '../fixtures/spam-postern.ts';

let dns: DnsFixture;
let pm: SpamPostern;
before(async () => {
  dns = await startDnsServer({ 'known.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
  pm = await startSpamPostern(dns.server, { greylist: true, greylist_delay_s: 1 });
});
after(async () => {
  await pm.stop();
  await dns.close();
});

const message = (from: string, id: string) => `From: ${from}\r\nTo: ${SPAM_USER}\r\nSubject: code ${id}\r\nMessage-ID: <${id}@x>\r\n\r\nYour code is 123456\r\n`;

test('a first-time sender is greylisted, then accepted after the delay; SPF-pass senders of a known domain pass at once', async () => {
  const first = await pm.send(message('a@known.test', 'g1'), { from: 'a@known.test' });
  assert.match(first, /^451 4\.7\.1 /);
  assert.match(await pm.send(message('a@known.test', 'g1'), { from: 'a@known.test' }), /^451 4\.7\.1 /, 'an immediate retry is still too early');
  // Waiting longer than the delay cannot make the retry early, whatever the machine's load.
  await sleep(1200);
  assert.match(await pm.send(message('a@known.test', 'g1'), { from: 'a@known.test' }), /^250 /);

  // The account now has mail from known.test with SPF passing (once the trainer has applied its
  // training on arrival, SPAM_TRAIN_DELAY_MS later at most): a new sender there is not delayed.
  await pm.trained();
  assert.match(await pm.send(message('b@known.test', 'g2'), { from: 'b@known.test' }), /^250 /);
  assert.match(await pm.send(message('c@unknown.test', 'g3'), { from: 'c@unknown.test' }), /^451 4\.7\.1 /);
  assert.match(await pm.ctx.metrics.expose(), /^postern_spam_greylisted_total 3$/m);
});
