// Fuzz targets for the IMAP extensions' parsers: IMAP URLs (src/imap/protocol/imap-url.ts), APPEND
// with CATENATE (append-arguments.ts), and SEARCH's RETURN options with RFC 5267's PARTIAL, UPDATE
// and CONTEXT (return-options.ts), CANCELUPDATE's tags, NOTIFY (notify-arguments.ts), and the
// COMPRESS=DEFLATE input stream (session/compression.ts), and PREVIEW (fetch modifiers and the
// preview text, protocol/preview.ts), and SAVEDATE (RFC 8514) and OBJECTID (RFC 8474): their FETCH
// items, SEARCH keys and STATUS item. Inputs are built from the grammar's pieces and random
// text. Properties: the parsers throw only ImapSyntaxError (the URL parser never throws), what they
// accept is within the limits of src/limits.ts, and a URL they accept names one message by UID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { badUrlText, parseMessageUrl } from '../../src/imap/protocol/imap-url.ts';
import { parseAppendArguments } from '../../src/imap/protocol/append-arguments.ts';
import { parseSearchArguments } from '../../src/imap/protocol/search-keys.ts';
import { cancelupdate } from '../../src/imap/commands/cancelupdate.ts';
import type { ImapSession } from '../../src/imap/session/session.ts';
import type { ParsedCommand } from '../../src/imap/protocol/tokens.ts';
import { parseNotifyArguments } from '../../src/imap/protocol/notify-arguments.ts';
import { IMAP_COMPRESS_CHUNK_BYTES, IMAP_MAX_CATENATE_PARTS, IMAP_MAX_NOTIFY_GROUPS, IMAP_PREVIEW_MAX_CHARS } from '../../src/limits.ts';
import { fuzzOptions } from './options.ts';
import { argsOf, syntaxOnly } from './imap-arguments.ts';
import { duplexPair } from 'node:stream';
import zlib from 'node:zlib';
import { DeflateStream } from '../../src/imap/session/compression.ts';
import { parseFetchArguments } from '../../src/imap/protocol/fetch-attributes.ts';
import { previewText } from '../../src/imap/protocol/preview.ts';
import { parseStatusItems } from '../../src/imap/protocol/status-items.ts';
import type { SearchKey } from '../../src/imap/protocol/search-keys.ts';
import type { MimePart } from '../../src/mime/index.ts';



const URL_PIECES = ['imap://', 'user%40example.test', ';AUTH=*', '@', 'mail.example.test', ':143', '[::1]', '/', 'INBOX', 'a%2Fb',
  '%', '%zz', '%C3%A9', '%FF', ';UIDVALIDITY=', ';UID=', '/;UID=', '/;SECTION=', '/;PARTIAL=', ';URLAUTH=', ';EXPIRE=', '1', '0',
  '4294967295', '4294967296', '.', 'HEADER', 'HEADER.FIELDS%20(SUBJECT)', 'TEXT', 'MIME', '1.2', ']', ' ', '?', ';'];

test('fuzz: IMAP URLs parse or are refused, never throw; what parses names one message', () => {
  const url = fc.oneof(
    fc.array(fc.constantFrom(...URL_PIECES), { maxLength: 14 }).map((p) => p.join('')),
    fc.string({ maxLength: 60 }),
  );
  fc.assert(fc.property(url, (u) => {
    const parsed = parseMessageUrl(u);
    if (parsed) {
      assert.ok(parsed.uid >= 1 && parsed.uid <= 4294967295);
      assert.ok(parsed.mailbox.length > 0);
    }
    assert.doesNotMatch(badUrlText(u), /[\]\r\n]/);
  }), { ...fuzzOptions(), examples: [['/INBOX/;UID=1'], ['/a/b;UIDVALIDITY=5/;UID=3/;SECTION=1.MIME/;PARTIAL=0.10'], ['imap://@x/;UID=1'], ['/;UID=1'], ['/x/;UID=1/;SECTION=HEADER.FIELDS%20(']] });
});

const APPEND_TOKENS = ['CATENATE', '(', ')', 'TEXT', 'URL', '"/INBOX/;UID=1"', '{3+}\r\nabc', '{0+}\r\n', '"q"', '(\\Seen)',
  '"01-Jan-2020 00:00:00 +0000"', 'UTF8', '(~{2+}\r\nab)', 'NIL', ' '];

