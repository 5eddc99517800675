import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authservIdOf, forgedResults } from '../../../src/email-auth/authentication-results.ts';
import { readMessageHeader, withoutFields } from '../../../src/mime/header-fields.ts';

const stripForgedResults = (raw: Buffer, id: string) => withoutFields(raw, forgedResults(raw, readMessageHeader(raw), id));

test('authserv-id is read past comments and from quoted strings', () => {
  assert.equal(authservIdOf(' mx.test; spf=pass'), 'mx.test');
  assert.equal(authservIdOf(' (comment (nested)) MX.Test 1; none'), 'MX.Test');
  assert.equal(authservIdOf(' "mx.test"; none'), 'mx.test');
  assert.equal(authservIdOf('   ;'), null);
});

test('fields claiming our authserv-id are removed, others and the body stay byte for byte', () => {
  const raw = Buffer.from(
    'Authentication-Results: MX.TEST; dkim=pass\r\n' +
    'Authentication-Results: other.example;\r\n spf=pass\r\n' +
    'Authentication-Results: (forged)\r\n mx.test; dmarc=pass\r\n' +
    'Subject: s\r\n\r\nAuthentication-Results: mx.test; in body\r\n');
  assert.equal(stripForgedResults(raw, 'mx.test').toString(),
    'Authentication-Results: other.example;\r\n spf=pass\r\nSubject: s\r\n\r\nAuthentication-Results: mx.test; in body\r\n');
});

test('a message without any is returned unchanged', () => {
  const raw = Buffer.from('Subject: s\r\n\r\nb\r\n');
  assert.equal(stripForgedResults(raw, 'mx.test'), raw);
});
