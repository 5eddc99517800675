// SMTP AUTH PLAIN on submission (issue 10, item 7): RFC 4616 §2's authorization identity may be
// empty or the user's own; naming anyone else is refused, as IMAP and POP3 already do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startPosternInstance } from '../fixtures/postern-instance.ts';
import { connectWire } from '../fixtures/smtp-wire.ts';

const plain = (authzid: string, authcid: string, password: string) => Buffer.from(`${authzid}\0${authcid}\0${password}`).toString('base64');

test('AUTH PLAIN with an authzid other than the authcid is refused; the own address (any case) is accepted', async (t) => {
  const dns = await startDnsServer({});
  t.after(() => dns.close());
  const pi = await startPosternInstance(dns, { submission: { allow_plaintext_loopback: true } });
  t.after(() => pi.stop());
  await pi.addDomain('example.test');
  await pi.addUser('alice@example.test', 'alice-secret');
  await pi.addUser('carol@example.test', 'carol-secret');

  const wire = await connectWire(pi.submissionPort);
  await wire.reply();
  await wire.cmd('EHLO client.test');
  assert.match(await wire.cmd(`AUTH PLAIN ${plain('carol@example.test', 'alice@example.test', 'alice-secret')}`), /^535 5\.7\.8 /);
  assert.match(await wire.cmd('MAIL FROM:<carol@example.test>'), /^530 /, 'not authenticated as anyone');
  assert.match(await wire.cmd(`AUTH PLAIN ${plain('Alice@EXAMPLE.test', 'alice@example.test', 'alice-secret')}`), /^235 /);
  assert.match(await wire.cmd('MAIL FROM:<alice@example.test>'), /^250 /);
  wire.close();
});
