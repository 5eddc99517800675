import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainReply, destinationOf } from '../../../src/queue/rejections.ts';

// Replies as the receivers word them (constructed from their published texts).
const SAMPLES: [string, string | null, boolean?][] = [
  ['550 5.7.1 Unfortunately, messages from [192.0.2.1] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.', 'ip-blocked'],
  ['550 5.7.1 Unfortunately, messages from [192.0.2.1] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3150).', 'ip-blocked'],
  ['550-5.7.25 [2001:db8::25] The IP address sending this message does not have a\n550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not\n550 5.7.25 point to the sending IP. - gsmtp', 'no-ptr'],
  ['550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail\n550 5.7.26 requires all senders to authenticate with either SPF or DKIM. - gsmtp', 'authentication'],
  ['550 5.7.515 Access denied, sending domain [EXAMPLE.TEST] doesn\'t meet the required authentication level.', 'authentication'],
  ['421-4.7.28 [192.0.2.1] Our system has detected an unusual rate of\n421 4.7.28 unsolicited mail originating from your IP address. - gsmtp', 'rate-limited'],
  ['421-4.7.0 [192.0.2.1] Our system has detected that this message is suspicious\n421 4.7.0 due to the very low reputation of the sending IP address. Try again later - gsmtp', 'rate-limited'],
  ['421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes', 'reputation'],
  ['554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1', 'blocklisted'],
  ['550 5.7.1 192.0.2.1 is listed at bl.example.net', 'blocklisted'],
  ['450 4.7.1 <bob@remote.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/remote.test.html', 'greylisted', true],
  ['451 4.7.1 Please try again later (grey-listed)', 'greylisted', true],
  ['relay smtp://relay.test:587 relay.test[192.0.2.9]: authentication as "u" refused: 535 5.7.8 Error: authentication failed (check auth_user and auth_password_file of the route)', 'relay-auth'],
  ['550 5.1.1 <nobody@remote.test>: Recipient address rejected: User unknown', null],
  ['552 5.2.2 mailbox full', null],
];

test('the table names each known rejection and offers a fix', () => {
  for (const [reply, cls, soon] of SAMPLES) {
    const e = explainReply(reply);
    assert.equal(e?.class ?? null, cls, reply);
    if (e) {
      assert.ok(e.cause.length > 20 && e.fix.length > 20, `advice for ${cls}`);
      assert.equal(e.retrySoon ?? false, soon ?? false, reply);
    }
  }
  // A 5xx is never greylisting, even if it says "greylist".
  assert.notEqual(explainReply('550 5.7.1 greylisted forever')?.class, 'greylisted');
});

test('destinations come from a fixed set, by MX name', () => {
  assert.equal(destinationOf('example-com.mail.protection.outlook.com', false), 'microsoft');
  assert.equal(destinationOf('gmail-smtp-in.l.google.com.', false), 'google');
  assert.equal(destinationOf('mta5.am0.yahoodns.net', false), 'yahoo');
  assert.equal(destinationOf('mx.remote.test', false), 'other');
  assert.equal(destinationOf(undefined, false), 'other');
  assert.equal(destinationOf('mx.google.com', true), 'relay');
});
