import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageStuffer, pop3Octets } from '../../../../src/pop3/protocol/message-stuffer.ts';

function run(input: Buffer[], top: number | null = null): { wire: string; octets: number } {
  const s = new MessageStuffer(top);
  const parts: Buffer[] = [];
  for (const c of input) parts.push(...s.push(c));
  parts.push(...s.finish());
  return { wire: Buffer.concat(parts).toString('latin1'), octets: s.octets };
}

// What a client such as poplib does with the wire: split lines, drop the terminator, unstuff.
function unstuff(wire: string): string {
  assert.ok(wire.endsWith('\r\n.\r\n') || wire === '.\r\n', 'terminated');
  const body = wire.slice(0, wire.length - 3);
  return body.split('\r\n').map((l) => (l.startsWith('..') ? l.slice(1) : l)).join('\r\n');
}

test('lines starting with a dot are stuffed, CRLF kept', () => {
  const { wire, octets } = run([Buffer.from('Subject: x\r\n\r\n.hidden\r\n..two\r\nend\r\n')]);
  assert.equal(wire, 'Subject: x\r\n\r\n..hidden\r\n...two\r\nend\r\n.\r\n');
  assert.equal(octets, Buffer.byteLength('Subject: x\r\n\r\n.hidden\r\n..two\r\nend\r\n'));
});

test('bare LF becomes CRLF and a missing final line ending is added, and counted', () => {
  const { wire, octets } = run([Buffer.from('A: b\n\nbody\n.dot')]);
  assert.equal(wire, 'A: b\r\n\r\nbody\r\n..dot\r\n.\r\n');
  assert.equal(octets, 'A: b\r\n\r\nbody\r\n.dot\r\n'.length);
});

test('a CR at the end of one chunk and its LF in the next stay one CRLF', () => {
  const { wire } = run([Buffer.from('A: b\r'), Buffer.from('\n\r'), Buffer.from('\n.x\r'), Buffer.from('\n')]);
  assert.equal(wire, 'A: b\r\n\r\n..x\r\n.\r\n');
  assert.equal(run([Buffer.from('x\r')]).wire, 'x\r\n.\r\n');
});

test('a dot at the start of a chunk mid-line is not stuffed', () => {
  assert.equal(run([Buffer.from('ab'), Buffer.from('.c\r\n')]).wire, 'ab.c\r\n.\r\n');
});

test('TOP sends the header, the blank line and n body lines', () => {
  const msg = [Buffer.from('H: 1\r\nH2: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n')];
  assert.equal(run(msg, 0).wire, 'H: 1\r\nH2: 2\r\n\r\n.\r\n');
  assert.equal(run(msg, 2).wire, 'H: 1\r\nH2: 2\r\n\r\nl1\r\n..l2\r\n.\r\n');
  assert.equal(run(msg, 99).wire, 'H: 1\r\nH2: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n');
  // A message with no body and no blank line: TOP sends the whole header.
  assert.equal(run([Buffer.from('H: 1')], 5).wire, 'H: 1\r\n.\r\n');
});

test('an empty message is an empty response', () => {
  assert.equal(run([]).wire, '.\r\n');
  assert.equal(run([]).octets, 0);
});

test('property: for any bytes and chunking, unstuffed output is the CRLF-normalized input and octets match pop3Octets', () => {
  const alphabet = fc.constantFrom('a', '.', '\r', '\n', ' ', ':');
  fc.assert(fc.property(fc.array(alphabet, { maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 5 }), (chars, cuts) => {
    const text = chars.join('');
    const buf = Buffer.from(text, 'latin1');
    const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const p of points) { chunks.push(buf.subarray(prev, p)); prev = p; }
    chunks.push(buf.subarray(prev));
    const { wire, octets } = run(chunks);
    let expected = text.replace(/\r?\n/g, '\r\n');
    if (expected.length > 0 && !expected.endsWith('\r\n')) expected += expected.endsWith('\r') ? '\n' : '\r\n';
    assert.equal(unstuff(wire), expected);
    assert.equal(octets, expected.length);
    assert.equal(pop3Octets(chunks), octets);
    // No line on the wire starts with a lone dot except the terminator.
    const lines = wire.split('\r\n');
    lines.slice(0, -2).forEach((l) => assert.ok(!l.startsWith('.') || l.startsWith('..')));
  }));
});
