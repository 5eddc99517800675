// acceptRecipient and finishTransaction called directly, without a socket: a real SQLite store in a
// temp folder and the one resolver pointed at the local DNS fixture. Each refusal is checked for its
// reply code, its enhanced code and that nothing was stored; an accepted message for being in the
// mailbox with our trace fields in front.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../../src/config/load.ts';
import { buildContext } from '../../../src/cli/serve.ts';
import { createLogger } from '../../../src/log.ts';
import type { ServerContext } from '../../../src/server-context.ts';
import {
  acceptRecipient, beginTransaction, finishTransaction, inboundDeps, type InboundDeps, type InboundTransaction, type ReceivedMessage,
} from '../../../src/smtp/inbound-transaction.ts';
import { startDnsServer, type DnsFixture } from '../../fixtures/dns-server.ts';
import { mailboxMessages } from '../../fixtures/store-inspect.ts';
import { deliver } from '../../../src/delivery/deliver.ts';

let dns: DnsFixture;
let ctx: ServerContext;
let deps: InboundDeps;
let dataDir: string;
let bob: number;
let full: number;

before(async () => {
  dns = await startDnsServer({
    'good.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.good.test': { TXT: ['v=DMARC1; p=reject'] },
    'strict.test': { TXT: ['v=spf1 ip4:198.51.100.9 -all'] },
    '_dmarc.strict.test': { TXT: ['v=DMARC1; p=reject'] },
  });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-inbound-tx-'));
  const config = validateConfig({
    hostname: 'mx.postern.test', data_dir: dataDir,
    dns: { servers: [dns.server], timeout_ms: 500, tries: 1 },
    inbound: { verify_timeout_ms: 3000 },
    spam: { enabled: false },
  }, null);
  ctx = await buildContext(config, createLogger('silent', false));
  deps = inboundDeps(ctx);
  const domain = await ctx.store.domains.add('postern.test', []);
  bob = (await ctx.store.accounts.add('bob@postern.test', domain.id, '$scrypt$test')).id;
  full = (await ctx.store.accounts.add('full@postern.test', domain.id, '$scrypt$test')).id;
  await ctx.store.accounts.setQuota(full, 1);
  await deliverFiller(full);
});

