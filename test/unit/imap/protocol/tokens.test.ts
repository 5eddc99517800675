import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer } from '../../../../src/imap/protocol/command-framer.ts';
import { ImapSyntaxError, parseCommand, type Token } from '../../../../src/imap/protocol/tokens.ts';
import { serializeValues, type ImapValue } from '../../../../src/imap/protocol/response-writer.ts';

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

const arbValue: fc.Arbitrary<ImapValue> = fc.letrec<{ v: ImapValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.stringMatching(/^[A-Za-z0-9.\\$-]{1,12}$/).map((atom) => ({ atom })),
    fc.string({ maxLength: 30 }),
    fc.uint8Array({ maxLength: 30 }).map((a) => ({ literal: Buffer.from(a) })),
    fc.array(tie('v'), { maxLength: 4 }),
  ),
})).v;

function expected(v: ImapValue): Token {
  if (Array.isArray(v)) return { type: 'list', items: v.map(expected) };
  if (typeof v === 'string') return { type: 'string', value: Buffer.from(v, 'utf8'), literal: false };
  if (v !== null && typeof v === 'object' && 'atom' in v) return { type: 'atom', value: v.atom };
  if (v !== null && typeof v === 'object' && 'literal' in v) return { type: 'string', value: v.literal, literal: true };
  throw new Error('unexpected');
}

function strip(t: Token): unknown {
  if (t.type === 'list') return { list: t.items.map(strip) };
  if (t.type === 'string') return { s: t.value.toString('hex') };
  return t;
}

test('property: writer output parses back to the same values', () => {
  fc.assert(
    fc.property(fc.array(arbValue, { minLength: 1, maxLength: 5 }), (values) => {
      const wire = Buffer.concat([Buffer.from('t1 X '), serializeValues(values), Buffer.from('\r\n')]);
      // Non-sync literals so the framer needs no continuation round trip.
      const c = parse(Buffer.from(wire.toString('latin1').replace(/\{(\d+)\}\r\n/g, '{$1+}\r\n'), 'latin1'));
      assert.deepEqual(c.args.map(strip), values.map(expected).map(strip));
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
