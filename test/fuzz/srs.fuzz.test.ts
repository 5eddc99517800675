// Fuzzing the SRS decoder (src/srs/srs.ts), which reads RCPT TO addresses from port 25: any input
// is either decoded or refused with an SrsError, never anything else; what forward() writes
// decodes back to the sender (up to case, which an MTA may fold); and an address whose hash or
// timestamp was altered never decodes, so a guess does not make us a relay. Crashing inputs found
// so far are kept below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Srs, SrsError } from '../../src/srs/srs.ts';
import { fuzzOptions } from './options.ts';

const srs = new Srs(Buffer.alloc(32, 0x5a));
const NOW = Date.UTC(2026, 11, 1);

const REGRESSIONS = ['', '@', 'SRS0', 'SRS0=', 'SRS0====@x', 'SRS0=a=b=c=@x', 'SRS1==@x', 'SRS1=a=b==@x', 'SRS1=a=b==c', 'srs0+xxxx=ZZ=d=l@x', 'SRS0=xxxx=\u00e9\u00e9=d=l@x', 'SRS0=xxxx=A=d=l@x'];
const PARTS = ['SRS0', 'SRS1', 'srs0', '=', '==', '+', '-', '@', 'abcd', 'AB', 'Z9', 'example.test', 'alice', '\u00e9', '\u0000', ' ', '.'];

const addressLike = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.array(fc.constantFrom(...PARTS), { maxLength: 16 }).map((p) => p.join('')),
  fc.constantFrom(...REGRESSIONS),
);

function decodeOrRefuse(address: string): string | null {
  try {
    return srs.reverse(address, NOW);
  } catch (err) {
    assert.ok(err instanceof SrsError, `reverse threw ${(err as Error).stack}`);
    return null;
  }
}

test('SRS fuzz: any address decodes or is refused with an SrsError', () => {
  fc.assert(fc.property(addressLike, (address) => {
    assert.equal(typeof Srs.isSrs(address), 'boolean');
    const decoded = decodeOrRefuse(address);
    if (decoded !== null) assert.ok(Srs.isSrs(address), `${address} decoded without looking like SRS`);
  }), fuzzOptions());
});

const localPart = fc.stringMatching(/^[A-Za-z0-9._+=-]{1,30}$/);
const domain = fc.stringMatching(/^[a-z0-9-]{1,20}(\.[a-z]{2,6}){1,2}$/);

test('SRS fuzz: what forward() writes decodes back to the sender, also case-folded and days later', () => {
  fc.assert(fc.property(localPart, domain, fc.integer({ min: 0, max: 21 }), (local, dom, days) => {
    const sender = `${local}@${dom}`;
    const rewritten = srs.forward(sender, 'example.com', NOW);
    const later = NOW + days * 86_400_000;
    let back = srs.reverse(rewritten, later);
    // An SRS0/SRS1 sender is rewritten to SRS1, which decodes to the previous hop's SRS0 address.
    if (Srs.isSrs(local)) { assert.ok(/^SRS1=/.test(rewritten)); return; }
    assert.equal(back, sender);
    back = srs.reverse(rewritten.toLowerCase(), later);
    assert.equal(back, sender.toLowerCase());
  }), fuzzOptions());
});

test('SRS fuzz: an altered hash or timestamp never decodes', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  fc.assert(fc.property(localPart.filter((l) => !Srs.isSrs(l)), domain, fc.nat(), fc.nat(), (local, dom, which, pick) => {
    const rewritten = srs.forward(`${local}@${dom}`, 'example.com', NOW);
    const [tag, hash, ts, ...rest] = rewritten.split('=');
    // Change one hash character to a different letter or digit (case-insensitively different).
    const i = which % hash!.length;
    const choices = [...'abcdefghijklmnopqrstuvwxyz0123456789-_'].filter((c) => c !== hash![i]!.toLowerCase());
    const badHash = hash!.slice(0, i) + choices[pick % choices.length] + hash!.slice(i + 1);
    assert.throws(() => srs.reverse([tag, badHash, ts, ...rest].join('='), NOW), SrsError);
    // Another timestamp with the same hash: the hash covers it, so it fails too.
    const otherTs = ALPHABET[(ALPHABET.indexOf(ts![0]!) + 1 + (pick % 31)) % 32]! + ts![1]!;
    assert.throws(() => srs.reverse([tag, hash, otherTs, ...rest].join('='), NOW), SrsError);
  }), fuzzOptions());
});

test('SRS fuzz: regression inputs', () => {
  for (const address of REGRESSIONS) decodeOrRefuse(address);
});