after(async () => {
  await ctx.store.close();
  await dns.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Puts `full@` over its one-byte quota, as earlier mail would have. */
async function deliverFiller(accountId: number): Promise<void> {
  await deliver(ctx.store, { raw: Buffer.from('Subject: filler\r\n\r\nx\r\n'), recipients: [{ accountId }], ignoreQuota: true });
}

function transaction(mailFrom: string, ip = '192.0.2.1'): InboundTransaction {
  return beginTransaction({ sessionId: 'test', remoteIp: ip, helo: 'client.good.test', esmtp: true, tls: null, smtpUtf8: false, mailFrom, earlyTalker: false });
}

function message(from: string, subject: string, extra = '', body = 'hello\r\n'): ReceivedMessage {
  const raw = Buffer.from(`From: <${from}>\r\nTo: <bob@postern.test>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@good.test>\r\n${extra}\r\n${body}`);
  return { raw, bareCr: false, sizeExceeded: false, endedAt: ctx.clock.now() };
}

async function inbox(accountId: number): Promise<number> {
  return (await mailboxMessages(ctx.store, accountId)).length;
}

/** The refusal `work` throws: its code and its text, whose first word is the enhanced code. */
async function refusal(work: Promise<unknown>): Promise<{ code: number; enhanced: string; text: string }> {
  try {
    await work;
  } catch (err) {
    const e = err as Error & { responseCode?: number };
    assert.equal(typeof e.responseCode, 'number', `a reply, not a failure: ${e.message}`);
    const [enhanced, ...rest] = e.message.split(' ');
    return { code: e.responseCode!, enhanced: enhanced!, text: rest.join(' ') };
  }
  assert.fail('expected a refusal');
}

test('RCPT: an unknown user is 550 5.1.1 and joins nothing', async () => {
  const tx = transaction('a@good.test');
  const r = await refusal(acceptRecipient(deps, tx, 'nobody@postern.test'));
  assert.deepEqual([r.code, r.enhanced], [550, '5.1.1']);
  assert.equal(tx.recipients.size, 0);
  assert.equal(tx.accounts.size, 0);
});

test('RCPT: a domain that is not ours is 554 5.7.1 relaying denied', async () => {
  const tx = transaction('a@good.test');
  const r = await refusal(acceptRecipient(deps, tx, 'someone@elsewhere.test'));
  assert.deepEqual([r.code, r.enhanced], [554, '5.7.1']);
  assert.match(r.text, /Relaying denied/);
  assert.equal(tx.recipients.size, 0);
});

test('RCPT: an account over its quota is 452 4.2.2', async () => {
  const tx = transaction('a@good.test');
  const r = await refusal(acceptRecipient(deps, tx, 'full@postern.test'));
  assert.deepEqual([r.code, r.enhanced], [452, '4.2.2']);
  assert.equal(tx.accounts.size, 0);
  assert.equal(await inbox(full), 1, 'only the filler');
});

test('RCPT: a malformed local part is 501 5.1.3; an address literal is 554 5.7.1', async () => {
  const tx = transaction('a@good.test');
  const dots = await refusal(acceptRecipient(deps, tx, 'bob..smith@postern.test'));
  assert.deepEqual([dots.code, dots.enhanced], [501, '5.1.3']);
  const literal = await refusal(acceptRecipient(deps, tx, 'bob@[192.0.2.7]'));
  assert.deepEqual([literal.code, literal.enhanced], [554, '5.7.1']);
  assert.equal(tx.recipients.size, 0);
});

test('RCPT: a known user is accepted into the transaction, a repeated address once', async () => {
  const tx = transaction('a@good.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  await acceptRecipient(deps, tx, 'BOB@postern.test');
  assert.deepEqual([...tx.recipients.values()], ['BOB@postern.test'], 'a repeated address replaces the earlier, as smtp-server keeps it');
  assert.deepEqual([...tx.accounts], [bob]);
  assert.equal(tx.rcptOf.get(bob), 'bob@postern.test');
});

test('DATA: a bare CR is 554 5.6.0 and stores nothing', async () => {
  const tx = transaction('a@good.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const before = await inbox(bob);
  const r = await refusal(finishTransaction(deps, tx, { ...message('a@good.test', 'bare cr'), bareCr: true }));
  assert.deepEqual([r.code, r.enhanced], [554, '5.6.0']);
  assert.equal(await inbox(bob), before);
});

test('DATA: more Received fields than SMTP_MAX_RECEIVED is a mail loop, 554 5.4.6', async () => {
  const tx = transaction('a@good.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const before = await inbox(bob);
  const hops = 'Received: from a by b; Sat, 21 Nov 2026 10:00:00 +0000\r\n'.repeat(120);
  const r = await refusal(finishTransaction(deps, tx, message('a@good.test', 'loop', hops)));
  assert.deepEqual([r.code, r.enhanced], [554, '5.4.6']);
  assert.equal(await inbox(bob), before);
});

test('DATA: a Received line in the body is not counted as a hop', async () => {
  const tx = transaction('a@good.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const hops = 'Received: from a by b; Sat, 21 Nov 2026 10:00:00 +0000\r\n'.repeat(120);
  assert.match(await finishTransaction(deps, tx, message('a@good.test', 'quoted hops', '', hops)), /^Message accepted as /);
});

test('DATA: with no recipient accepted it is 503 5.5.1', async () => {
  const tx = transaction('a@good.test');
  await refusal(acceptRecipient(deps, tx, 'nobody@postern.test'));
  const r = await refusal(finishTransaction(deps, tx, message('a@good.test', 'nobody')));
  assert.deepEqual([r.code, r.enhanced], [503, '5.5.1']);
});

test('DATA: a message too big is 552 5.3.4', async () => {
  const tx = transaction('a@good.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const r = await refusal(finishTransaction(deps, tx, { ...message('a@good.test', 'big'), sizeExceeded: true }));
  assert.deepEqual([r.code, r.enhanced], [552, '5.3.4']);
});

test('DATA: DMARC p=reject with SPF failing is 550 5.7.1 and stores nothing', async () => {
  const tx = transaction('a@strict.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const before = await inbox(bob);
  const r = await refusal(finishTransaction(deps, tx, message('a@strict.test', 'dmarc reject')));
  assert.deepEqual([r.code, r.enhanced], [550, '5.7.1']);
  assert.match(r.text, /DMARC policy of strict\.test/);
  assert.equal(await inbox(bob), before);
});

test('DATA: an accepted message is in the mailbox, with our Authentication-Results and Received in front and forged ones gone', async () => {
  const tx = transaction('a@good.test');
  await acceptRecipient(deps, tx, 'bob@postern.test');
  const before = await inbox(bob);
  const forged = 'Authentication-Results: mx.postern.test; dmarc=pass\r\nX-Spam-Score: -100\r\n';
  const answer = await finishTransaction(deps, tx, message('a@good.test', 'accepted', forged));
  const id = /^Message accepted as ([0-9a-f]{16})$/.exec(answer)?.[1];
  assert.ok(id, answer);
  assert.equal(await inbox(bob), before + 1);
  const stored = (await mailboxMessages(ctx.store, bob)).at(-1)!.bytes.toString();
  assert.match(stored, /^Authentication-Results: mx\.postern\.test;[\s\S]*spf=pass[\s\S]*\r\nReceived: from client\.good\.test \(\[192\.0\.2\.1\]\)[\s\S]*with ESMTP id [0-9a-f]+[\s\S]*for <bob@postern\.test>/);
  assert.ok(stored.includes(id));
  assert.equal(stored.match(/^Authentication-Results:/gm)?.length, 1, 'the forged verdict is removed');
  assert.doesNotMatch(stored, /X-Spam-Score: -100/);
  assert.match(stored, /\r\nSubject: accepted\r\n/);
});
