import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MailboxPattern, patternMatcher } from '../../../../src/imap/protocol/mailbox-pattern.ts';

/** The meaning of a pattern (RFC 3501 §6.3.8) as a RegExp: the reference the automaton must agree with. */
function reference(pattern: string): RegExp {
  return new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*') + '$', 's');
}

test('* crosses levels, % does not, INBOX is case-insensitive', () => {
  const m = (p: string, n: string) => new MailboxPattern(p).test(n);
  assert.equal(m('*', 'a/b/c'), true);
  assert.equal(m('%', 'a/b'), false);
  assert.equal(m('a/%', 'a/b'), true);
  assert.equal(m('a/%', 'a/b/c'), false);
  assert.equal(m('a%c', 'abbbc'), true);
  assert.equal(m('', ''), true);
  assert.equal(m('', 'a'), false);
  assert.equal(m('%*%', 'x/y'), true);
  assert.equal(patternMatcher('', 'inbox')('INBOX'), true);
  assert.equal(patternMatcher('InBox/', '%')('INBOX/x'), true);
});

test('agrees with the RegExp meaning on random names and patterns', () => {
  const alphabet = fc.constantFrom('a', 'b', '/', '*', '%');
  const name = fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 12 }).map((a) => a.join(''));
  const pattern = fc.array(alphabet, { maxLength: 40 }).map((a) => a.join(''));
  fc.assert(fc.property(pattern, name, (p, n) => new MailboxPattern(p).test(n) === reference(p).test(n)), { numRuns: 2000 });
});

test('the backtracking pattern from issue 10 is matched in linear time', () => {
  // As a RegExp these take seconds to centuries (the test would time out); bench/hostile measures it.
  assert.equal(new MailboxPattern('*a*a*a*a*a*b').test('a'.repeat(150)), false);
  assert.equal(new MailboxPattern('*a'.repeat(500) + 'b').test('a'.repeat(1024)), false);
  assert.equal(new MailboxPattern('*a'.repeat(500)).test('a'.repeat(1024)), true);
});
