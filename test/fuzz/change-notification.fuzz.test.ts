// Fuzz target: the change bus's notification lines (src/store/postgres/change-bus.ts decodeChange),
// which arrive over the database connection from other nodes. Properties: any text decodes to a
// well-formed change or null, never throws, never expands more UIDs than the bound; and every
// change encodes to a line that decodes back to it (or to the same change without its UIDs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeChange, encodeChange } from '../../src/store/postgres/change-bus.ts';
import { CHANGE_BUS_DECODED_UIDS } from '../../src/limits.ts';
import type { MailboxChange } from '../../src/store/change-bus.ts';
import { fuzzOptions } from './options.ts';

const numberText = fc.oneof(fc.nat().map(String), fc.constantFrom('0', '-1', '1e3', '999999999999999', '9999999999999999', ''));
const uidText = fc.array(fc.oneof(numberText, fc.tuple(numberText, numberText).map(([a, b]) => `${a}:${b}`)), { maxLength: 6 }).map((p) => p.join(','));
const line = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(numberText, numberText, fc.constantFrom('a', 'f', 'e', 'm', 'x', ''), numberText, fc.oneof(uidText, fc.constantFrom('-', '~', ''))).map((f) => f.join(' ')),
);

function wellFormed(c: MailboxChange): void {
  assert.ok(Number.isSafeInteger(c.accountId) && Number.isSafeInteger(c.mailboxId) && Number.isSafeInteger(c.modseq));
  assert.ok(['append', 'flags', 'expunge', 'mailboxes'].includes(c.kind));
  assert.ok(c.uids.length < CHANGE_BUS_DECODED_UIDS);
  for (let i = 1; i < c.uids.length; i++) assert.ok(c.uids[i]! > c.uids[i - 1]!, 'ascending');
  if (c.uidsOmitted) assert.deepEqual(c.uids, []);
}

test('fuzz: any notification line decodes to a well-formed change or null', () => {
  fc.assert(fc.property(line, (text) => {
    const c = decodeChange(text);
    if (c) wellFormed(c);
  }), fuzzOptions());
});

test('fuzz: encoded changes decode back', () => {
  const change = fc.record({
    accountId: fc.nat(), mailboxId: fc.nat(), kind: fc.constantFrom('append', 'flags', 'expunge', 'mailboxes' as const), modseq: fc.nat(),
    uids: fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { maxLength: 600 }).map((u) => u.sort((a, b) => a - b)),
  });
  fc.assert(fc.property(change, (generated) => {
    const c: MailboxChange = { ...generated };
    const back = decodeChange(encodeChange(c))!;
    if (back.uidsOmitted) assert.deepEqual(back, { ...c, uids: [], uidsOmitted: true });
    else assert.deepEqual(back, c);
  }), fuzzOptions());
});
