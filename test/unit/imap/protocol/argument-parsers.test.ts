import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer } from '../../../../src/imap/protocol/command-framer.ts';
import { ImapSyntaxError, parseCommand } from '../../../../src/imap/protocol/tokens.ts';
import { ArgumentReader } from '../../../../src/imap/protocol/argument-reader.ts';
import { parseFetchArguments, fetchSetsSeen } from '../../../../src/imap/protocol/fetch-attributes.ts';
import { parseSearchArguments } from '../../../../src/imap/protocol/search-keys.ts';
import { parseStoreArguments } from '../../../../src/imap/protocol/store-arguments.ts';
import { parseListArguments } from '../../../../src/imap/protocol/list-arguments.ts';
import { UNDECODABLE_NAME } from '../../../../src/imap/protocol/mailbox-name-encoding.ts';
import { parseAppendArguments } from '../../../../src/imap/protocol/append-arguments.ts';
import { parseSelectArguments } from '../../../../src/imap/protocol/select-parameters.ts';
import { parseDateTime, formatDateTime, parseSearchDate } from '../../../../src/imap/protocol/dates.ts';
import { mailboxNameProblem } from '../../../../src/imap/protocol/mailbox-names.ts';
import { parseStatusItems } from '../../../../src/imap/protocol/status-items.ts';

function args(line: string, literals: string[] = []): ArgumentReader {
  const f = new CommandFramer();
  let wire = line;
  for (const l of literals) wire = wire.replace('{}', `{${Buffer.byteLength(l)}+}\r\n${l}`);
  f.push(Buffer.from(wire + '\r\n'));
  const r = f.next();
  if (r.kind !== 'command') throw new Error('not a command: ' + r.kind);
  return new ArgumentReader(parseCommand(r.command).args);
}

test('FETCH: items, macros, sections, partials, modifiers', () => {
  const a = parseFetchArguments(args('a FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To)])'));
  assert.equal(a.items.length, 4);
  const s = a.items[3]!;
  assert.equal(s.kind, 'section');
  if (s.kind === 'section') {
    assert.deepEqual(s.section, { part: [], spec: 'HEADER.FIELDS', fields: ['From', 'To'] });
    assert.equal(s.peek, true);
    assert.equal(s.label, 'BODY[HEADER.FIELDS (From To)]');
  }
  assert.equal(fetchSetsSeen(a.items), false);
  const b = parseFetchArguments(args('a FETCH 2 body[1.2.mime]<10.20>'));
  const bi = b.items[0]!;
  assert.ok(bi.kind === 'section' && bi.label === 'BODY[1.2.MIME]<10>' && bi.partial?.length === 20);
  assert.equal(fetchSetsSeen(b.items), true);
  assert.equal(parseFetchArguments(args('a FETCH 1 FULL')).items.length, 5);
  const c = parseFetchArguments(args('a FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)'));
  assert.equal(c.changedSince, 12345);
  assert.equal(c.vanished, true);
  for (const bad of ['a FETCH 1 (BODY[0])', 'a FETCH 1 BODY[MIME]', 'a FETCH 1 BODY[1.]', 'a FETCH 1 (FOO)', 'a FETCH 1 BODY[]<1.0>', 'a FETCH 1 (FLAGS) (VANISHED)', 'a FETCH 0 FLAGS', 'a FETCH 1 ()', 'a FETCH 1 BODY[HEADER.FIELDS ()]']) {
    assert.throws(() => parseFetchArguments(args(bad)), ImapSyntaxError, bad);
  }
});

