// Fuzzing the PROXY protocol parser (src/net/proxy-protocol.ts): random bytes, mutations of real v1
// and v2 headers, and every split of a header. It must never throw, decide within
// PROXY_HEADER_MAX_BYTES, report a length inside the input, name only valid addresses, and give the
// same answer for a header however much of what follows it has arrived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { parseProxyHeader } from '../../src/net/proxy-protocol.ts';
import { PROXY_HEADER_MAX_BYTES } from '../../src/limits.ts';
import { proxyV1, proxyV2, proxyV2Raw } from '../fixtures/proxy-header.ts';
import { fuzzOptions } from './options.ts';

// Inputs that once mattered: kept so every run replays them.
const REGRESSIONS: Buffer[] = [
  Buffer.alloc(0),
  Buffer.from('PROXY UNKNOWN\r\n'),
  Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n'),
  proxyV2Raw(1, 0x21, Buffer.alloc(35)),
  Buffer.concat([proxyV2Raw(1, 0x11, Buffer.alloc(12)).subarray(0, 14), Buffer.from([0x03, 0xf1])]),
];

const SEEDS = [proxyV1('203.0.113.9', 4242), proxyV1('2001:db8::7', 1), proxyV2('203.0.113.9', 4242), proxyV2('2001:db8::7', 1),
  proxyV2Raw(0, 0x00, Buffer.alloc(0)), proxyV2Raw(1, 0x31, Buffer.alloc(216)), Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n')];

const mutated = fc.tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat({ max: 300 }), fc.uint8Array({ maxLength: 40 }))
  .map(([seed, flips, cut, tail]) => {
    const b = Buffer.from(seed);
    for (const [at, value] of flips) b[at % b.length] = value;
    // Cut anywhere (a header still arriving), or keep it whole; then whatever follows it.
    return Buffer.concat([b.subarray(0, cut), Buffer.from(tail)]);
  });
const input = fc.oneof(fc.uint8Array({ maxLength: 1200 }).map((a) => Buffer.from(a)), mutated, fc.constantFrom(...REGRESSIONS));

function check(data: Buffer): void {
  const r = parseProxyHeader(data);
  if (r.kind === 'incomplete') {
    assert.ok(data.length < PROXY_HEADER_MAX_BYTES, 'undecided only below the bound');
    return;
  }
  if (r.kind === 'invalid') return;
  assert.ok(r.length > 0 && r.length <= data.length && r.length <= PROXY_HEADER_MAX_BYTES);
  if (r.source) {
    assert.notEqual(net.isIP(r.source.address), 0, r.source.address);
    assert.ok(Number.isInteger(r.source.port) && r.source.port >= 0 && r.source.port <= 65535);
  }
  // The header alone gives the same answer: what follows it never changes how it is read.
  assert.deepEqual(parseProxyHeader(data.subarray(0, r.length)), r);
  for (let n = 0; n < r.length; n++) assert.equal(parseProxyHeader(data.subarray(0, n)).kind, 'incomplete', `prefix of ${n} bytes`);
}

test('the kept regression inputs', () => {
  for (const data of [...REGRESSIONS, ...SEEDS]) check(data);
});

test('PROXY headers: never throws, decides within the bound, lengths and addresses are sound', () => {
  fc.assert(fc.property(input, check), fuzzOptions());
});
