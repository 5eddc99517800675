// Fuzzing the spam tokenizer (it reads message text from the network): any header text, body text
// and raw bytes give at most SPAM_MAX_TOKENS tokens of at most SPAM_TOKEN_LENGTH characters plus
// their prefix, the same tokens every time (training and untraining must agree), and never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tokenKey, tokensOf } from '../../src/spam/tokens.ts';
import { SPAM_MAX_TOKENS, SPAM_MAX_URL_DOMAINS } from '../../src/limits.ts';

const numRuns = Number(process.env.POSTERN_FUZZ_RUNS ?? 200);

const REGRESSIONS: { headerText: string; searchText: string; head: string }[] = [
  { headerText: ':\n:x\n', searchText: '', head: '' },
  { headerText: 'subject: ' + 'é'.repeat(100), searchText: 'http://' + 'a.'.repeat(500) + 'com', head: 'https://x' },
];

const WORDS = ['viagra', 'Meeting', 'http://a.example/', 'https://b.test/x', '$$$', '€100', 'a.b.c', "don't", '--', 'Subject:', '\n', ' ', '<a href="http://c.example">'];

function check(source: { headerText: string; searchText: string; head: string }): void {
  const input = { headerText: source.headerText, searchText: source.searchText, head: Buffer.from(source.head, 'latin1') };
  const a = tokensOf(input);
  assert.ok(a.length <= SPAM_MAX_TOKENS);
  assert.deepEqual(tokensOf(input), a);
  assert.equal(new Set(a).size, a.length);
  for (const t of a) assert.ok(t.length <= 100, t);
}

test('tokenizer regressions', () => {
  for (const r of REGRESSIONS) check(r);
});

test('a thousand URLs give at most SPAM_MAX_URL_DOMAINS URL tokens; keys are stable 53-bit integers', () => {
  const searchText = Array.from({ length: 1000 }, (_, i) => `see http://d${i}.example.biz/x`).join(' ');
  const tokens = tokensOf({ headerText: '', searchText, head: Buffer.alloc(0) });
  assert.equal(tokens.filter((t) => t.startsWith('url:')).length, SPAM_MAX_URL_DOMAINS);
  assert.equal(tokenKey('viagra'), tokenKey('viagra'));
  assert.notEqual(tokenKey('viagra'), tokenKey('viagrA'));
  assert.ok(Number.isSafeInteger(tokenKey('x'.repeat(40))));
});

test('tokenizer: bounded and deterministic on random text', () => {
  const text = fc.oneof(fc.string({ maxLength: 2000 }), fc.array(fc.constantFrom(...WORDS), { maxLength: 400 }).map((w) => w.join(' ')));
  const headers = fc.array(fc.tuple(fc.constantFrom('subject', 'from', 'x-mailer', 'received', 'to', 'x-odd'), text), { maxLength: 20 })
    .map((fs) => fs.map(([n, v]) => `${n}: ${v}`).join('\n'));
  fc.assert(fc.property(headers, text, text, (headerText, searchText, head) => check({ headerText, searchText, head })), { numRuns });
});