test('SEARCH: every RFC 3501 key parses', () => {
  const all = 'ALL ANSWERED BCC x BEFORE 1-Feb-1994 BODY y CC z DELETED DRAFT FLAGGED FROM "a b" HEADER X-Tag t KEYWORD Old LARGER 10 NEW NOT SEEN OLD ON 2-Mar-2020 OR SEEN UNSEEN RECENT SEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SINCE 1-Jan-2000 SMALLER 5 SUBJECT s TEXT t TO u UID 1:* UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD k UNSEEN 1,2:4 (SEEN FLAGGED) MODSEQ "/flags/\\\\Seen" all 5';
  const a = parseSearchArguments(args('a SEARCH ' + all));
  assert.equal(a.key.op, 'and');
  if (a.key.op === 'and') assert.equal(a.key.keys.length, 38);
  const e = parseSearchArguments(args('a SEARCH RETURN (MIN COUNT) CHARSET UTF-8 TEXT {}', ['zürich']));
  assert.deepEqual(e.returns, ['MIN', 'COUNT']);
  assert.equal(e.charset, 'UTF-8');
  assert.deepEqual(e.key, { op: 'text', value: 'zürich' });
  assert.deepEqual(parseSearchArguments(args('a SEARCH RETURN () ALL')).returns, ['ALL']);
  for (const bad of ['a SEARCH', 'a SEARCH FOO', 'a SEARCH BEFORE 31-Feb-2020', 'a SEARCH OR SEEN', 'a SEARCH RETURN (BAR) ALL', 'a SEARCH LARGER x', 'a SEARCH HEADER "a:b" c']) {
    assert.throws(() => parseSearchArguments(args(bad)), ImapSyntaxError, bad);
  }
});

test('SAVEDATE (RFC 8514) and OBJECTID (RFC 8474): FETCH items, SEARCH keys, STATUS item', () => {
  const f = parseFetchArguments(args('a FETCH 1 (SAVEDATE emailid ThreadId)'));
  assert.deepEqual(f.items, [{ kind: 'simple', name: 'SAVEDATE' }, { kind: 'simple', name: 'EMAILID' }, { kind: 'simple', name: 'THREADID' }]);
  const day = parseSearchDate('1-Feb-2026');
  const s = parseSearchArguments(args('a SEARCH SAVEDBEFORE 1-Feb-2026 SAVEDON 1-Feb-2026 savedsince 1-Feb-2026 SAVEDATESUPPORTED EMAILID E0a_-Z THREADID "T1"'));
  assert.deepEqual(s.key, { op: 'and', keys: [
    { op: 'savedate', cmp: 'before', day }, { op: 'savedate', cmp: 'on', day }, { op: 'savedate', cmp: 'since', day },
    { op: 'all' }, { op: 'emailid', id: 'E0a_-Z' }, { op: 'threadid', id: 'T1' }] });
  for (const bad of ['EMAILID', 'EMAILID ""', 'EMAILID "a b"', `EMAILID ${'x'.repeat(256)}`, 'THREADID "é"', 'SAVEDSINCE 31-Feb-2026', 'SAVEDON']) {
    assert.throws(() => parseSearchArguments(args(`a SEARCH ${bad}`)), ImapSyntaxError, bad);
  }
  assert.deepEqual(parseStatusItems(args('a X (MESSAGES MAILBOXID mailboxid)').list('items')), ['MESSAGES', 'MAILBOXID']);
});

test('STORE: modes, silent, unchangedsince, bare flags', () => {
  assert.deepEqual(parseStoreArguments(args('a STORE 1:3 +FLAGS.SILENT (\\seen Old)')), { set: { saved: false, ranges: [[1, 3]] }, unchangedSince: null, mode: 'add', silent: true, flags: ['\\Seen', 'Old'] });
  const s = parseStoreArguments(args('a STORE 1 (UNCHANGEDSINCE 7) -FLAGS \\Deleted'));
  assert.equal(s.unchangedSince, 7);
  assert.equal(s.mode, 'remove');
  for (const bad of ['a STORE 1 FLAGS (\\Recent)', 'a STORE 1 FLAGS (\\Foo)', 'a STORE 1 XFLAGS (a)', 'a STORE 1 +FLAGS (a%b)']) {
    assert.throws(() => parseStoreArguments(args(bad)), ImapSyntaxError, bad);
  }
});

test('LIST: basic, extended, and modified UTF-7 patterns', () => {
  const b = parseListArguments(args('a LIST "" *'), false);
  assert.equal(b.extended, false);
  assert.deepEqual(b.patterns, ['*']);
  const x = parseListArguments(args('a LIST (SUBSCRIBED) "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))'), false);
  assert.ok(x.extended && x.selectSubscribed && x.returnSpecialUse);
  assert.deepEqual(x.returnStatus, ['MESSAGES', 'UNSEEN']);
  assert.deepEqual(parseListArguments(args('a LIST "" ("INBOX" Entw&APw-rfe)'), false).patterns, ['INBOX', 'Entwürfe']);
  // Not modified UTF-7: a pattern no stored name can match (RFC 3501 §5.1.3), not a syntax error.
  assert.ok(parseListArguments(args('a LIST "" &Jjo'), false).patterns[0]!.startsWith(UNDECODABLE_NAME));
  assert.throws(() => parseListArguments(args('a LIST (RECURSIVEMATCH) "" *'), false), ImapSyntaxError);
});

