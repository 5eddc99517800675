// Outbound caps per account over real submission sessions (STARTTLS + AUTH, nodemailer's client):
// messages per day and first-time recipients per day; beyond either, 451 4.7.1 and a metric, and
// nothing stored. Recipients written to become trusted senders for the inbound filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { startPosternInstance, type PosternInstance } from '../fixtures/postern-instance.ts';
import { submit } from '../fixtures/smtp-client.ts';
import { judgeReputation } from '../../src/spam/reputation.ts';

let dns: DnsFixture;
let pi: PosternInstance;
let alice: number;

before(async () => {
  dns = await startDnsServer();
  pi = await startPosternInstance(dns, { spam: { outbound_messages_per_day: 4, outbound_new_recipients_per_day: 2 } });
  await pi.addDomain('example.test');
  alice = await pi.addUser('alice@example.test', 'alice-secret');
  for (const u of ['carol', 'dave', 'erin']) await pi.addUser(`${u}@example.test`, 'x-secret-pass');
});
after(async () => {
  await pi.stop();
  await dns.close();
});

const send = (to: string) => submit({
  port: pi.submissionPort, user: 'alice@example.test', pass: 'alice-secret', from: 'alice@example.test', to: [to],
  message: `From: Alice <alice@example.test>\r\nTo: ${to}\r\nSubject: hi\r\n\r\nHello\r\n`,
});

const capped = async (cap: string) => Number((await pi.ctx.metrics.expose()).match(new RegExp(`postern_outbound_capped_total\\{cap="${cap}"\\} (\\d+)`))?.[1] ?? 0);

test('first-time recipients per day: the third new one is refused with 451 4.7.1; known ones still pass', async () => {
  assert.ok((await send('carol@example.test')).ok);
  assert.ok((await send('carol@example.test')).ok, 'carol is not new the second time');
  assert.ok((await send('dave@example.test')).ok);
  const refused = await send('erin@example.test');
  assert.equal(refused.ok, false);
  assert.match(refused.response, /^451 4\.7\.1 .*new recipients/);
  assert.equal(await capped('new-recipients'), 1);
  const erin = await pi.ctx.store.accounts.byAddress('erin@example.test');
  assert.equal((await pi.ctx.store.mailboxes.list(erin!.id)).find((b) => b.name === 'INBOX')!.messages, 0, 'nothing stored');
});

test('messages per day: the fifth message is refused with 451 4.7.1', async () => {
  assert.ok((await send('dave@example.test')).ok);
  const refused = await send('carol@example.test');
  assert.equal(refused.ok, false);
  assert.match(refused.response, /^451 4\.7\.1 .*4 messages/);
  assert.equal(await capped('messages'), 1);
});

test('a correspondent the user wrote to is trusted by reputation', async () => {
  const rows = await pi.ctx.store.spam.reputation(alice, [], 'carol@example.test');
  assert.equal(judgeReputation(rows).kind, 'ham');
  assert.equal(judgeReputation(await pi.ctx.store.spam.reputation(alice, [], 'stranger@example.net')).kind, 'inconclusive');
});
