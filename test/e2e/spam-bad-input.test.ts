// Hostile messages through the spam filter over port 25: a million tokens, a 50 MB single-line body,
// a base64 bomb, a thousand URLs, deeply nested HTML. Each is delivered (with its verdict), the
// classifier's tokens stay within SPAM_MAX_TOKENS, and a small message sent alongside is delivered too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startSpamPostern, SPAM_USER, type SpamPostern } from '../fixtures/spam-postern.ts';
import { SpamFilter } from '../../src/spam/filter.ts';
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { spamMetrics } from '../../src/metrics/catalogue.ts';
import { SPAM_MAX_TOKENS, SPAM_URL_SCAN_BYTES } from '../../src/limits.ts';
import { indexMessage } from '../../src/mime/index.ts';
import { tokenKeysOf } from '../../src/spam/tokens.ts';

let dns: DnsFixture;
let pm: SpamPostern;
before(async () => {
  dns = await startDnsServer();
  pm = await startSpamPostern(dns.server, { min_trained: 1 });
});
after(async () => {
  await pm.stop();
  await dns.close();
});

const head = (id: string, extra = '') => `From: x@example.org\r\nTo: ${SPAM_USER}\r\nSubject: ${id}\r\nMessage-ID: <${id}@example.org>\r\n${extra}\r\n`;

const HOSTILE: Record<string, () => string> = {
  'million-tokens': () => head('million-tokens') + Array.from({ length: 1_000_000 }, (_, i) => `w${i}`).join(' ').replace(/(.{1,900})( |$)/g, '$1\r\n'),
  'single-line-50mb': () => head('single-line-50mb') + 'A'.repeat(50_000_000) + '\r\n',
  'base64-bomb': () => head('base64-bomb', 'MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n')
    + Buffer.alloc(20_000_000, 'spam ').toString('base64').replace(/(.{76})/g, '$1\r\n') + '\r\n',
  'thousand-urls': () => head('thousand-urls') + Array.from({ length: 1000 }, (_, i) => `http://d${i}.example.biz/x`).join('\r\n') + '\r\n',
  'deep-html': () => head('deep-html', 'MIME-Version: 1.0\r\nContent-Type: text/html\r\n') + '<div>'.repeat(100_000).replace(/(.{1,900})/g, '$1\r\n') + 'hi\r\n',
};

test('hostile messages are delivered with a verdict, and a small message alongside is not held up', async () => {
  // Some training, so the classifier really runs (min_trained = 1).
  assert.match(await pm.send(head('warmup-ham') + 'hello w1 w2\r\n'), /^250 /);
  assert.match(await pm.send(head('warmup-spam') + 'buy w3 w4\r\n'), /^250 /);
  // The user files the spam warm-up into Junk (a MOVE, as over IMAP): the trainer learns it as spam.
  const store = pm.ctx.store;
  const [spamOne] = await store.spam.explain(pm.accountId, 'warmup-spam@example.org');
  const held = (await mailboxMessages(store, pm.accountId)).find((m) => m.contentId === spamOne!.contentId);
  assert.ok(held, 'the spam warm-up arrived in INBOX');
  const inbox = (await store.mailboxes.find(pm.accountId, 'INBOX'))!;
  const junk = (await store.mailboxes.find(pm.accountId, 'Junk'))!;
  await store.imapMessages.move(pm.accountId, inbox.id, [[held.uid, held.uid]], junk.id);
  await pm.trained();
  assert.deepEqual(await pm.ctx.store.spam.totals(pm.accountId), { ham: 1, spam: 1 });
  for (const [name, make] of Object.entries(HOSTILE)) {
    const [big, small] = await Promise.all([pm.send(make()), pm.send(head(`small-${name}`) + 'hello\r\n')]);
    assert.match(big, /^250 /, name);
    assert.match(small, /^250 /, name);
  }
  for (const name of Object.keys(HOSTILE)) {
    const rows = await store.spam.explain(pm.accountId, `${name}@example.org`);
    assert.ok(rows.some((r) => typeof r.score === 'number'), name);
  }
});

test('the classifier sees at most SPAM_MAX_TOKENS tokens per message', async () => {
  const filter = new SpamFilter({ config: pm.ctx.config, store: pm.ctx.store, resolver: pm.ctx.resolver, log: pm.ctx.log, metrics: spamMetrics(pm.ctx.metrics) });
  const auth = { spf: 'none' as const, dkim: [], dmarc: null, arc: null, timedOut: false, header: '' };
  for (const [name, make] of Object.entries(HOSTILE)) {
    const raw = Buffer.from(make().replace('From: x@example.org', 'From: first-time@elsewhere.test'));
    const j = await filter.judge({ raw, parsed: indexMessage(raw), accountIds: [pm.accountId], auth, envelope: { ip: '127.0.0.1', helo: 'x', mailFrom: 'x@example.org' }, recipients: [SPAM_USER], earlyTalker: false });
    // The tokens judge() classifies on, computed the way it does.
    const indexed = indexMessage(raw);
    const tokens = tokenKeysOf({ headerText: indexed.headerText, searchText: indexed.searchText, head: raw.subarray(0, SPAM_URL_SCAN_BYTES) });
    assert.ok(tokens.length <= SPAM_MAX_TOKENS, `${name}: ${tokens.length}`);
    assert.equal(j.accounts[0]!.classifier?.kind, 'scored', `${name}: the classifier ran`);
  }
});
