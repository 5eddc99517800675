// Fuzzing the ManageSieve command reader (it reads the network): any bytes, split anywhere, give
// the same lines or the same error as when they arrive at once, never an exception; generated
// commands with quoted strings and literals read back as what was written. Crashing inputs found
// so far are kept below as regression cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandReader, sieveString, type ReadResult } from '../../src/managesieve/protocol.ts';

const numRuns = Number(process.env.POSTERN_FUZZ_RUNS ?? 200);

const REGRESSIONS = ['{5+}\r\nab', '"\\', '{99999999999+}\r\n', 'PUTSCRIPT "a" {3+}\rxyz\r\n', '"a"{1}\r\nb"c"\r\n', '\r', '{'];

function readAll(chunks: Buffer[]): ReadResult[] {
  const reader = new CommandReader();
  const out: ReadResult[] = [];
  for (const c of chunks) {
    reader.push(c);
    for (let r = reader.next(); r !== undefined; r = reader.next()) {
      out.push(r);
      if (r.kind === 'error') return out;
    }
  }
  return out;
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) { out.push(bytes.subarray(last, p)); last = p; }
  out.push(bytes.subarray(last));
  return out;
}

test('managesieve fuzz: regression inputs', () => {
  for (const input of REGRESSIONS) readAll([Buffer.from(input)]);
});

test('managesieve fuzz: any bytes in any chunks read the same as at once', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
    fc.array(fc.constantFrom('PUTSCRIPT', ' ', '"', '\\', '{', '}', '+', '3', '\r\n', '\n', 'x', '"a b"', '{2+}\r\nab'), { maxLength: 40 }).map((t) => Buffer.from(t.join(''))),
  );
  fc.assert(fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), (input, cuts) => {
    assert.deepEqual(readAll(split(input, cuts)), readAll([input]));
  }), { numRuns });
});

test('managesieve fuzz: written commands read back', () => {
  const arg = fc.string({ maxLength: 60, unit: 'grapheme' });
  fc.assert(fc.property(fc.array(arg, { maxLength: 3 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 5 }), (args, asLiteral, cuts) => {
    const line = ['PUTSCRIPT', ...args.map((a) => asLiteral ? `{${Buffer.byteLength(a)}+}\r\n${a}` : sieveString(a))].join(' ') + '\r\n';
    const results = readAll(split(Buffer.from(line), cuts));
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.equal(r.kind, 'line');
    if (r.kind === 'line') assert.deepEqual(r.tokens, [{ kind: 'atom', value: 'PUTSCRIPT' }, ...args.map((value) => ({ kind: 'string', value }))]);
  }), { numRuns });
});
