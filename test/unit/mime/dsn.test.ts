import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { buildDsn, shouldBounce, statusFromReply } from '../../../src/mime/dsn.ts';

test('a DSN is multipart/report with the failure per recipient and the original headers', async () => {
  const dsn = buildDsn({
    hostname: 'mail.example.test', sender: 'alice@example.test',
    originalHeaders: Buffer.from('From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: Lunch?\r\n'),
    arrivalDate: Date.UTC(2026, 0, 1), now: Date.UTC(2026, 0, 2),
    failures: [{ recipient: 'bob@remote.test', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 <bob@remote.test>: no such user', remoteMta: 'mx.remote.test', lastAttemptAt: Date.UTC(2026, 0, 2) }],
  });
  const text = dsn.toString();
  assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status; boundary="/m);
  assert.match(text, /^To: <alice@example\.test>\r$/m);
  assert.ok(!/[^\r]\n/.test(text), 'CRLF only');
  const parsed = await simpleParser(dsn);
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  // mailparser shows message/delivery-status inline, as text.
  assert.match(text, /Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mail\.example\.test\r\n/);
  assert.match(parsed.text!.replace(/\n/g, '\r\n'), /Final-Recipient: rfc822; bob@remote\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.remote\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1/);
  const headers = parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers')!;
  assert.match(headers.content.toString(), /Subject: Lunch\?/);
  assert.match(parsed.text!, /bob@remote\.test/);
});

test('never a bounce for the null sender; status codes come from the reply', () => {
  assert.equal(shouldBounce(''), false);
  assert.equal(shouldBounce('a@b.test'), true);
  assert.equal(statusFromReply('550 5.7.1 Relaying denied'), '5.7.1');
  assert.equal(statusFromReply('554 go away'), '5.0.0');
  assert.equal(statusFromReply('451 try later'), '4.0.0');
});
