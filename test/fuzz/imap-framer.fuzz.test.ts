// Fuzz target: the IMAP command framer (src/imap/protocol/command-framer.ts) and the command parser
// behind it (tokens.ts). Inputs mix real commands, literal announcements (synchronizing and LITERAL+,
// huge sizes), CRLF, and random bytes, split at random points. Properties: nothing throws but
// ImapSyntaxError, no more than the line and literal limits is ever buffered, and a refused literal
// is refused at its announcement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer } from '../../src/imap/protocol/command-framer.ts';
import { ImapSyntaxError, parseCommand } from '../../src/imap/protocol/tokens.ts';
import { corpus, fuzzOptions } from './options.ts';

const LIMITS = { maxLineLength: 256, maxArgumentLiteral: 64, maxAppendLiteral: 512, maxCommandLiteralBytes: 128 };

const piece = fc.oneof(
  fc.constantFrom('a1 ', 'b UID ', 'LOGIN ', 'APPEND INBOX ', 'SEARCH ', 'FETCH 1:* ', '(', ')', '"', '\\', ' ', '\r\n', '\n', '\r', '*', '%', '~', 'NIL '),
  fc.constantFrom('{0}', '{5}', '{5+}', '{64}', '{65}', '{52428800}', '{52428800+}', '{99999999999999999999}', '~{3}', '{', '}', '{+}'),
  fc.string({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
);
const input = fc.array(piece, { maxLength: 40 }).map((p) => Buffer.from(p.join(''), 'latin1'));
const splits = fc.array(fc.nat(400), { maxLength: 8 });

function run(bytes: Buffer, cuts: number[], refuseAll: boolean): void {
  const f = new CommandFramer({ ...LIMITS, ...(refuseAll ? { admit: () => ({ status: 'NO' as const, text: 'refused' }) } : {}) });
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const p of [...points, bytes.length]) {
    f.push(bytes.subarray(at, p));
    at = p;
    for (let i = 0; i < 1000; i++) {
      const r = f.next();
      if (r.kind === 'need-more') break;
      if (r.kind === 'error' && r.fatal) return;
      if (r.kind === 'continue') assert.ok(!refuseAll, 'a refused literal got "+"');
      if (r.kind === 'command') {
        try {
          parseCommand(r.command);
        } catch (err) {
          if (!(err instanceof ImapSyntaxError)) throw err;
        }
      }
    }
    // Buffered: at most a line, or a literal being read, beyond what this chunk added.
    assert.ok(f.bufferedBytes <= LIMITS.maxAppendLiteral + LIMITS.maxLineLength + bytes.length);
  }
}

test('fuzz: the framer and parser never throw, refuse before reading, and stay within the limits', () => {
  const examples: [Buffer, number[], boolean][] = [
    [Buffer.from('a APPEND INBOX {52428800+}\r\nxxxx'), [3], false],
    [Buffer.from('a LOGIN {5}\r\nhello {5+}\r\nworld\r\n'), [1, 7, 15], true],
    ...corpus('imap-framer').map((b): [Buffer, number[], boolean] => [b, [], false]),
  ];
  fc.assert(fc.property(input, splits, fc.boolean(), (bytes, cuts, refuse) => run(bytes, cuts, refuse)), { ...fuzzOptions(), examples });
});
