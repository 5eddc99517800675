import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsNamed, headerSection, readMessageHeader, splitHeaderFields, withoutFields } from '../../../src/mime/header-fields.ts';
import { readHeaderBlock } from '../../../src/mime/header-block.ts';
import { fixupSubmittedMessage, fromMailboxes } from '../../../src/smtp/submission-policy.ts';
import { forgedResults } from '../../../src/email-auth/authentication-results.ts';
import { ownSpamFields } from '../../../src/spam/own-headers.ts';

const fieldsBeforeEmptyLine = (raw: Buffer) => readMessageHeader(raw).lenient;
const stripForgedResults = (raw: Buffer, id: string) => withoutFields(raw, forgedResults(raw, readMessageHeader(raw), id));
const stripOwnSpamFields = (raw: Buffer) => withoutFields(raw, ownSpamFields(readMessageHeader(raw)));
import { receivedCount } from '../../../src/smtp/loop-detection.ts';

test('splits fields with continuation lines; the body begins after the empty line', () => {
  const raw = Buffer.from('Subject: a\r\n b\r\nFrom: x@y\r\n\r\nbody\r\nReceived: no\r\n');
  const section = splitHeaderFields(raw);
  assert.deepEqual(section.fields.map((f) => f.name), ['subject', 'from']);
  assert.equal(raw.toString('latin1', section.fields[0]!.start, section.fields[0]!.end), 'Subject: a\r\n b\r\n');
  assert.equal(section.bodyStart, raw.indexOf('\r\n\r\n') + 4);
  assert.equal(section.separated, true);
});

test('a message with no header section has no fields', () => {
  const section = splitHeaderFields(Buffer.from('\r\nbody only\r\n'));
  assert.equal(section.fields.length, 0);
  assert.equal(section.bodyStart, 2);
});

test('a message that is all header has its body start at its length', () => {
  const raw = Buffer.from('A: 1\r\nB: 2\r\n');
  assert.deepEqual({ ...splitHeaderFields(raw), fields: undefined }, { fields: undefined, bodyStart: raw.length, separated: true });
});

// RFC 5322 §2.2 and §3.5: a header section is fields only. A line without a colon ends it, as
// mailparser and Postfix read it; the one splitter and the MIME index agree on that.
test('a line without a colon ends the header section, here and in the index alike', () => {
  const raw = Buffer.from('From: a@x.test\r\nthis is not a field\r\nSubject: later\r\n\r\nbody\r\n');
  const section = splitHeaderFields(raw);
  assert.deepEqual(section.fields.map((f) => f.name), ['from']);
  assert.equal(section.bodyStart, raw.indexOf('this is'));
  assert.equal(section.separated, false);
  assert.deepEqual(readHeaderBlock(raw, 0, raw.length), { fields: section.fields, bodyStart: section.bodyStart });
  // A field name with a space in it is not a field name (RFC 5322 §3.6.8 ftext) either.
  assert.deepEqual(splitHeaderFields(Buffer.from('A: 1\r\nBad Name: 2\r\n\r\n')).fields.map((f) => f.name), ['a']);
  // Nor is a first line that starts with white space: the whole message is body.
  assert.deepEqual(splitHeaderFields(Buffer.from(' folded: 1\r\nA: 2\r\n\r\nb')).fields, []);
});

test('withoutFields removes exactly the named fields', () => {
  const raw = Buffer.from('A: 1\r\nb: 2\r\n  more\r\nC: 3\r\n\r\nbody');
  assert.equal(withoutFields(raw, fieldsNamed(splitHeaderFields(raw).fields, 'B')).toString(), 'A: 1\r\nC: 3\r\n\r\nbody');
});

test('fieldsBeforeEmptyLine also sees the fields a lenient reader would take past a line without a colon', () => {
  const raw = Buffer.from('A: 1\r\nnot a field\r\nB: 2\r\n\r\nC: in the body\r\n');
  assert.deepEqual(fieldsBeforeEmptyLine(raw).map((f) => f.name), ['a', 'b']);
  assert.deepEqual(fieldsBeforeEmptyLine(Buffer.from('A: 1\r\n\r\nB: 2\r\n')).map((f) => f.name), ['a']);
});

test('what each caller makes of a header that ends at a line without a colon', () => {
  // Loop detection counts trace fields of the header section only.
  assert.equal(receivedCount(readMessageHeader(Buffer.from('Received: a\r\nnot a field\r\nReceived: b\r\n\r\n'))), 1);
  // Our own verdicts are removed wherever a lenient reader could still take them for header.
  const forged = Buffer.from('From: a@x.test\r\nnot a field\r\nAuthentication-Results: mx.ours.test; dkim=pass\r\n\r\nbody\r\n');
  assert.equal(stripForgedResults(forged, 'mx.ours.test').toString(), 'From: a@x.test\r\nnot a field\r\n\r\nbody\r\n');
  const spam = Buffer.from('X-Spam-Reasons: x\r\nnot a field\r\nX-Spam-Score: 9\r\n\r\nbody\r\n');
  assert.equal(stripOwnSpamFields(spam).toString(), 'not a field\r\n\r\nbody\r\n');
  // A submitted message: the From: check reads the header section, and the fix-ups write the
  // empty line, so the second From: is body for every reader downstream (and for the signer).
  const submitted = Buffer.from('From: alice@ours.test\r\nDate: x\r\nMessage-ID: <m@x>\r\nnot a field\r\nFrom: ceo@bank.test\r\n\r\nbody\r\n');
  assert.deepEqual(fromMailboxes(submitted).mailboxes.map((m) => m.address), ['alice@ours.test']);
  const { message } = fixupSubmittedMessage(submitted, { now: 0, hostname: 'mx.ours.test', clientIp: '192.0.2.1', clientHelo: 'h', hideClientIp: false, protocol: 'ESMTPSA', queueId: 'q' });
  assert.equal(message.toString(), 'From: alice@ours.test\r\nDate: x\r\nMessage-ID: <m@x>\r\n\r\nnot a field\r\nFrom: ceo@bank.test\r\n\r\nbody\r\n');
});

test('headerSection is the fields without the empty line, for a DSN to quote', () => {
  assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n')).toString(), 'A: 1\r\nB: 2\r\n');
  assert.equal(headerSection(Buffer.from('A: 1\r\n')).toString(), 'A: 1\r\n');
  assert.equal(headerSection(Buffer.from('A: 1\r\nnot a field\r\n\r\n')).toString(), 'A: 1\r\n');
});