test('APPEND: flags, date, literal, UTF8 literal, multiappend', () => {
  const a = parseAppendArguments(args('a APPEND Sent (\\Seen) " 7-Feb-1994 21:52:25 -0800" {} {}', ['Subject: x\r\n\r\nhi', 'm2']), false);
  assert.equal(a.mailbox, 'Sent');
  assert.equal(a.messages.length, 2);
  assert.deepEqual(a.messages[0]!.flags, ['\\Seen']);
  assert.equal(a.messages[0]!.internalDate, Date.UTC(1994, 1, 8, 5, 52, 25));
  assert.equal(a.messages[1]!.content.toString(), 'm2');
  const u = parseAppendArguments(args('a APPEND inbox UTF8 ({})', ['x']), true);
  assert.equal(u.mailbox, 'INBOX');
  assert.equal(u.messages[0]!.content.toString(), 'x');
  assert.throws(() => parseAppendArguments(args('a APPEND x "not a literal"'), false), ImapSyntaxError);
});

test('SELECT parameters: CONDSTORE and QRESYNC', () => {
  const s = parseSelectArguments(args('a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1,3 41,43)))'), false);
  assert.equal(s.qresync?.uidValidity, 67890007);
  assert.equal(s.qresync?.modseq, Number.MAX_SAFE_INTEGER);
  assert.ok(s.qresync?.knownUids && s.qresync.seqMatch);
  assert.equal(parseSelectArguments(args('a SELECT INBOX (CONDSTORE)'), false).condstore, true);
});

test('dates round trip and impossible dates are refused', () => {
  assert.equal(formatDateTime(parseDateTime('17-Jul-1996 02:44:25 -0700')), '"17-Jul-1996 09:44:25 +0000"');
  assert.equal(parseSearchDate('1-feb-1994'), Date.UTC(1994, 1, 1));
  assert.throws(() => parseSearchDate('30-Feb-2000'));
  fc.assert(fc.property(fc.integer({ min: 0, max: 4102444800 }), (sec) => assert.equal(parseDateTime(formatDateTime(sec * 1000).slice(1, -1)), sec * 1000)));
});

test('mailbox names: empty, .., wildcards, empty levels refused', () => {
  for (const bad of ['', 'a/../b', '..', 'a%', 'a*b', 'a//b', '/a', 'a/', 'x\u0001']) assert.ok(mailboxNameProblem(bad), bad);
  for (const ok of ['INBOX', 'Archive/2024', 'Entwürfe', 'a.b']) assert.equal(mailboxNameProblem(ok), null, ok);
});

test('property: argument parsers throw only ImapSyntaxError on random commands', () => {
  const words = ['1', '*', '1:*', '$', '(', ')', 'FLAGS', 'BODY[', ']', 'HEADER.FIELDS', 'OR', 'NOT', 'UID', 'RETURN', 'CHARSET', '"x"', 'MODSEQ', '+FLAGS', '\\Seen', 'UNCHANGEDSINCE', '5', 'INBOX', 'SUBSCRIBED', 'STATUS', 'MESSAGES', '<0.5>', 'QRESYNC', 'CONDSTORE', '1-Jan-2000'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words), { maxLength: 12 }), fc.constantFrom('FETCH', 'SEARCH', 'STORE', 'LIST', 'APPEND', 'SELECT'), (ws, cmd) => {
      let r: ArgumentReader;
      try {
        r = args(`a ${cmd} ${ws.join(' ')}`.trimEnd());
      } catch (e) {
        if (e instanceof ImapSyntaxError) return;
        throw e;
      }
      try {
        if (cmd === 'FETCH') parseFetchArguments(r);
        else if (cmd === 'SEARCH') parseSearchArguments(r);
        else if (cmd === 'STORE') parseStoreArguments(r);
        else if (cmd === 'LIST') parseListArguments(r, false);
        else if (cmd === 'APPEND') parseAppendArguments(r, false);
        else parseSelectArguments(r, false);
      } catch (e) {
        assert.ok(e instanceof ImapSyntaxError, String(e));
      }
    }),
    { numRuns: 3000 },
  );
});
