// Fuzz target: SEARCH arguments (src/imap/protocol/search-keys.ts) over the tokenizer, and the
// linear substring matcher the store uses (src/store/substring-match.ts). Keys are drawn from the
// grammar (NOT/OR chains deep past the limit, strings past the length limit, sequence sets, dates)
// mixed with junk. Properties: parsing throws nothing but ImapSyntaxError; an accepted tree is no
// deeper than IMAP_MAX_SEARCH_DEPTH; the matcher agrees with lower-cased indexOf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArgumentReader } from '../../src/imap/protocol/argument-reader.ts';
import { ImapSyntaxError, tokenizeText } from '../../src/imap/protocol/tokens.ts';
import { parseSearchArguments, type SearchKey } from '../../src/imap/protocol/search-keys.ts';
import { FoldedNeedle } from '../../src/store/substring-match.ts';
import { IMAP_MAX_SEARCH_DEPTH } from '../../src/limits.ts';
import { fuzzOptions } from './options.ts';

const word = fc.constantFrom('ALL', 'NOT', 'OR', 'BODY', 'TEXT', 'FROM', 'SUBJECT', 'HEADER', 'KEYWORD', 'UID', 'LARGER', 'SINCE',
  'BEFORE', 'SEEN', 'UNSEEN', 'NEW', 'MODSEQ', 'RETURN', 'CHARSET', 'UTF-8', '(', ')', '1:*', '$', '2,4:7', '*', '0', '4294967296',
  '1-Feb-2026', '"x"', '"a b"', '{3}\r\nabc', 'priv', '"/flags/\\\\seen"', '12345678901234567890', 'SAVEDSINCE', 'SAVEDON',
  'SAVEDBEFORE', 'SAVEDATESUPPORTED', 'EMAILID', 'THREADID', 'E0af3', 'T_-x');
const keys = fc.oneof(
  fc.array(word, { maxLength: 30 }).map((w) => w.join(' ')),
  fc.nat(2000).map((n) => `${'NOT '.repeat(n)}ALL`),
  fc.nat(200).map((n) => `${'OR ALL '.repeat(n)}ALL`),
  fc.nat(3000).map((n) => `BODY "${'a'.repeat(n)}"`),
  fc.string({ maxLength: 80 }),
);

function depth(k: SearchKey): number {
  switch (k.op) {
    case 'not': return 1 + depth(k.key);
    case 'or': return 1 + Math.max(depth(k.a), depth(k.b));
    case 'and': return 1 + Math.max(0, ...k.keys.map(depth));
    default: return 1;
  }
}

test('fuzz: SEARCH arguments parse or fail with ImapSyntaxError, never deeper than the limit', () => {
  fc.assert(fc.property(keys, (text) => {
    try {
      const args = parseSearchArguments(new ArgumentReader(tokenizeText(text)));
      assert.ok(depth(args.key) <= IMAP_MAX_SEARCH_DEPTH * 2 + 2);
    } catch (err) {
      if (!(err instanceof ImapSyntaxError)) throw err;
    }
  }), { ...fuzzOptions(), examples: [[`${'NOT '.repeat(1000)}ALL`], [`BODY "${'a'.repeat(4000)}b"`], ['OR OR OR']] });
});

test('fuzz: the linear matcher agrees with lower-cased indexOf', () => {
  const text = fc.array(fc.constantFrom('a', 'b', 'A', 'B', 'ß', 'İ', ' ', '\n'), { maxLength: 60 }).map((a) => a.join(''));
  fc.assert(fc.property(text, text, (hay, needle) => {
    assert.equal(new FoldedNeedle(needle).contains(hay), hay.toLowerCase().includes(needle.toLowerCase()));
  }), fuzzOptions());
});
