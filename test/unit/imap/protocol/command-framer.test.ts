import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer } from '../../../../src/imap/protocol/command-framer.ts';

function feed(f: CommandFramer, s: string | Buffer) {
  f.push(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));
  const out = [];
  for (;;) {
    const r = f.next();
    out.push(r);
    if (r.kind === 'need-more') return out;
    if (r.kind === 'error' && r.fatal) return out;
  }
}

test('a simple command line is framed without CRLF', () => {
  const f = new CommandFramer();
  const [r] = feed(f, 'a1 NOOP\r\n');
  assert.equal(r!.kind, 'command');
  assert.equal(r!.kind === 'command' && r.command.lines[0]!.toString(), 'a1 NOOP');
});

test('bytes split anywhere give the same commands', () => {
  const input = 'a1 LOGIN {3}\r\nbob {4+}\r\npass\r\na2 NOOP\r\n';
  const f = new CommandFramer();
  const kinds: string[] = [];
  for (const ch of input) for (const r of feed(f, ch)) kinds.push(r.kind);
  assert.deepEqual(kinds.filter((k) => k !== 'need-more'), ['continue', 'command', 'command']);
});

test('synchronizing literal asks for continuation, then returns the literal', () => {
  const f = new CommandFramer();
  const r1 = feed(f, 'a APPEND INBOX {5}\r\n');
  assert.deepEqual(r1[0], { kind: 'continue', size: 5, tag: 'a', command: 'APPEND' });
  assert.deepEqual(r1[1], { kind: 'need-more', literal: { size: 5, remaining: 5 } });
  const r2 = feed(f, 'hello\r\n');
  assert.equal(r2[0]!.kind, 'command');
  if (r2[0]!.kind === 'command') {
    assert.equal(r2[0].command.literals[0]!.toString(), 'hello');
    assert.equal(r2[0].command.lines.length, 2);
  }
});

test('a literal over the limit is refused before any byte of it is read', () => {
  const f = new CommandFramer();
  const r = feed(f, 'a7 LOGIN {4294967295}\r\n');
  assert.deepEqual(r[0], { kind: 'error', tag: 'a7', status: 'NO', text: 'Literal too large', code: 'TOOBIG', fatal: false });
  // The connection keeps working: the next command is framed normally.
  const r2 = feed(f, 'a8 NOOP\r\n');
  assert.equal(r2[0]!.kind, 'command');
});

test('APPEND allows bigger literals than other commands', () => {
  const f = new CommandFramer({ maxArgumentLiteral: 10, maxAppendLiteral: 100 });
  assert.equal(feed(f, 'a APPEND x {50}\r\n')[0]!.kind, 'continue');
  const g = new CommandFramer({ maxArgumentLiteral: 10, maxAppendLiteral: 100 });
  assert.equal(feed(g, 'a LOGIN {50}\r\n')[0]!.kind, 'error');
});

test('a non-synchronizing literal over the limit is fatal', () => {
  const f = new CommandFramer({ maxAppendLiteral: 100 });
  const r = feed(f, 'b1 APPEND INBOX {1000+}\r\nxxxx');
  assert.equal(r[0]!.kind, 'error');
  assert.equal(r[0]!.kind === 'error' && r[0].fatal, true);
});

test('an overlong line is refused without buffering it, and the next command works', () => {
  const f = new CommandFramer({ maxLineLength: 100 });
  const r = feed(f, 'c1 NOOP ' + 'x'.repeat(500));
  assert.equal(r[0]!.kind, 'error');
  assert.equal(r[0]!.kind === 'error' && r[0].tag, 'c1');
  assert.ok(f.bufferedBytes < 200);
  const r2 = feed(f, 'x'.repeat(300) + '\r\nc2 NOOP\r\n');
  assert.equal(r2[0]!.kind, 'command');
  assert.equal(r2[0]!.kind === 'command' && r2[0].command.lines[0]!.toString(), 'c2 NOOP');
});

test('reset discards pipelined bytes (STARTTLS)', () => {
  const f = new CommandFramer();
  f.push(Buffer.from('a STARTTLS\r\nb LOGIN x y\r\n'));
  assert.equal(f.next().kind, 'command');
  f.reset();
  assert.equal(f.next().kind, 'need-more');
});

test('never throws on random input', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
      const f = new CommandFramer({ maxLineLength: 64, maxArgumentLiteral: 32, maxAppendLiteral: 64 });
      for (const c of chunks) {
        f.push(Buffer.from(c));
        for (let i = 0; i < 1000; i++) {
          const r = f.next();
          if (r.kind === 'need-more' || (r.kind === 'error' && r.fatal)) break;
        }
        assert.ok(f.bufferedBytes <= 64 + 2 + 200);
      }
    }),
    { numRuns: 300 },
  );
});

test('the literals of one command share a budget: many small ones cannot add up', () => {
  const f = new CommandFramer({ maxArgumentLiteral: 100, maxCommandLiteralBytes: 250 });
  const out = feed(f, 'a LOGIN {100}\r\n' + 'x'.repeat(100) + ' {100}\r\n' + 'y'.repeat(100) + ' {100}\r\n');
  assert.deepEqual(out.filter((r) => r.kind !== 'need-more').map((r) => r.kind), ['continue', 'continue', 'error']);
});

test('admit() sees each announcement with the command and the bytes so far, and can refuse it', () => {
  const seen: unknown[] = [];
  const f = new CommandFramer({
    admit: (a) => {
      seen.push(a);
      return a.command === 'APPEND' ? { status: 'BAD', text: 'APPEND is not allowed before login' } : null;
    },
  });
  const r = feed(f, 'a1 APPEND INBOX {52428800}\r\n');
  assert.deepEqual(r[0], { kind: 'error', tag: 'a1', status: 'BAD', text: 'APPEND is not allowed before login', fatal: false });
  assert.deepEqual(seen[0], { tag: 'a1', command: 'APPEND', size: 52428800, nonSync: false, bytesSoFar: 0 });
  // A refused non-synchronizing literal is already on its way: fatal (RFC 7888 §4).
  const g = new CommandFramer({ admit: () => ({ status: 'NO', text: 'Literal too large before login', code: 'TOOBIG' }) });
  const r2 = feed(g, 'a2 UID APPEND INBOX {52428800+}\r\nxxxx');
  assert.equal(r2[0]!.kind === 'error' && r2[0].fatal, true);
  assert.equal(g.bufferedBytes, 0);
});

test('refuseLiteral drops the announced literal and the next command is framed', () => {
  const f = new CommandFramer();
  assert.equal(feed(f, 'a APPEND INBOX {5}\r\n')[0]!.kind, 'continue');
  f.refuseLiteral();
  const r = feed(f, 'b NOOP\r\n');
  assert.equal(r[0]!.kind === 'command' && r[0].command.lines[0]!.toString(), 'b NOOP');
});
