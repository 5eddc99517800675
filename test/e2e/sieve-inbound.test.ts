// Sieve where the issue places it in the flow, over real sockets and without a remote peer: on port
// 25 after the spam verdict (a script reads our X-Spam-Score, never a copy the sender forged), an
// ereject refusing the SMTP transaction itself (RFC 5429 §2.2), an alias whose target is outside our
// domains queued with an SRS sender and an ARC set, and a local submission on port 587 filed by the
// recipient's script. What the queue then does with a forward is sieve-forwarding.test.ts's part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startPosternInstance, type PosternInstance } from '../fixtures/postern-instance.ts';
import { rawDialog, submit, waitFor } from '../fixtures/smtp-client.ts';
import { mailboxMessages } from '../fixtures/store-inspect.ts';
import { startInboundSmtp } from '../../src/smtp/inbound-server.ts';
import type { RunningListener } from '../../src/server-context.ts';

let dns: DnsFixture;
let pi: PosternInstance;
let inbound: RunningListener;
let bob: number;
let carol: number;

before(async () => {
  dns = await startDnsServer({ 'example.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
  // The queue worker is not needed: forwards are checked where they wait, in the queue.
  pi = await startPosternInstance(dns, { queue: { retry_schedule_s: [3600] } });
  await pi.worker.stop();
  await pi.addDomain('example.test');
  bob = await pi.addUser('bob@example.test', 'bob-secret');
  carol = await pi.addUser('carol@example.test', 'carol-secret');
  await pi.ctx.store.aliases.add((await pi.ctx.store.domains.find('example.test'))!.id, 'team@example.test', ['dave@elsewhere.test']);
  inbound = await startInboundSmtp(pi.ctx, { host: '127.0.0.1', port: 0 });
});

after(async () => {
  await inbound.close();
  await pi.stop();
  await dns.close();
});

const message = (subject: string, extra = '') =>
  `From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@remote.test>\r\n${extra}\r\nHello.`;

const send = (to: string, body: string) => rawDialog(inbound.port, ['EHLO remote.test', 'MAIL FROM:<alice@remote.test>', `RCPT TO:<${to}>`, 'DATA', `${body}\r\n.`, 'QUIT']);

test('a script on port 25 reads the spam verdict Postern wrote, not the one the sender forged', async () => {
  await pi.ctx.store.sieve.put(bob, 'spam', 'require ["fileinto", "mailbox", "variables"];\r\nif header :matches "x-spam-score" "* (*)" { fileinto :create "verdict-${2}"; }\r\n');
  await pi.ctx.store.sieve.setActive(bob, 'spam');
  const replies = await send('bob@example.test', message('scored', 'X-Spam-Score: -99.0 (forged)\r\n'));
  assert.match(replies[5]!, /^250 /, replies.join('\n'));
  const boxes = (await pi.ctx.store.mailboxes.list(bob)).map((b) => b.name).filter((n) => n.startsWith('verdict-'));
  assert.equal(boxes.length, 1, `one verdict folder: ${boxes.join(', ')}`);
  assert.notEqual(boxes[0], 'verdict-forged', 'the forged X-Spam-Score was removed before Sieve ran');
  const [stored] = await mailboxMessages(pi.ctx.store, bob, boxes[0]!);
  assert.equal(stored!.bytes.toString().match(/^X-Spam-Score:/gm)?.length, 1);
  assert.doesNotMatch(stored!.bytes.toString(), /forged/);
});

test('ereject refuses the SMTP transaction with 550 5.7.1 and the reason; nothing is stored or sent', async () => {
  await pi.ctx.store.sieve.put(bob, 'no', 'require "ereject";\r\nif header :contains "subject" "unwanted" { ereject "No thanks."; }\r\n');
  await pi.ctx.store.sieve.setActive(bob, 'no');
  const queued = (await pi.ctx.store.queue.list()).length;
  const replies = await send('bob@example.test', message('unwanted offer'));
  assert.match(replies[5]!, /^550 5\.7\.1 No thanks\./, replies.join('\n'));
  assert.ok(!(await mailboxMessages(pi.ctx.store, bob)).some((m) => /unwanted offer/.test(m.bytes.toString())));
  assert.equal((await pi.ctx.store.queue.list()).length, queued, 'no DSN: the sender\'s MTA reports the refusal');
  await pi.ctx.store.sieve.setActive(bob, null);
});

test('an alias whose target is outside our domains is forwarded through the queue with an SRS sender', async () => {
  const replies = await send('team@example.test', message('for the team').replace('To: bob@example.test', 'To: team@example.test'));
  assert.match(replies[3]!, /^250 /, replies.join('\n'));
  assert.match(replies[5]!, /^250 /, replies.join('\n'));
  const entry = await waitFor('the forward in the queue', async () => (await pi.ctx.store.queue.list()).find((q) => q.recipients.some((r) => r.recipient === 'dave@elsewhere.test')) ?? null);
  assert.match(entry.sender, /^SRS0=[^=]{4}=[A-Z2-7]{2}=remote\.test=alice@example\.test$/i);
  assert.equal(entry.accountId, null, 'an alias has no owner account');
});

test('a local submission on port 587 runs the recipient\'s script before it is stored', async () => {
  await pi.ctx.store.sieve.put(carol, 'main', 'require ["fileinto", "mailbox", "envelope"];\r\nif envelope :is "from" "bob@example.test" { fileinto :create "From Bob"; }\r\n');
  await pi.ctx.store.sieve.setActive(carol, 'main');
  const r = await submit({
    port: pi.submissionPort, user: 'bob@example.test', pass: 'bob-secret', from: 'bob@example.test', to: ['carol@example.test'],
    message: 'From: bob@example.test\r\nTo: carol@example.test\r\nSubject: lunch\r\n\r\nAt noon?\r\n',
  });
  assert.ok(r.ok, r.response);
  const filed = await mailboxMessages(pi.ctx.store, carol, 'From Bob');
  assert.equal(filed.length, 1);
  assert.match(filed[0]!.bytes.toString(), /Subject: lunch/);
  assert.equal((await mailboxMessages(pi.ctx.store, carol)).length, 0, 'not in INBOX');
});