test('fuzz: APPEND with CATENATE parses or is BAD; its parts stay within IMAP_MAX_CATENATE_PARTS', () => {
  const line = fc.array(fc.constantFrom(...APPEND_TOKENS), { maxLength: 30 }).map((w) => 'a APPEND INBOX ' + w.join(' '));
  fc.assert(fc.property(line, (l) => {
    const r = argsOf(l);
    if (!r) return;
    const a = syntaxOnly(() => parseAppendArguments(r, false));
    if (!a) return;
    let parts = 0;
    for (const m of a.messages) {
      if (m.catenate) {
        assert.ok(m.catenate.length > 0);
        parts += m.catenate.length;
      }
    }
    assert.ok(parts <= IMAP_MAX_CATENATE_PARTS);
  }), { ...fuzzOptions(), examples: [['a APPEND INBOX CATENATE (URL "/INBOX/;UID=1" TEXT {1+}\r\nx) CATENATE (URL x)']] });
});

const RETURN_TOKENS = ['RETURN', '(', ')', 'PARTIAL', '1:1', '4:2', '0:3', '1:*', '*:1', '4294967295:1', '4294967296:1', '1', ':', 'UPDATE',
  'CONTEXT', 'MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'SEEN', '"x"', 'CANCELUPDATE', '{1+}\r\nx', ' '];

test('fuzz: SEARCH RETURN options and CANCELUPDATE parse or are BAD; PARTIAL is low ≤ high, never with ALL', () => {
  const words = fc.array(fc.constantFrom(...RETURN_TOKENS), { maxLength: 16 });
  fc.assert(fc.property(words, (w) => {
    const r = argsOf('a SEARCH ' + w.join(' '));
    if (r) {
      const parsed = syntaxOnly(() => parseSearchArguments(r));
      if (parsed?.partial) {
        assert.ok(parsed.partial.low >= 1 && parsed.partial.low <= parsed.partial.high && parsed.partial.high <= 4294967295);
        assert.ok(!parsed.returns!.includes('ALL'));
      }
    }
    const c = argsOf('a CANCELUPDATE ' + w.join(' '));
    if (c) {
      const tags = syntaxOnly(() => cancelupdate.parse(c, {} as ImapSession, {} as ParsedCommand));
      if (tags) assert.ok(tags.length > 0);
    }
  }), { ...fuzzOptions(), examples: [[['RETURN', '(PARTIAL', '4:2)', 'ALL']], [['RETURN', '(PARTIAL', '1:1', 'ALL)', 'ALL']]] });
});

const NOTIFY_TOKENS = ['SET', 'NONE', 'STATUS', '(', ')', 'selected', 'selected-delayed', 'inboxes', 'personal', 'subscribed', 'subtree',
  'mailboxes', 'INBOX', '"a b"', 'MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange', 'AnnotationChange',
  'XOther', '(UID FLAGS)', '(BODY[])', '(BODY.PEEK[HEADER])', '()', '{2+}\r\nab', ' '];

test('fuzz: NOTIFY parses or is BAD; what parses keeps RFC 5465\'s composition rules', () => {
  const words = fc.array(fc.constantFrom(...NOTIFY_TOKENS), { maxLength: 24 });
  fc.assert(fc.property(words, (w) => {
    const r = argsOf('a NOTIFY ' + w.join(' '));
    if (!r) return;
    const a = syntaxOnly(() => parseNotifyArguments(r, false));
    if (!a || a.kind === 'none') return;
    assert.ok(a.groups.length > 0 && a.groups.length <= IMAP_MAX_NOTIFY_GROUPS);
    const selected = a.groups.filter((g) => g.filter.startsWith('selected'));
    assert.ok(selected.length <= 1);
    for (const g of a.groups) {
      if (g.fetch) assert.ok(g.filter.startsWith('selected') && g.events.includes('MessageNew'));
      if (g.filter === 'subtree' || g.filter === 'mailboxes') assert.ok(g.mailboxes.length > 0);
    }
    for (const g of selected) assert.equal(g.events.includes('MessageNew'), g.events.includes('MessageExpunge'));
  }), { ...fuzzOptions(), examples: [[['SET', '(selected', '(MessageNew', '(UID FLAGS)', 'MessageExpunge))']], [['SET', 'STATUS', '(subtree', '(INBOX', '"a b")', 'NONE)']]] });
});

test('fuzz: COMPRESS input inflates to exactly what was deflated, or ends the stream with an error; nothing escapes', async () => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }).map((b) => ({ bytes: Buffer.from(b), plain: null as Buffer | null })),
    fc.uint8Array({ maxLength: 20_000 }).map((b) => ({ bytes: zlib.deflateRawSync(Buffer.from(b)), plain: Buffer.from(b) })),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 4000 }), fc.nat()).map(([b, cut]) => {
      const whole = zlib.deflateRawSync(Buffer.from(b));
      return { bytes: whole.subarray(0, cut % whole.length), plain: null as Buffer | null };
    }),
  );
  await fc.assert(fc.asyncProperty(input, async ({ bytes, plain }) => {
    const [client, server] = duplexPair();
    const stream = new DeflateStream(server);
    const got: Buffer[] = [];
    const ended = new Promise<'end' | 'error'>((resolve) => {
      stream.on('data', (d: Buffer) => got.push(d));
      stream.on('error', () => resolve('error'));
      stream.on('end', () => resolve('end'));
      stream.on('close', () => resolve('error'));
    });
    client.end(bytes);
    const how = await ended;
    if (plain && how === 'end') assert.deepEqual(Buffer.concat(got), plain);
    for (const d of got) assert.ok(d.length <= IMAP_COMPRESS_CHUNK_BYTES, 'inflated a chunk at a time');
    stream.destroy();
    client.destroy();
  }), fuzzOptions());
});

