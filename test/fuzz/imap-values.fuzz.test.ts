// Fuzz targets: sequence sets (src/imap/protocol/sequence-set.ts), mailbox names in modified UTF-7
// (mailbox-name-encoding.ts, and the importer's decoder), and LIST patterns (mailbox-pattern.ts).
// Properties: parsers throw only ImapSyntaxError (or return null), resolved ranges are ordered and
// within the mailbox, names round-trip, and pattern matching agrees with the RFC 3501 meaning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSequenceSet, resolve } from '../../src/imap/protocol/sequence-set.ts';
import { ImapSyntaxError } from '../../src/imap/protocol/tokens.ts';
import { decodeMailboxName, encodeMailboxName } from '../../src/imap/protocol/mailbox-name-encoding.ts';
import { decodeModifiedUtf7 } from '../../src/import/modified-utf7.ts';
import { MailboxPattern } from '../../src/imap/protocol/mailbox-pattern.ts';
import { fuzzOptions } from './options.ts';

test('fuzz: sequence sets parse or fail with ImapSyntaxError; resolved ranges are ordered and in range', () => {
  const text = fc.array(fc.constantFrom('1', '2', '9', '0', ':', ',', '*', '$', '4294967295', '4294967296', ' ', 'x'), { maxLength: 30 }).map((a) => a.join(''));
  fc.assert(fc.property(text, fc.nat(100), (t, max) => {
    try {
      const set = parseSequenceSet(t);
      if (set.saved) return;
      let last = 0;
      for (const [a, b] of resolve(set.ranges, max)) {
        assert.ok(a >= 1 && a <= b && a > last);
        last = b;
      }
    } catch (err) {
      if (!(err instanceof ImapSyntaxError)) throw err;
    }
  }), { ...fuzzOptions(), examples: [['1:*,*:1,$', 5], ['4294967296', 1], ['', 0]] });
});

test('fuzz: mailbox names decode without throwing and round-trip through encoding', () => {
  fc.assert(fc.property(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), (wire, name) => {
    decodeMailboxName(wire);
    decodeModifiedUtf7(wire);
    assert.equal(decodeMailboxName(encodeMailboxName(name)), name);
  }), { ...fuzzOptions(), examples: [['&-', 'a&b'], ['&AGE', ''], ['&2D3cAA-', '\u{1F600}']] });
});

test('fuzz: LIST patterns match exactly what the RFC 3501 wildcards mean', () => {
  const reference = (p: string) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*') + '$', 's');
  const pattern = fc.array(fc.constantFrom('a', 'b', '/', '*', '%', '.', '('), { maxLength: 24 }).map((a) => a.join(''));
  const name = fc.array(fc.constantFrom('a', 'b', '/', '.', '('), { maxLength: 16 }).map((a) => a.join(''));
  fc.assert(fc.property(pattern, name, (p, n) => assert.equal(new MailboxPattern(p).test(n), reference(p).test(n))), fuzzOptions());
});
