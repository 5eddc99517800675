// The arguments of RESETKEY, GENURLAUTH and URLFETCH (RFC 4467 §6, RFC 5524 §3): what parses, into
// what, and what is BAD (with [LIMIT] for the bounds of src/limits.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandFramer } from '../../../../src/imap/protocol/command-framer.ts';
import { ImapSyntaxError, parseCommand } from '../../../../src/imap/protocol/tokens.ts';
import { ArgumentReader } from '../../../../src/imap/protocol/argument-reader.ts';
import { parseGenUrlAuthArguments, parseResetKeyArguments, parseUrlFetchArguments } from '../../../../src/imap/protocol/urlauth-arguments.ts';
import { IMAP_MAX_URL_LENGTH, IMAP_MAX_URLAUTH_URLS } from '../../../../src/limits.ts';

function args(line: string): ArgumentReader {
  const f = new CommandFramer();
  f.push(Buffer.from(line + '\r\n'));
  const r = f.next();
  if (r.kind !== 'command') throw new Error('not a command: ' + r.kind);
  return new ArgumentReader(parseCommand(r.command).args);
}

const U = 'imap://a@b/INBOX/;UID=1;URLAUTH=authuser';

test('RESETKEY: nothing, a mailbox, a mailbox and mechanisms', () => {
  assert.deepEqual(parseResetKeyArguments(args('a RESETKEY'), () => 'x'), { mailbox: null, mechanisms: [] });
  const r = args('a RESETKEY INBOX internal X-Other');
  assert.deepEqual(parseResetKeyArguments(r, () => r.mailbox(false)), { mailbox: 'INBOX', mechanisms: ['INTERNAL', 'X-OTHER'] });
  const bad = args('a RESETKEY INBOX "in ternal"');
  assert.throws(() => parseResetKeyArguments(bad, () => bad.mailbox(false)), ImapSyntaxError);
});

test('GENURLAUTH: URL and mechanism pairs, as atoms or strings', () => {
  assert.deepEqual(parseGenUrlAuthArguments(args(`a GENURLAUTH "${U}" INTERNAL ${U} internal`)), [
    { url: U, mechanism: 'INTERNAL' }, { url: U, mechanism: 'INTERNAL' },
  ]);
  for (const line of ['a GENURLAUTH', `a GENURLAUTH "${U}"`, `a GENURLAUTH "${U}" (INTERNAL)`]) {
    assert.throws(() => parseGenUrlAuthArguments(args(line)), ImapSyntaxError, line);
  }
});

test('URLFETCH: plain URLs and RFC 5524 lists with parameters', () => {
  assert.deepEqual(parseUrlFetchArguments(args(`a URLFETCH "${U}" (${U} binary BODYPARTSTRUCTURE) ("${U}" BODY)`)), [
    { url: U, params: null },
    { url: U, params: { bodyPartStructure: true, binary: true, body: false } },
    { url: U, params: { bodyPartStructure: false, binary: false, body: true } },
  ]);
  for (const line of ['a URLFETCH', `a URLFETCH (${U})`, `a URLFETCH (${U} BINARY BODY)`, `a URLFETCH (${U} HEADER)`, 'a URLFETCH ()', `a URLFETCH (${U} (BINARY))`]) {
    assert.throws(() => parseUrlFetchArguments(args(line)), ImapSyntaxError, line);
  }
});

test('URLs per command and URL length are bounded: BAD [LIMIT]', () => {
  const many = Array.from({ length: IMAP_MAX_URLAUTH_URLS + 1 }, () => `"${U}"`).join(' ');
  const limit = (err: unknown) => err instanceof ImapSyntaxError && err.code === 'LIMIT';
  assert.throws(() => parseUrlFetchArguments(args(`a URLFETCH ${many}`)), limit);
  assert.throws(() => parseGenUrlAuthArguments(args(`a GENURLAUTH ${many.replaceAll('" "', '" INTERNAL "')} INTERNAL`)), limit);
  assert.equal(parseUrlFetchArguments(args(`a URLFETCH ${Array.from({ length: IMAP_MAX_URLAUTH_URLS }, () => U).join(' ')}`)).length, IMAP_MAX_URLAUTH_URLS);
  const long = `imap://a@b/${'x'.repeat(IMAP_MAX_URL_LENGTH)}/;UID=1;URLAUTH=authuser`;
  assert.throws(() => parseUrlFetchArguments(args(`a URLFETCH "${long}"`)), limit);
});