test('fuzz: FETCH PREVIEW modifiers parse or are BAD; preview text never throws and stays within 256 characters', () => {
  const words = fc.array(fc.constantFrom('PREVIEW', '(LAZY)', '(lazy)', '(EAGER)', '()', '(LAZY LAZY)', 'UID', 'FLAGS', '(', ')', ' '), { maxLength: 10 });
  fc.assert(fc.property(words, (w) => {
    const r = argsOf('a FETCH 1 (' + w.join(' ') + ')');
    if (r) syntaxOnly(() => parseFetchArguments(r));
  }), fuzzOptions());
  const part = (subtype: string, encoding: string | null, charset: string | null): MimePart => ({
    headerStart: 0, bodyStart: 0, end: 0, lines: 0, type: 'text', subtype, params: charset ? [['charset', charset]] : [], id: null,
    description: null, encoding, md5: null, disposition: null, language: null, location: null, children: [], message: null,
  });
  fc.assert(fc.property(fc.constantFrom('plain', 'html'), fc.constantFrom(null, 'base64', 'quoted-printable', '8bit', 'x-bogus'),
    fc.constantFrom(null, 'utf-8', 'iso-8859-1', 'x-unknown'), fc.uint8Array({ maxLength: 9000 }), (sub, enc, cs, bytes) => {
      const text = previewText(part(sub, enc, cs), Buffer.from(bytes));
      assert.ok([...text].length <= IMAP_PREVIEW_MAX_CHARS);
      assert.doesNotMatch(text, /[\r\n\t]|  /);
    }), fuzzOptions());
});

const OBJECT_TOKENS = ['SAVEDATE', 'EMAILID', 'THREADID', 'MAILBOXID', 'SAVEDBEFORE', 'SAVEDON', 'SAVEDSINCE', 'SAVEDATESUPPORTED',
  'E0af39', '"T_-x"', 'M' + 'a'.repeat(254), 'E' + 'b'.repeat(255), '""', '"a b"', 'NIL', '{3}\r\nE12', '{0}\r\n', '1-Feb-2026',
  '31-Feb-2026', 'x-Feb-2026', 'NOT', 'OR', 'ALL', 'UID', 'FLAGS', 'MESSAGES', '(', ')', '1:*', '*', 'é', '%'];

/** Every objectid a parsed SEARCH tree asks for. */
function objectIds(k: SearchKey): string[] {
  switch (k.op) {
    case 'emailid': case 'threadid': return [k.id];
    case 'not': return objectIds(k.key);
    case 'or': return [...objectIds(k.a), ...objectIds(k.b)];
    case 'and': return k.keys.flatMap(objectIds);
    default: return [];
  }
}

test('fuzz: SAVEDATE and OBJECTID FETCH items, SEARCH keys and STATUS items parse or are BAD; objectids fit RFC 8474', () => {
  const words = fc.array(fc.constantFrom(...OBJECT_TOKENS), { minLength: 1, maxLength: 12 }).map((w) => w.join(' '));
  fc.assert(fc.property(words, (w) => {
    const fetch = argsOf('a FETCH 1 (' + w + ')');
    if (fetch) syntaxOnly(() => parseFetchArguments(fetch));
    const search = argsOf('a SEARCH ' + w);
    const parsed = search ? syntaxOnly(() => parseSearchArguments(search)) : null;
    if (parsed) for (const id of objectIds(parsed.key)) assert.match(id, /^[A-Za-z0-9_-]{1,255}$/);
    const status = argsOf('a STATUS (' + w + ')');
    if (status) syntaxOnly(() => parseStatusItems(status.list('status items')));
  }), { ...fuzzOptions(), examples: [['EMAILID'], ['EMAILID ""'], ['THREADID "a b"'], ['SAVEDSINCE 31-Feb-2026'], ['OR EMAILID E0af39 SAVEDATESUPPORTED']] });
});
