// Fuzz target: POP3 input (src/pop3/protocol/line-reader.ts, command.ts, transitions.ts): random bytes
// split at random points, then each line decided in the authorization and transaction phases.
// Properties: nothing throws, no line longer than the limit is delivered, and every decision is one
// of the known actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineReader } from '../../src/pop3/protocol/line-reader.ts';
import { decide, initialPhase, type Phase } from '../../src/pop3/protocol/transitions.ts';
import { Maildrop } from '../../src/pop3/protocol/maildrop.ts';
import { fuzzOptions } from './options.ts';

const LIMIT = 128;
const piece = fc.oneof(
  fc.constantFrom('USER ', 'PASS ', 'STAT', 'LIST ', 'RETR ', 'DELE ', 'TOP ', 'UIDL', 'NOOP', 'RSET', 'QUIT', 'CAPA', 'STLS', 'AUTH PLAIN', 'AUTH ', '=',
    '1', '0', '-1', '4294967296', ' ', '\r\n', '\n', '\r', '*'),
  fc.string({ maxLength: 30 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

test('fuzz: POP3 lines are read within the limit and decided without throwing in every phase', () => {
  const maildrop = () => new Maildrop([{ uid: 1, octets: 10, uniqueId: 'a' }, { uid: 2, octets: 20, uniqueId: 'b' }]);
  const phases: (() => Phase)[] = [
    () => initialPhase,
    () => ({ name: 'authorization', user: 'bob', awaitingSasl: false }),
    () => ({ name: 'authorization', user: null, awaitingSasl: true }),
    () => ({ name: 'transaction', maildrop: maildrop() }),
  ];
  const actions = new Set(['reply', 'close', 'starttls', 'login', 'sasl-plain', 'send', 'update']);
  fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(500), { maxLength: 6 }), (pieces, cuts) => {
    const bytes = Buffer.from(pieces.join(''), 'latin1');
    const reader = new LineReader(LIMIT);
    let at = 0;
    for (const c of [...cuts.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
      reader.push(bytes.subarray(at, Math.max(at, c)));
      at = Math.max(at, c);
    }
    for (let e = reader.next(); e !== undefined; e = reader.next()) {
      if (e.kind === 'overlong') continue;
      assert.ok(Buffer.byteLength(e.line, 'latin1') <= LIMIT);
      for (const phase of phases) assert.ok(actions.has(decide(phase(), { tls: false, tlsAvailable: true, plaintextAllowed: true }, e.line).kind));
    }
  }), { ...fuzzOptions(), examples: [[['TOP 1 99999999999999999999\r\n'], []], [['AUTH PLAIN\r\n', '=\r\n'], [3]]] });
});
