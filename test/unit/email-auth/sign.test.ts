import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signMessage, relaxedBodyHash } from '../../../src/email-auth/sign.ts';
import { startDnsServer } from '../../fixtures/dns-server.ts';
import { verifyWithDkimpy } from '../../fixtures/dkim-verify.ts';
import { makeDkimKeys } from '../../fixtures/dkim-keys.ts';

const message = Buffer.from([
  'From: Alice <alice@example.test>',
  'To: bob@remote.test,',
  '\tcarol@remote.test',
  'Subject:   Hello   there ',
  'Date: Sat, 21 Nov 2026 10:00:00 +0000',
  'Message-ID: <1@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hi Bob,  ',
  '',
  'a line\twith tabs',
  '',
  '',
].join('\r\n'));

test('RSA and Ed25519 signatures verify with python3-dkim against keys in DNS', async (t) => {
  const keys = makeDkimKeys();
  const dns = await startDnsServer({
    'rsa._domainkey.example.test': { TXT: [keys[0]!.txt] },
    'ed._domainkey.example.test': { TXT: [keys[1]!.txt] },
  });
  t.after(() => dns.close());
  const header = signMessage(message, 'example.test', keys, Date.UTC(2026, 10, 21));
  assert.match(header, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example.test; s=rsa;/);
  for (const line of header.split('\r\n')) assert.ok(line.length <= 78, `line too long: ${line}`);
  const signed = Buffer.concat([Buffer.from(header), message]);
  const verdicts = await verifyWithDkimpy(signed, dns.server);
  assert.deepEqual(verdicts.map((v) => [v.pass, v.selector, v.algorithm]), [[true, 'rsa', 'rsa-sha256'], [true, 'ed', 'ed25519-sha256']]);

  // A second From added after signing must break the signatures (From is oversigned).
  const tampered = Buffer.concat([Buffer.from(header), Buffer.from('From: mallory@evil.test\r\n'), message]);
  assert.deepEqual((await verifyWithDkimpy(tampered, dns.server)).map((v) => v.pass), [false, false]);
  // So must an added Cc, which was signed as absent.
  const withCc = Buffer.concat([Buffer.from(header), Buffer.from('Cc: eve@evil.test\r\n'), message]);
  assert.deepEqual((await verifyWithDkimpy(withCc, dns.server)).map((v) => v.pass), [false, false]);
});

test('h= names every meaningful field, From once more than present', () => {
  const keys = makeDkimKeys().slice(1);
  const header = signMessage(message, 'example.test', keys, 0).replace(/\r\n[ \t]/g, '');
  const h = /h=([^;]+);/.exec(header)![1]!.split(':').map((s) => s.trim().toLowerCase());
  assert.equal(h.filter((n) => n === 'from').length, 2);
  for (const name of ['to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding', 'reply-to', 'in-reply-to', 'references']) {
    assert.ok(h.includes(name), name);
  }
});

test('relaxed body canonicalization: trailing whitespace and empty lines do not matter', () => {
  assert.equal(relaxedBodyHash(Buffer.from('a  b \r\n\r\n\r\n')), relaxedBodyHash(Buffer.from('a b\r\n')));
  // RFC 6376 §3.4.4: an empty body hashes as the empty string.
  assert.equal(relaxedBodyHash(Buffer.alloc(0)), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
});

test('a domain without keys is left unsigned', () => {
  assert.equal(signMessage(message, 'example.test', [], 0), '');
});
