import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer } from '../../../../src/imap/protocol/command-framer.ts';
import { ImapSyntaxError, parseCommand, type Token } from '../../../../src/imap/protocol/tokens.ts';
import { imapString, literalPrefix, needsLiteral8 } from '../../../../src/imap/protocol/response-writer.ts';
import { decodeMailboxName, mailboxNameOnWire } from '../../../../src/imap/protocol/mailbox-name-encoding.ts';

function parse(text: string | Buffer) {
  const f = new CommandFramer();
  f.push(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
  for (;;) {
    const r = f.next();
    if (r.kind === 'command') return parseCommand(r.command);
    if (r.kind === 'need-more' && !r.literal) throw new Error('incomplete');
    if (r.kind === 'error') throw new Error(r.text);
  }
}

test('parses tag, name, and nested arguments', () => {
  const c = parse('a1 uid fetch 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)\r\n');
  assert.equal(c.tag, 'a1');
  assert.equal(c.name, 'FETCH');
  assert.equal(c.uid, true);
  assert.deepEqual(c.args, [
    { type: 'atom', value: '1:*' },
    { type: 'list', items: [{ type: 'atom', value: 'FLAGS' }, { type: 'atom', value: 'BODY.PEEK[HEADER.FIELDS (From To)]<0.100>' }] },
  ]);
});

test('quoted strings unescape, literals are taken in place', () => {
  const c = parse('a LOGIN "b\\"ob" {4+}\r\np ss\r\n');
  assert.deepEqual(c.args, [
    { type: 'string', value: Buffer.from('b"ob'), literal: false },
    { type: 'string', value: Buffer.from('p ss'), literal: true },
  ]);
});

test('mailbox names with brackets stay atoms', () => {
  const c = parse('a LIST "" [Gmail]/%\r\n');
  assert.deepEqual(c.args[1], { type: 'atom', value: '[Gmail]/%' });
});

test('syntax errors are ImapSyntaxError', () => {
  for (const bad of ['a FETCH (1\r\n', 'a FETCH 1)\r\n', 'a NOOP "x\r\n', 'a "x" NOOP\r\n', '+ NOOP\r\n', 'a  \r\n', 'a LOGIN "a\\x"\r\n']) {
    assert.throws(() => parse(bad), ImapSyntaxError, bad);
  }
});

test('deep nesting is refused', () => {
  assert.throws(() => parse('a SEARCH ' + '('.repeat(100) + 'ALL' + ')'.repeat(100) + '\r\n'), /nested/);
  assert.doesNotThrow(() => parse('a SEARCH ' + '('.repeat(10) + 'ALL' + ')'.repeat(10) + '\r\n'));
});

/** Response data as production writes it: atoms verbatim, strings with imapString, literals with
 *  literalPrefix (a literal8 when the bytes need one), and parenthesized lists. */
type Value = { atom: string } | { string: string; utf8: boolean } | { literal: Buffer; binary: boolean } | Value[];

const arbValue: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.stringMatching(/^[A-Za-z0-9.\\$-]{1,12}$/).map((atom) => ({ atom })),
    fc.record({ string: fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ minLength: 1020, maxLength: 1030 })), utf8: fc.boolean() }),
    fc.record({ literal: fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)), binary: fc.boolean() }),
    fc.array(tie('v'), { maxLength: 4 }),
  ),
})).v;

/** Non-synchronizing (RFC 7888) so the framer needs no continuation round trip. */
const nonSync = (text: string) => text.replace(/^(~?\{\d+)\}\r\n/, '$1+}\r\n');

function serialize(v: Value, out: Buffer[]): void {
  if (Array.isArray(v)) {
    out.push(Buffer.from('('));
    v.forEach((x, i) => {
      if (i > 0) out.push(Buffer.from(' '));
      serialize(x, out);
    });
    out.push(Buffer.from(')'));
  } else if ('atom' in v) out.push(Buffer.from(v.atom));
  else if ('string' in v) out.push(Buffer.from(nonSync(imapString(v.string, v.utf8)), 'utf8'));
  else out.push(Buffer.from(nonSync(literalPrefix(v.literal.length, v.binary && needsLiteral8(v.literal)))), v.literal);
}

function expected(v: Value): Token {
  if (Array.isArray(v)) return { type: 'list', items: v.map(expected) };
  if ('atom' in v) return { type: 'atom', value: v.atom };
  if ('string' in v) return { type: 'string', value: Buffer.from(v.string, 'utf8'), literal: false };
  return { type: 'string', value: v.literal, literal: true };
}

function strip(t: Token): unknown {
  if (t.type === 'list') return { list: t.items.map(strip) };
  if (t.type === 'string') return { s: t.value.toString('hex') };
  return t;
}

test('property: what the response writer writes parses back to the same values', () => {
  fc.assert(
    fc.property(fc.array(arbValue, { minLength: 1, maxLength: 5 }), (values) => {
      const out = [Buffer.from('t1 X ')];
      values.forEach((v, i) => {
        if (i > 0) out.push(Buffer.from(' '));
        serialize(v, out);
      });
      out.push(Buffer.from('\r\n'));
      const c = parse(Buffer.concat(out));
      assert.deepEqual(c.args.map(strip), values.map(expected).map(strip));
    }),
    { numRuns: 500 },
  );
});

test('property: a mailbox name on the wire (LIST, STATUS, NOTIFY) reads back as the name', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 })), fc.boolean(), (name, utf8) => {
      const c = parse(Buffer.from(`t1 X ${nonSync(mailboxNameOnWire(name, utf8))}\r\n`, 'utf8'));
      const arg = c.args[0]!;
      assert.equal(arg.type, 'string');
      const text = (arg as { value: Buffer }).value.toString('utf8');
      assert.equal(utf8 ? text : decodeMailboxName(text), name);
    }),
    { numRuns: 500 },
  );
});

test('property: parseCommand never throws anything but ImapSyntaxError', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'a1 ()[]{}"\\*%:<>.+~\r\n0AZ\x00\x7f\u00e9'.split('')), maxLength: 80 }), (s) => {
      const f = new CommandFramer({ maxLineLength: 200, maxArgumentLiteral: 20 });
      f.push(Buffer.from(s, 'utf8'));
      for (let i = 0; i < 100; i++) {
        const r = f.next();
        if (r.kind === 'need-more' || (r.kind === 'error' && r.fatal)) break;
        if (r.kind === 'command') {
          try {
            parseCommand(r.command);
          } catch (e) {
            assert.ok(e instanceof ImapSyntaxError, String(e));
          }
        }
      }
    }),
    { numRuns: 2000 },
  );
});
