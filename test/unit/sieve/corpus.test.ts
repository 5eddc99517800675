// The Sieve corpus: for each command, test and extension a script, a message and the actions
// expected (modelled on the RFC examples, our own cases), and the error cases with the line and
// column the compiler must name. Runs the real compiler and interpreter; no store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileScript, type CompiledScript } from '../../../src/sieve/compile.ts';
import { runSieve, type SieveAction, type SieveInput } from '../../../src/sieve/interpreter.ts';
import { SieveMessage } from '../../../src/sieve/message.ts';
import { SieveRuntimeError } from '../../../src/sieve/errors.ts';
import { SIEVE_EXTENSIONS } from '../../../src/sieve/capabilities.ts';
import { SIEVE_MAX_ACTIONS, SIEVE_MAX_NESTING, SIEVE_MAX_SCRIPT_BYTES } from '../../../src/limits.ts';

// The extensions the scripts that run in this file require: at the end every advertised one must be
// among them, so CAPABILITY never lists an extension no case exercises.
const exercised = new Set<string>();
function compile(text: string): CompiledScript {
  const script = compileScript(text);
  for (const ext of script.extensions) exercised.add(ext);
  return script;
}

const MESSAGE = [
  'Return-Path: <alice@example.org>',
  'Received: from mx.example.org by mail.example.com; Tue, 1 Dec 2026 09:00:00 +0000',
  'From: Alice Example <alice@example.org>',
  'To: Bob <bob+lists@example.com>, carol@example.net',
  'Cc: "Team" <team@example.com>',
  'Subject: [acme-users] [fwd] version 1.0 is out',
  'Date: Tue, 1 Dec 2026 10:30:15 +0100',
  'Message-ID: <m1@example.org>',
  'X-Spam-Score: 7',
  'X-Encoded: =?UTF-8?B?w6ljb2xl?=',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'The release is =C3=A9tonnante: see the notes.',
  '--b',
  'Content-Type: text/html',
  '',
  '<p>The <b>release</b> notes</p>',
  '--b--',
  '',
].join('\r\n');

interface Case { name: string; script: string; expect: SieveAction[] | 'runtime-error'; message?: string; envelope?: { from: string; to: string }; seen?: string[]; mailboxes?: string[] }

const keep = (flags: string[] = []): SieveAction => ({ type: 'keep', flags });
const fileinto = (mailbox: string, flags: string[] = [], create = false): SieveAction => ({ type: 'fileinto', mailbox, create, flags });

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

async function run(script: CompiledScript, c: Partial<Case>, includes?: SieveInput['includes']) {
  return runSieve(script, {
    message: new SieveMessage(Buffer.from(c.message ?? MESSAGE)),
    envelope: c.envelope ?? { from: 'alice@example.org', to: 'bob+lists@example.com' },
    userAddresses: ['bob@example.com'],
    environment: { domain: 'example.com', host: 'mail.example.com', location: 'MDA', name: 'Postern', phase: 'during', 'remote-ip': '192.0.2.1', version: '0.1.0' },
    now: NOW, zoneMinutes: 0, includes,
    hooks: { mailboxExists: async (n) => (c.mailboxes ?? ['INBOX', 'Junk']).includes(n), duplicateSeen: async (k) => (c.seen ?? []).includes(k) },
  });
}

