// Fuzzing SORT and THREAD (arguments arrive from the network; thread input comes from stored keys
// that senders control): the argument parsers either parse or throw ImapSyntaxError, and the
// threading algorithms place every message exactly once for any References/Message-ID graph,
// including loops, self-references and duplicates. Crashing inputs found so far stay below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandFramer } from '../../src/imap/protocol/command-framer.ts';
import { ArgumentReader } from '../../src/imap/protocol/argument-reader.ts';
import { ImapSyntaxError, parseCommand } from '../../src/imap/protocol/tokens.ts';
import { parseSortArguments, parseThreadArguments } from '../../src/imap/protocol/sort-arguments.ts';
import { orderedSubject, references, type ThreadInput } from '../../src/imap/protocol/threading.ts';
import { baseSubject } from '../../src/mime/sort-keys.ts';

const numRuns = Number(process.env.POSTERN_FUZZ_RUNS ?? 200);

const REGRESSIONS = [
  'a SORT () UTF-8 ALL',
  'a SORT (REVERSE) UTF-8 ALL',
  'a SORT (REVERSE REVERSE DATE) UTF-8 ALL',
  'a SORT RETURN (PARTIAL 1:5) (DATE) UTF-8 ALL',
  'a SORT (DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE) UTF-8 ALL',
  'a SORT (DATE) UTF-8',
  'a THREAD REFS UTF-8 ALL',
];

const TOKENS = ['SORT', 'THREAD', 'RETURN', '(', ')', 'MIN', 'MAX', 'ALL', 'COUNT', 'PARTIAL', '1:5', '0:1', 'UPDATE', 'CONTEXT', 'REVERSE', 'ARRIVAL', 'DATE', 'SUBJECT', 'FROM',
  'DISPLAYFROM', 'SIZE', 'UTF-8', 'US-ASCII', 'REFERENCES', 'ORDEREDSUBJECT', 'UID', '1:*', 'NOT', 'OR', 'SEEN', '"x"', '{1+}\r\nx', ' '];

function parse(line: string): void {
  const f = new CommandFramer();
  f.push(Buffer.from(line + '\r\n'));
  const r = f.next();
  if (r.kind !== 'command') return;
  let cmd;
  try {
    cmd = parseCommand(r.command);
  } catch (err) {
    assert.ok(err instanceof ImapSyntaxError, String(err));
    return;
  }
  for (const parser of [parseSortArguments, parseThreadArguments]) {
    try {
      parser(new ArgumentReader(cmd.args));
    } catch (err) {
      assert.ok(err instanceof ImapSyntaxError, `${line}: ${(err as Error).stack}`);
    }
  }
}

function reader(line: string): ArgumentReader {
  const f = new CommandFramer();
  f.push(Buffer.from(line + '\r\n'));
  const r = f.next();
  if (r.kind !== 'command') throw new Error('not a command');
  return new ArgumentReader(parseCommand(r.command).args);
}

test('SORT/THREAD argument parsers: regressions parse or are ImapSyntaxError', () => {
  for (const line of REGRESSIONS) parse(line);
  // CONTEXT=SORT's PARTIAL takes a range; SAVE is SEARCH's only; more criteria than keys is a LIMIT.
  assert.deepEqual(parseSortArguments(reader('a SORT RETURN (PARTIAL 5:1 UPDATE) (DATE) UTF-8 ALL')).partial, { low: 1, high: 5 });
  assert.throws(() => parseSortArguments(reader('a SORT RETURN (PARTIAL) (DATE) UTF-8 ALL')), ImapSyntaxError);
  assert.throws(() => parseSortArguments(reader('a SORT RETURN (SAVE) (DATE) UTF-8 ALL')), /Unknown RETURN option/);
  assert.throws(() => parseSortArguments(reader('a SORT (DATE SIZE FROM TO CC SUBJECT ARRIVAL DISPLAYFROM DISPLAYTO DATE) UTF-8 ALL')),
    (err: unknown) => err instanceof ImapSyntaxError && err.code === 'LIMIT');
  assert.deepEqual(parseSortArguments(reader('a SORT (REVERSE DATE SUBJECT) UTF-8 SEEN')).criteria, [{ key: 'DATE', reverse: true }, { key: 'SUBJECT', reverse: false }]);
});

test('property: SORT/THREAD argument parsers throw only ImapSyntaxError', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 20 }), (words) => parse('a ' + words.join(' '))), { numRuns });
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => parse('a SORT ' + s.replace(/[\r\n]/g, ' '))), { numRuns });
});

test('property: threading places every message exactly once, whatever the reference graph', () => {
  const ids = fc.constantFrom('', 'a', 'b', 'c', 'd', 'e');
  const msg = fc.record({ date: fc.integer({ min: 0, max: 5 }), subject: fc.constantFrom('', 'X', 'Y'), reply: fc.boolean(), messageId: ids, parents: fc.array(ids.filter((x) => x !== ''), { maxLength: 4 }) });
  fc.assert(fc.property(fc.array(msg, { maxLength: 12 }), (list) => {
    const input: ThreadInput[] = list.map((m, i) => ({ ...m, id: i + 1 }));
    for (const text of [references(input), orderedSubject(input)]) {
      const seen = (text.match(/\d+/g) ?? []).map(Number).sort((x, y) => x - y);
      assert.deepEqual(seen, input.map((m) => m.id), text);
      let depth = 0;
      for (const ch of text) {
        depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
        assert.ok(depth >= 0, text);
      }
      assert.equal(depth, 0, text);
    }
  }), { numRuns });
});

test('property: base subject extraction terminates and never grows the subject', () => {
  const part = fc.constantFrom('Re:', 'RE: ', 'Fwd:', 'fw:', '[fwd: ', ']', '[x]', ' ', '(fwd)', 'a', 'b ', '[', ':');
  fc.assert(fc.property(fc.array(part, { maxLength: 15 }), (parts) => {
    const s = parts.join('');
    assert.ok(baseSubject(s).base.length <= s.length);
  }), { numRuns });
});
