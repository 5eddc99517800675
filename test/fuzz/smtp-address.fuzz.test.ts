// Fuzzing the SMTP command and address layer that is ours: RCPT syntax (recipient-syntax.ts),
// address normalisation, the reply rewrite, SASL PLAIN decoding and the authzid rule, the From:
// parser and display-name scan of submission, and the outbound address filter. Each either
// answers or refuses, never throws; and what it accepts keeps its promise (an accepted recipient
// has no relaying syntax, a rewritten reply has one enhanced code of its class, no IPv6 spelling
// of a loopback or private IPv4 address is public). Crashing inputs found so far are kept below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkRecipient } from '../../src/smtp/recipient-syntax.ts';
import { normalizeAddress } from '../../src/store/addresses.ts';
import { inboundReplies, submissionReplies } from '../../src/smtp/enhanced-replies.ts';
import type { ReplyCause } from '../../src/smtp/engine.ts';
import { decodeSaslPlain, authzidPermitted } from '../../src/login/sasl.ts';
import { addressesInName, checkFromHeader, fromMailboxes } from '../../src/smtp/submission-policy.ts';
import { isPublicAddress } from '../../src/net/public-address.ts';

const numRuns = Number(process.env.POSTERN_FUZZ_RUNS ?? 200);

const REGRESSIONS = ['', '@', '"', '"\\', '"@"@x', 'a@[127.0.0.1]', 'a%b@c', '\u0000@x', 'a@.', 'a@-x-', `${'a'.repeat(300)}@x.test`, 'postmaster', 'a@xn--', 'a@\u00ad', 'a@..', 'a@.\\'];

const ADDRESS_PARTS = ['a', 'b', 'Alice', '+tag', '.', '..', '@', '%', '!', '"', '\\', '[', ']', ':', ',', ';', '<', '>', ' ', '\t', '\r\n', 'example.test', 'xn--n-dha', 'ü', '\uff20', '\u00ad', '127.0.0.1', 'IPv6:', '-', '='];
const addressLike = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.array(fc.constantFrom(...ADDRESS_PARTS), { maxLength: 20 }).map((p) => p.join('')),
  fc.constantFrom(...REGRESSIONS),
);

test('RCPT syntax: every input is accepted or refused, and an accepted address has no relaying syntax', () => {
  fc.assert(fc.property(addressLike, (raw) => {
    const r = checkRecipient(raw);
    if (r.kind === 'address') {
      assert.ok(!r.domain.startsWith('['), raw);
      if (!raw.startsWith('"')) assert.ok(!/[%!@]/.test(r.localPart), raw);
    } else if (r.kind === 'refuse') {
      assert.ok(r.code === 501 || r.code === 554);
      assert.match(r.enhanced, /^5\.\d\.\d+$/);
    }
    const n = normalizeAddress(raw);
    if (n !== null) assert.equal(normalizeAddress(n), n, `normalisation is idempotent for ${JSON.stringify(raw)}`);
  }), { numRuns });
});

test('reply policies: one enhanced code whose class matches the reply', () => {
  const causes: ReplyCause[] = ['command-too-long', 'command-disabled', null];
  fc.assert(fc.property(fc.integer({ min: 200, max: 599 }), fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('5.7.1 x', '4.3.0 y', '2.0.0 ok', 'Error: Command line too long')),
    fc.constantFrom(...causes), fc.constantFrom<string | false | undefined>('AUTH', 'MAIL', false, undefined), (code, text, cause, context) => {
      for (const policy of [inboundReplies, submissionReplies]) {
        const r = policy({ code, data: text, context, cause }, { disabledCommands: ['AUTH'] } as never);
        if (r === null) continue;
        assert.equal(typeof r.data, 'string');
        assert.equal(Math.floor(r.code / 100), Number((r.data as string)[0]));
        assert.equal(r.context, false);
      }
    }), { numRuns });
});

test('SASL PLAIN and the authzid rule never throw; a decoded token has a user and a password', () => {
  const token = fc.oneof(fc.string({ maxLength: 60 }), fc.tuple(addressLike, addressLike, fc.string({ maxLength: 20 })).map(([z, c, p]) => Buffer.from(`${z}\0${c}\0${p}`).toString('base64')));
  fc.assert(fc.property(token, addressLike, addressLike, (t, z, c) => {
    const creds = decodeSaslPlain(t);
    if (creds) assert.ok(creds.username !== '' && creds.password !== '');
    assert.equal(typeof authzidPermitted(z, c), 'boolean');
    assert.equal(authzidPermitted('', c), true);
    if (c !== '') assert.equal(authzidPermitted(c, c), true);
  }), { numRuns });
});

test('From: parsing and the display-name scan never throw; an accepted From: is one owned mailbox', () => {
  const header = fc.oneof(fc.string({ maxLength: 120 }), fc.array(fc.oneof(addressLike, fc.constantFrom('=?utf-8?q?ceo=40bank=2Eexample?=', '"x@y.z"', '(c@d.e)', 'From: ', '\r\n ')), { maxLength: 10 }).map((p) => p.join(' ')));
  fc.assert(fc.property(header, fc.boolean(), (value, twice) => {
    const raw = Buffer.from(`From: ${value}\r\n${twice ? `From: ${value}\r\n` : ''}Subject: s\r\n\r\nbody\r\n`, 'utf8');
    const from = fromMailboxes(raw);
    const owned = new Set(from.mailboxes.slice(0, 1).map((m) => m.address));
    const verdict = checkFromHeader(from, (a) => owned.has(a));
    if (verdict === null) {
      assert.equal(from.fields, 1);
      assert.equal(from.mailboxes.length, 1);
      assert.ok(from.mailboxes[0]!.nameAddresses.every((a) => owned.has(a)));
    }
    for (const a of addressesInName(value)) assert.ok(a.includes('@'));
  }), { numRuns });
});

test('outbound filter: never throws; no IPv4-mapped, NAT64, 6to4 or IPv4-compatible form of a private IPv4 is public', () => {
  const privateV4 = fc.oneof(
    fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
  );
  const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
  fc.assert(fc.property(privateV4, fc.string({ maxLength: 40 }), ([a, b, c, d], junk) => {
    const dotted = `${a}.${b}.${c}.${d}`;
    for (const form of [dotted, `::ffff:${dotted}`, `64:ff9b::${dotted}`, `64:ff9b::${hex(a, b)}:${hex(c, d)}`, `2002:${hex(a, b)}:${hex(c, d)}::1`, `::${dotted}`, `::${hex(a, b)}:${hex(c, d)}`]) {
      assert.equal(isPublicAddress(form), false, form);
    }
    assert.equal(typeof isPublicAddress(junk), 'boolean');
  }), { numRuns });
});