const CASES: Case[] = [
  { name: 'an empty script keeps (implicit keep)', script: '', expect: [keep()] },
  { name: 'keep', script: 'keep;', expect: [keep()] },
  { name: 'discard cancels the implicit keep', script: 'discard;', expect: [{ type: 'discard' }] },
  { name: 'stop ends the script', script: 'require "fileinto"; stop; fileinto "X";', expect: [keep()] },
  { name: 'fileinto cancels the implicit keep', script: 'require "fileinto"; fileinto "Lists";', expect: [fileinto('Lists')] },
  { name: 'fileinto :copy keeps too (RFC 3894)', script: 'require ["fileinto", "copy"]; fileinto :copy "Lists";', expect: [fileinto('Lists'), keep()] },
  { name: 'fileinto :create (RFC 5490)', script: 'require ["fileinto", "mailbox"]; fileinto :create "New/Box";', expect: [fileinto('New/Box', [], true)] },
  { name: 'the same fileinto twice is done once', script: 'require "fileinto"; fileinto "A"; fileinto "A";', expect: [fileinto('A')] },
  { name: 'redirect', script: 'redirect "carol@example.net";', expect: [{ type: 'redirect', address: 'carol@example.net' }] },
  { name: 'redirect :copy keeps', script: 'require "copy"; redirect :copy "<carol@example.net>";', expect: [{ type: 'redirect', address: 'carol@example.net' }, keep()] },
  { name: 'reject (RFC 5429)', script: 'require "reject"; reject "go away";', expect: [{ type: 'reject', reason: 'go away', extended: false }] },
  { name: 'ereject', script: 'require "ereject"; ereject "no";', expect: [{ type: 'reject', reason: 'no', extended: true }] },
  { name: 'reject with fileinto is a run-time error', script: 'require ["reject", "fileinto"]; fileinto "A"; reject "no";', expect: 'runtime-error' },
  { name: 'if/elsif/else takes one branch', script: 'require "fileinto"; if false { fileinto "A"; } elsif true { fileinto "B"; } else { fileinto "C"; }', expect: [fileinto('B')] },
  { name: 'else runs when no branch matched', script: 'require "fileinto"; if false { fileinto "A"; } else { fileinto "C"; }', expect: [fileinto('C')] },
  { name: 'header :is is case-insensitive by default', script: 'require "fileinto"; if header :is "subject" "[ACME-USERS] [FWD] VERSION 1.0 IS OUT" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'header :contains', script: 'require "fileinto"; if header :contains ["x-foo", "Subject"] "version" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'header :comparator i;octet is case-sensitive', script: 'require "fileinto"; if header :comparator "i;octet" :contains "subject" "VERSION" { fileinto "A"; }', expect: [keep()] },
  { name: 'header values are RFC 2047-decoded', script: 'require "fileinto"; if header :is "x-encoded" "école" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'header :matches with wildcards', script: 'require "fileinto"; if header :matches "subject" "*version ?.0*" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'address :all, :localpart, :domain', script: 'require "fileinto"; if allof (address :all "from" "alice@example.org", address :localpart "from" "alice", address :domain "to" "example.net") { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'address :is compares each address of the field', script: 'require "fileinto"; if address :is "to" "carol@example.net" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'exists needs every field', script: 'require "fileinto"; if exists ["from", "date"] { fileinto "A"; } if exists ["from", "x-nope"] { fileinto "B"; }', expect: [fileinto('A')] },
  { name: 'size :over and :under with a quantifier', script: 'require "fileinto"; if size :under 1K { fileinto "Small"; } if size :over 1M { fileinto "Big"; }', expect: [fileinto('Small')] },
  { name: 'not, anyof', script: 'require "fileinto"; if not anyof (false, header :is "subject" "x") { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'envelope from/to (RFC 5228 §5.4)', script: 'require ["envelope", "fileinto"]; if envelope :domain "from" "example.org" { if envelope :localpart "to" "bob+lists" { fileinto "A"; } }', expect: [fileinto('A')] },
  { name: 'envelope of the null sender is ""', script: 'require ["envelope", "fileinto"]; if envelope :is "from" "" { fileinto "Bounces"; }', envelope: { from: '', to: 'bob@example.com' }, expect: [fileinto('Bounces')] },
  { name: 'subaddress :user and :detail (RFC 5233)', script: 'require ["envelope", "subaddress", "fileinto"]; if envelope :detail "to" "lists" { if envelope :user "to" "bob" { fileinto "Lists"; } }', expect: [fileinto('Lists')] },
  { name: ':detail of an address without "+" does not match', script: 'require ["subaddress", "fileinto"]; if address :detail "from" "" { fileinto "A"; }', expect: [keep()] },
  { name: 'relational :value on a header (RFC 5231)', script: 'require ["relational", "comparator-i;ascii-numeric", "fileinto"]; if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "5" { fileinto "Junk"; }', expect: [fileinto('Junk')] },
  { name: 'relational :count', script: 'require ["relational", "comparator-i;ascii-numeric", "fileinto"]; if address :count "eq" :comparator "i;ascii-numeric" "to" "2" { fileinto "Two"; }', expect: [fileinto('Two')] },
  { name: 'regex with groups sets match variables', script: 'require ["regex", "variables", "fileinto"]; if header :regex "subject" "^\\\\[([a-z-]+)\\\\]" { fileinto "lists/${1}"; }', expect: [fileinto('lists/acme-users')] },
  { name: 'regex alternation and classes', script: 'require ["regex", "fileinto"]; if header :regex "subject" "(beta|version) [[:digit:]]+\\\\.[0-9]{1,2}" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'body :contains over decoded text (RFC 5173)', script: 'require ["body", "fileinto"]; if body :contains "étonnante" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'body :content "text/html"', script: 'require ["body", "fileinto"]; if body :content "text/html" :contains "<b>release</b>" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'body :raw sees the encoding', script: 'require ["body", "fileinto"]; if body :raw :contains "=C3=A9" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'variables: set, modifiers, :matches captures (RFC 5229)', script: 'require ["variables", "fileinto"]; if header :matches "Subject" "[*] *" { set :upperfirst "list" "${1}"; set :length "n" "${2}"; fileinto "${list}-${n}"; }', expect: [fileinto('Acme-users-24')] },
  { name: 'variables: string test', script: 'require ["variables", "fileinto"]; set "a" "hello"; if string :is "${a}" "hello" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'variables: string :count counts the non-empty strings (RFC 5229 §5)', script: 'require ["variables", "relational", "comparator-i;ascii-numeric", "fileinto"]; set "empty" ""; if string :count "eq" :comparator "i;ascii-numeric" ["a", "${empty}", ""] "1" { fileinto "One"; }', expect: [fileinto('One')] },
  { name: 'variables: unknown variable is empty, bad syntax stays', script: 'require ["variables", "fileinto"]; fileinto "x${nope}y${1a}";', expect: [fileinto('xy${1a}')] },
  { name: 'imap4flags: setflag, addflag, removeflag, implicit keep uses them (RFC 5232)', script: 'require "imap4flags"; setflag "\\\\Seen"; addflag ["\\\\Flagged", "work"]; removeflag "\\\\Seen";', expect: [keep(['\\Flagged', 'work'])] },
  { name: 'imap4flags: :flags on fileinto and hasflag', script: 'require ["imap4flags", "fileinto"]; addflag "a"; if hasflag :is "a" { fileinto :flags "b c" "F"; }', expect: [fileinto('F', ['b', 'c'])] },
  { name: 'imap4flags: flags in a variable', script: 'require ["imap4flags", "variables", "fileinto"]; addflag "v" "x"; if hasflag "v" "x" { fileinto :flags "${v}" "F"; }', expect: [fileinto('F', ['x'])] },
  { name: 'date :originalzone hour (RFC 5260)', script: 'require ["date", "fileinto"]; if date :originalzone "date" "hour" "10" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'date in UTC by :zone', script: 'require ["date", "fileinto"]; if date :zone "+0000" "date" "time" "09:30:15" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'date of Received (after the ";")', script: 'require ["date", "fileinto"]; if date :zone "+0000" "received" "date" "2026-12-01" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'currentdate with relational', script: 'require ["date", "relational", "fileinto"]; if currentdate :value "ge" "date" "2026-01-01" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'index :last (RFC 5260 §6)', script: 'require ["index", "fileinto"]; if header :index 1 :last :contains "received" "example.org" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'encoded-character (RFC 5228 §2.4.2.4)', script: 'require ["encoded-character", "fileinto"]; fileinto "${hex:41 42}${unicode:e9}";', expect: [fileinto('ABé')] },
  { name: 'environment (RFC 5183)', script: 'require ["environment", "fileinto"]; if environment :is "remote-ip" "192.0.2.1" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'unknown environment item is false', script: 'require ["environment", "fileinto"]; if environment :is "nope" "" { fileinto "A"; }', expect: [keep()] },
  { name: 'duplicate, first time', script: 'require ["duplicate", "fileinto"]; if duplicate { fileinto "Dup"; }', expect: [keep()] },
  { name: 'mailboxexists', script: 'require ["mailbox", "fileinto"]; if mailboxexists "Junk" { fileinto "Junk"; } if mailboxexists "Nope" { fileinto "Nope"; }', expect: [fileinto('Junk')] },
  { name: 'multi-line strings with dot-stuffing', script: 'require "reject";\nreject text:\nline one\n..dotted\n.\n;', expect: [{ type: 'reject', reason: 'line one\r\n.dotted\r\n', extended: false }] },
  { name: 'comments of both kinds', script: '# hash\n/* bracket\n comment */ keep; # end', expect: [keep()] },
  { name: 'too many redirects is a run-time error', script: 'redirect "a@x.org"; redirect "b@x.org"; redirect "c@x.org"; redirect "d@x.org"; redirect "e@x.org";', expect: 'runtime-error' },
  { name: 'fileinto with an empty name from a variable is a run-time error', script: 'require ["variables", "fileinto"]; fileinto "${empty}";', expect: 'runtime-error' },
  { name: 'a missing include is a run-time error', script: 'require "include"; include "nope";', expect: 'runtime-error' },
  { name: 'include :optional of a missing script is nothing', script: 'require "include"; include :optional "nope";', expect: [keep()] },
  { name: 'keep :flags (RFC 5232 §5)', script: 'require "imap4flags"; addflag "a"; keep :flags "\\\\Seen";', expect: [keep(['\\Seen'])] },
  { name: 'hasflag :count with relational', script: 'require ["imap4flags", "relational", "comparator-i;ascii-numeric", "fileinto"]; addflag ["a", "b", "A"]; if hasflag :count "eq" :comparator "i;ascii-numeric" "2" { fileinto "Two"; }', expect: [fileinto('Two', ['a', 'b'])] },
  { name: 'require "comparator-i;octet" and "comparator-i;ascii-casemap" are accepted and behave as built in', script: 'require ["comparator-i;octet", "comparator-i;ascii-casemap", "fileinto"]; if allof (header :comparator "i;ascii-casemap" :contains "subject" "VERSION", not header :comparator "i;octet" :contains "subject" "VERSION") { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'i;ascii-numeric :is compares numbers, not text', script: 'require ["comparator-i;ascii-numeric", "fileinto"]; if header :is :comparator "i;ascii-numeric" "x-spam-score" "007" { fileinto "A"; }', expect: [fileinto('A')] },
  { name: 'mailbox: fileinto :create of a folder that does not exist yet', script: 'require ["fileinto", "mailbox"]; if not mailboxexists "Archive/2026" { fileinto :create "Archive/2026"; }', expect: [fileinto('Archive/2026', [], true)] },
  { name: 'redirect :copy twice to one address is done once (RFC 5228 §2.10.3)', script: 'require "copy"; redirect :copy "carol@example.net"; redirect :copy "Carol@Example.net";', expect: [{ type: 'redirect', address: 'carol@example.net' }, keep()] },
  { name: 'discard then keep: keep wins back the message', script: 'discard; keep;', expect: [{ type: 'discard' }, keep()] },
  { name: 'reject with vacation is a run-time error (RFC 5429 §2.1)', script: 'require ["reject", "vacation"]; vacation "away"; reject "no";', envelope: { from: 'alice@example.org', to: 'bob@example.com' }, message: 'From: alice@example.org\r\nTo: bob@example.com\r\n\r\n', expect: 'runtime-error' },
  { name: `more than ${SIEVE_MAX_ACTIONS} actions is a run-time error`, script: `require "fileinto"; ${Array.from({ length: SIEVE_MAX_ACTIONS + 1 }, (_, i) => `fileinto "F${i}";`).join(' ')}`, expect: 'runtime-error' },
  { name: `${SIEVE_MAX_ACTIONS} actions are allowed`, script: `require ["fileinto", "copy"]; ${Array.from({ length: SIEVE_MAX_ACTIONS - 1 }, (_, i) => `fileinto :copy "F${i}";`).join(' ')}`, expect: [...Array.from({ length: SIEVE_MAX_ACTIONS - 1 }, (_, i) => fileinto(`F${i}`)), keep()] },
];

for (const c of CASES) {
  test(`sieve: ${c.name}`, async () => {
    const script = compile(c.script);
    if (c.expect === 'runtime-error') {
      await assert.rejects(run(script, c), SieveRuntimeError);
      return;
    }
    const result = await run(script, c);
    assert.deepEqual(result.actions, c.expect);
  });
}

test('sieve: duplicate is true once the id was recorded (RFC 7352)', async () => {
  const script = compile('require ["duplicate", "fileinto"]; if duplicate :seconds 3600 { fileinto "Dup"; }');
  const first = await run(script, {});
  assert.equal(first.duplicates.length, 1);
  assert.equal(first.duplicates[0]!.seconds, 3600);
  const second = await run(script, { seen: [first.duplicates[0]!.key] });
  assert.deepEqual(second.actions, [fileinto('Dup')]);
  assert.equal(second.duplicates[0]!.refresh, false, 'without :last a repeat does not extend the expiry');
});

test('sieve: include runs the other script; global variables are shared; return ends it (RFC 6609)', async () => {
  const lib = compile('require ["include", "variables", "fileinto"]; global "box"; fileinto "${box}"; return; fileinto "Never";');
  const main = compile('require ["include", "variables"]; global "box"; set "box" "FromMain"; include :personal "lib"; include :once :personal "lib"; keep;');
  assert.deepEqual(main.includes.map((i) => i.name), ['lib', 'lib']);
  const result = await run(main, {}, { personal: new Map([['lib', lib]]), global: new Map() });
  assert.deepEqual(result.actions, [fileinto('FromMain'), keep()]);
});

test('sieve: vacation replies to a person and skips list mail (RFC 5230)', async () => {
  const script = compile('require "vacation"; vacation :days 3 :subject "Away" "I am away.";');
  const toBob = 'From: alice@example.org\r\nTo: bob@example.com\r\nSubject: Hi\r\nMessage-ID: <a@b>\r\n\r\nhi\r\n';
  const result = await run(script, { message: toBob, envelope: { from: 'alice@example.org', to: 'bob@example.com' } });
  const v = result.actions.find((a) => a.type === 'vacation');
  assert.ok(v && v.type === 'vacation');
  assert.equal(v.to, 'alice@example.org');
  assert.equal(v.seconds, 3 * 86400);
  assert.equal(v.subject, 'Away');
  assert.equal(v.inReplyTo, '<a@b>');
  assert.deepEqual(result.actions.filter((a) => a.type === 'keep'), [keep()], 'vacation keeps the message');
  // Each case differs from toBob in one way only, and the note names that reason.
  for (const [label, message, from, why] of [
    ['list (List-Id)', toBob.replace('Subject', 'List-Id: <acme-users.lists.example.org>\r\nSubject'), 'alice@example.org', /list-id present/],
    ['list (List-Unsubscribe)', toBob.replace('Subject', 'List-Unsubscribe: <mailto:leave@example.org>\r\nSubject'), 'alice@example.org', /list-unsubscribe present/],
    ['Precedence: bulk', toBob.replace('Subject', 'Precedence: bulk\r\nSubject'), 'alice@example.org', /Precedence: bulk/],
    ['Precedence: list', toBob.replace('Subject', 'Precedence: list\r\nSubject'), 'alice@example.org', /Precedence: list/],
    ['Precedence: junk', toBob.replace('Subject', 'Precedence: Junk\r\nSubject'), 'alice@example.org', /Precedence: junk/],
    ['Auto-Submitted: auto-generated', toBob.replace('Subject', 'Auto-Submitted: auto-generated\r\nSubject'), 'alice@example.org', /Auto-Submitted/],
    ['Auto-Submitted: auto-replied', toBob.replace('Subject', 'Auto-Submitted: auto-replied; owner-email="x@y"\r\nSubject'), 'alice@example.org', /Auto-Submitted/],
    ['null sender', toBob, '', /null sender/],
    ['MAILER-DAEMON', toBob, 'MAILER-DAEMON@example.org', /mail robot/],
    ['owner- sender', toBob, 'owner-acme@example.org', /mail robot/],
    ['-request sender', toBob, 'acme-request@example.org', /mail robot/],
    ['not addressed to the user', toBob.replace('To: bob@example.com', 'To: someone@else.org'), 'alice@example.org', /none of the user's addresses/],
  ] as const) {
    const r = await run(script, { message, envelope: { from, to: 'bob@example.com' } });
    assert.ok(!r.actions.some((a) => a.type === 'vacation'), `no reply to ${label}`);
    assert.deepEqual(r.actions, [keep()], `${label}: the message is still kept`);
    assert.equal(r.notes.length, 1, label);
    assert.match(r.notes[0]!, why, label);
  }
  const cc = await run(script, { message: toBob.replace('To: bob@example.com', 'To: team@example.org\r\nCc: Bob <BOB@example.com>'), envelope: { from: 'alice@example.org', to: 'bob@example.com' } });
  assert.ok(cc.actions.some((a) => a.type === 'vacation'), 'the user named in Cc (in any case) gets a reply sent');
  const autoNo = await run(script, { message: toBob.replace('Subject', 'Auto-Submitted: no\r\nSubject'), envelope: { from: 'alice@example.org', to: 'bob@example.com' } });
  assert.ok(autoNo.actions.some((a) => a.type === 'vacation'), 'Auto-Submitted: no is a person');
});

test('sieve: vacation :seconds (RFC 6131) needs vacation-seconds and has a floor', async () => {
  assert.throws(() => compileScript('require "vacation"; vacation :seconds 10 "x";'), /vacation-seconds/);
  const script = compile('require ["vacation", "vacation-seconds"]; vacation :seconds 1 :handle "h" "x";');
  const r = await run(script, { message: 'From: a@x.org\r\nTo: bob@example.com\r\n\r\n', envelope: { from: 'a@x.org', to: 'bob@example.com' } });
  const v = r.actions.find((a) => a.type === 'vacation');
  assert.ok(v && v.type === 'vacation' && v.seconds === 60 && v.handle === 'h');
});

const ERRORS: [string, string, number, number][] = [
  ['keep', 'expected ";"', 1, 5],
  ['if true {\n  keep;\n', 'expected "}"', 3, 1],
  ['fileinto "x";', 'needs require "fileinto"', 1, 1],
  ['require "nope";', 'unsupported extension "nope"', 1, 9],
  ['keep;\nrequire "fileinto";', 'must come before', 2, 1],
  ['else { keep; }', 'must follow "if"', 1, 1],
  ['if header :bogus "a" "b" { keep; }', 'unknown tagged argument ":bogus"', 1, 11],
  ['if header :is :contains "a" "b" { keep; }', 'cannot be combined', 1, 15],
  ['if frobnicate { keep; }', 'unknown test "frobnicate"', 1, 4],
  ['frobnicate;', 'unknown command "frobnicate"', 1, 1],
  ['if header "a" { keep; }', 'takes string list, string list', 1, 11],
  ['keep "x";', 'takes no arguments', 1, 6],
  ['require "regex";\nif header :regex "s" "a(b" { keep; }', 'bad regular expression', 2, 22],
  ['if size 10 { keep; }', 'needs ":over" or ":under"', 1, 4],
  ['require "date";\nif date "date" "century" "x" { keep; }', 'unknown date part', 2, 16],
  ['redirect "not an address";', 'not a valid address', 1, 10],
  ['if header :comparator "i;nope" "a" "b" { keep; }', 'unknown comparator', 1, 23],
  ['require "relational";\nif header :value "gtx" "a" "b" { keep; }', 'unknown relational operator', 2, 18],
  ['keep; "unterminated', 'unterminated quoted string', 1, 7],
  ['/* never closed\nkeep;', 'unterminated bracket comment', 1, 1],
  ['require "reject"; reject text:\nno end', 'unterminated multi-line string', 1, 26],
  ['if true keep;', 'takes no test', 1, 9],
  ['if true { ' + 'if true { '.repeat(40) + '}'.repeat(41), 'nested deeper', 1, 0],
  ['if ' + 'not '.repeat(SIEVE_MAX_NESTING + 1) + 'true { keep; }', 'tests nested deeper', 1, 0],
  [`# ${'x'.repeat(SIEVE_MAX_SCRIPT_BYTES)}\nkeep;`, `script larger than ${SIEVE_MAX_SCRIPT_BYTES} bytes`, 1, 1],
];

for (const [script, message, line, column] of ERRORS) {
  test(`sieve syntax error: ${message}`, () => {
    assert.throws(() => compileScript(script), (err: Error) => {
      assert.ok(err.message.includes(message), err.message);
      if (column > 0) assert.ok(err.message.startsWith(`line ${line}, column ${column}:`), err.message);
      return true;
    });
  });
}

test('sieve: every advertised extension can be required', () => {
  const script = compileScript(`require [${SIEVE_EXTENSIONS.map((e) => JSON.stringify(e)).join(', ')}];`);
  assert.deepEqual([...script.extensions].sort(), [...SIEVE_EXTENSIONS].sort());
});

test('sieve: a catastrophic regex runs in linear time and a huge one is refused', async () => {
  const message = `Subject: ${'a'.repeat(20000)}!\r\n\r\n`;
  const script = compile('require ["regex", "fileinto"]; if header :regex "subject" "^(a|a)*(a*)*b$" { fileinto "A"; }');
  const result = await run(script, { message });
  assert.deepEqual(result.actions, [keep()]);
  assert.throws(() => compileScript('require "regex"; if header :regex "s" "(((a{255}){255}){255})" { keep; }'), /too complex/);
});

test('sieve: the step budget stops a script that does too much work', async () => {
  const big = `Subject: ${'ab'.repeat(200_000)}\r\n\r\n`;
  const tests = Array.from({ length: 40 }, (_, i) => `header :regex "subject" "(a|b)*${'c'.repeat(i % 3 + 1)}x"`).join(', ');
  const script = compile(`require "regex"; if anyof (${tests}) { keep; }`);
  await assert.rejects(run(script, { message: big }), /steps/);
});

test('sieve: the run-time limit stops a script within its step budget that runs too long (the clock made slow)', async (t) => {
  const { SIEVE_MAX_RUN_MS } = await import('../../../src/limits.ts');
  const big = `Subject: ${'ab'.repeat(50_000)}\r\n\r\n`;
  const script = compile(`if anyof (${Array.from({ length: 40 }, (_, i) => `header :contains "subject" "zz${i}"`).join(', ')}) { discard; }`);
  // Unmocked, the same run is well within both limits: only the slow clock can stop it below.
  assert.deepEqual((await run(script, { message: big })).actions, [keep()]);
  // Every reading of the clock is 1/20 of the limit later: the run must stop after about 20 readings.
  let clock = 0;
  t.mock.method(performance, 'now', () => (clock += SIEVE_MAX_RUN_MS / 20));
  await assert.rejects(run(script, { message: big }), new RegExp(`longer than ${SIEVE_MAX_RUN_MS} ms`));
});

test('sieve: vacation :addresses, :from and :mime shape the reply (RFC 5230 §4.4-4.6)', async () => {
  const { buildVacationReply } = await import('../../../src/sieve/vacation.ts');
  const toAlias = 'From: alice@example.org\r\nTo: robert@example.com\r\nSubject: Hi\r\nMessage-ID: <a@b>\r\nReferences: <r0@b>\r\n\r\nhi\r\n';
  const plain = compile('require "vacation"; vacation "Away.";');
  const skipped = await run(plain, { message: toAlias, envelope: { from: 'alice@example.org', to: 'bob@example.com' } });
  assert.ok(!skipped.actions.some((a) => a.type === 'vacation'), 'an address not known as the user\'s gets no reply');
  const script = compile('require "vacation"; vacation :addresses ["robert@example.com"] :from "Bob <bob@example.com>" :mime "Content-Type: text/plain; charset=utf-8\r\n\r\nAbsent — back soon.";');
  const r = await run(script, { message: toAlias, envelope: { from: 'alice@example.org', to: 'bob@example.com' } });
  const v = r.actions.find((a) => a.type === 'vacation');
  assert.ok(v && v.type === 'vacation');
  assert.equal(v.from, 'Bob <bob@example.com>');
  assert.equal(v.subject, 'Auto: Hi', 'the default subject (RFC 5230 §4.7)');
  assert.equal(v.references, '<r0@b> <a@b>');
  const text = buildVacationReply(v, { hostname: 'mail.example.com', now: 0 }).toString('utf8');
  assert.match(text, /^From: Bob <bob@example\.com>\r\nTo: <alice@example\.org>\r\nSubject: Auto: Hi\r\n/);
  assert.match(text, /\r\nReferences: <r0@b> <a@b>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1\.0\r\nContent-Type: text\/plain; charset=utf-8\r\n\r\nAbsent — back soon\.\r\n$/);
  const self = await run(script, { message: toAlias, envelope: { from: 'robert@example.com', to: 'bob@example.com' } });
  assert.ok(!self.actions.some((a) => a.type === 'vacation'), 'never to the user\'s own address');
});

test('sieve: the script `postern vacation` writes replies until --until (UTC day) and runs the previous script', async () => {
  const { vacationScript } = await import('../../../src/sieve/vacation-script.ts');
  const previous = compile('require "fileinto"; fileinto "Sorted";');
  const includes = { personal: new Map([['main', previous]]), global: new Map<string, CompiledScript>() };
  const toBob = { message: 'From: alice@example.org\r\nTo: bob@example.com\r\nSubject: Hi\r\n\r\nhi\r\n', envelope: { from: 'alice@example.org', to: 'bob@example.com' } };
  const settings = { subject: 'Away "now"', message: 'Back on\r\nMonday \\o/', days: 2, previous: 'main' };
  // NOW is 2026-12-01 12:00 UTC: the last day itself still replies, the day after does not.
  for (const [until, replies] of [['2026-12-01', true], ['2026-11-30', false], [null, true]] as const) {
    const result = await run(compile(vacationScript({ ...settings, until })), toBob, includes);
    const v = result.actions.find((a) => a.type === 'vacation');
    assert.equal(!!v, replies, `until ${until}`);
    if (v && v.type === 'vacation') {
      assert.equal(v.subject, 'Away "now"');
      assert.equal(v.reason, 'Back on\r\nMonday \\o/');
      assert.equal(v.seconds, 2 * 86_400);
    }
    assert.ok(result.actions.some((a) => a.type === 'fileinto' && a.mailbox === 'Sorted'), 'the previous active script still files');
  }
});

test('sieve: the README\'s minimal script compiles and files by the spam score as it says', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('    require ["fileinto", "mailbox", "imap4flags"');
  assert.ok(start > 0, 'the README has its minimal script');
  const text = readme.slice(start, readme.indexOf('\n\n', start)).split('\n').map((l) => l.slice(4)).join('\n');
  const script = compile(text);
  const scored = (score: string) => `From: x@example.org\r\nTo: bob@example.com\r\nX-Spam-Score: ${score}\r\nSubject: s\r\n\r\nbody\r\n`;
  for (const [score, expected] of [['12.0 (junk)', [{ type: 'discard' }]], ['10.0 (junk)', [{ type: 'discard' }]], ['9.9 (junk)', [keep()]], ['-12.5 (inbox)', [keep()]], ['0.0 (inbox)', [keep()]]] as const) {
    assert.deepEqual((await run(script, { message: scored(score) })).actions, expected, score);
  }
  const boss = 'From: boss@example.com\r\nTo: bob@example.com\r\nX-Spam-Score: -1.0 (inbox)\r\n\r\nhi\r\n';
  assert.deepEqual((await run(script, { message: boss })).actions, [keep(['\\Flagged'])]);
});

// Last: node:test runs a file's top-level tests in order, so every case above has run.
test('sieve: every extension CAPABILITY advertises is exercised by a script that ran in this corpus', () => {
  assert.deepEqual([...SIEVE_EXTENSIONS].filter((e) => !exercised.has(e)), []);
});
