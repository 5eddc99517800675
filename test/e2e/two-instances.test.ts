// Two Postern instances on loopback, each the MX of its own domain: a message submitted to the
// first is relayed, DKIM-signed, to the second's port 25 and lands in the recipient's INBOX with
// dkim=pass, spf=pass and dmarc=pass in the second's Authentication-Results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { startInbound, addUser, storedMessages } from '../fixtures/inbound-postern.ts';
import { submit, waitFor } from '../fixtures/smtp-client.ts';

test('sender.test → postern.test: dkim, spf and dmarc pass at the receiving Postern', async (t) => {
  const dns = await startDnsServer({
    'postern.test': { MX: [{ priority: 10, exchange: 'mx.postern.test' }] },
    'mx.postern.test': { A: ['127.0.0.1'] },
    'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'], MX: [{ priority: 10, exchange: 'mail.sender.test' }] },
    'mail.sender.test': { A: ['127.0.0.1'] },
    '_dmarc.sender.test': { TXT: ['v=DMARC1; p=reject'] },
  });
  t.after(() => dns.close());
  const receiver = await startInbound(dns.server);
  t.after(() => receiver.stop());
  await addUser(receiver.ctx.store, 'bob@postern.test');

  const sender = await startPosternInstance(dns, { hostname: 'mail.sender.test', testing: { remote_smtp_port: receiver.port } });
  t.after(() => sender.stop());
  await sender.addDomain('sender.test');
  await sender.addUser('alice@sender.test', 'alice-secret');

  const r = await submit({ port: sender.submissionPort, user: 'alice@sender.test', pass: 'alice-secret', from: 'alice@sender.test', to: ['bob@postern.test'],
    message: 'From: Alice <alice@sender.test>\r\nTo: bob@postern.test\r\nSubject: across instances\r\n\r\nHi Bob.\r\n' });
  assert.equal(r.ok, true, r.response);
  const [stored] = await waitFor('delivery at the receiver', async () => { const s = await storedMessages(receiver.ctx.store, 'bob@postern.test'); return s.length ? s : null; }, 15_000);
  assert.equal(stored!.mailbox, 'INBOX');
  const head = stored!.bytes.toString().split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  const ar = head.split('\r\n').find((l) => /^Authentication-Results:/i.test(l));
  assert.ok(ar, head);
  assert.match(ar!, /dkim=pass/);
  assert.match(ar!, /spf=pass/);
  assert.match(ar!, /dmarc=pass/);
  assert.match(head, /Subject: across instances/);
});
