import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProxyHeader } from '../../../src/net/proxy-protocol.ts';
import { parseProxyTrust } from '../../../src/config/proxy-trust.ts';
import { proxyV1, proxyV2, proxyV2Raw as v2 } from '../../fixtures/proxy-header.ts';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

const ipv4Block = (src: number[], dst: number[], sport: number, dport: number) => {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0); Buffer.from(dst).copy(b, 4); b.writeUInt16BE(sport, 8); b.writeUInt16BE(dport, 10);
  return b;
};

test('v1 TCP4 and TCP6: the source address and port, and exactly the header\'s length', () => {
  const line = 'PROXY TCP4 203.0.113.9 192.0.2.1 51234 25\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(`${line}EHLO x\r\n`)), { kind: 'header', version: 1, length: line.length, source: { address: '203.0.113.9', port: 51234 } });
  const six = 'PROXY TCP6 2001:DB8:0:0:0:0:0:7 2001:db8::1 4000 993\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(six)), { kind: 'header', version: 1, length: six.length, source: { address: '2001:db8::7', port: 4000 } });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN whatever\r\n')), { kind: 'header', version: 1, length: 24, source: null });
});

test('v1: a prefix is incomplete; anything malformed is invalid at once', () => {
  for (const partial of ['', 'P', 'PROXY', 'PROXY TCP4 203.0.113.9 192.0.2.1 1 2', 'PROXY TCP4 203.0.113.9 192.0.2.1 1 2\r']) {
    assert.equal(parseProxyHeader(Buffer.from(partial)).kind, 'incomplete', JSON.stringify(partial));
  }
  for (const bad of [
    'PROXY TCP4 203.0.113.9 192.0.2.1 1 2\n', 'PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n', 'PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n',
    'PROXY TCP6 1.2.3.4 2001:db8::1 1 2\r\n', 'PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n', 'PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n', 'PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n', 'PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n',
    'PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n', 'proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n', 'EHLO client.test\r\n', '\x16\x03\x01\x02\x00',
  ]) {
    const r = parseProxyHeader(Buffer.from(bad, 'latin1'));
    assert.equal(r.kind, 'invalid', JSON.stringify(bad));
  }
});

test('v1: a line longer than 107 bytes is refused as oversized, with or without its CRLF', () => {
  const long = `PROXY UNKNOWN ${'x'.repeat(100)}`;
  for (const data of [long, `${long}\r\n`]) {
    const r = parseProxyHeader(Buffer.from(data));
    assert.equal(r.kind, 'invalid');
    assert.equal(r.kind === 'invalid' && r.oversized, true);
  }
});

test('v2 PROXY over TCP4 and TCP6 (TLVs skipped), LOCAL and UNSPEC use the connection\'s own address', () => {
  const four = v2(1, 0x11, ipv4Block([203, 0, 113, 9], [192, 0, 2, 1], 40000, 465), Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32]));
  assert.deepEqual(parseProxyHeader(Buffer.concat([four, Buffer.from([0x16, 0x03, 0x01])])), { kind: 'header', version: 2, length: four.length, source: { address: '203.0.113.9', port: 40000 } });
  const block6 = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(block6, 0);
  block6.writeUInt16BE(5555, 32);
  assert.deepEqual(parseProxyHeader(v2(1, 0x21, block6)), { kind: 'header', version: 2, length: 52, source: { address: '2001:db8::7', port: 5555 } });
  const mapped = Buffer.alloc(36);
  Buffer.from('00000000000000000000ffffc0000201', 'hex').copy(mapped, 0);
  assert.equal((parseProxyHeader(v2(1, 0x21, mapped)) as { source: { address: string } }).source.address, '::ffff:192.0.2.1');
  assert.deepEqual(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0))), { kind: 'header', version: 2, length: 16, source: null });
  assert.deepEqual(parseProxyHeader(v2(1, 0x00, Buffer.alloc(0))), { kind: 'header', version: 2, length: 16, source: null });
  assert.deepEqual(parseProxyHeader(v2(1, 0x31, Buffer.alloc(216))), { kind: 'header', version: 2, length: 232, source: null });
});

test('v2: partial signature or body is incomplete; a wrong version, command, family, short block or huge length is invalid', () => {
  const four = v2(1, 0x11, ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
  for (let n = 1; n < four.length; n++) assert.equal(parseProxyHeader(four.subarray(0, n)).kind, 'incomplete', `first ${n} bytes`);
  const wrongVersion = Buffer.from(four); wrongVersion[12] = 0x11;
  const wrongCommand = Buffer.from(four); wrongCommand[12] = 0x22;
  for (const bad of [wrongVersion, wrongCommand, v2(1, 0x12, ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)), v2(1, 0x11, Buffer.alloc(11)), v2(1, 0x21, Buffer.alloc(35)), v2(1, 0x41, Buffer.alloc(12))]) {
    assert.equal(parseProxyHeader(bad).kind, 'invalid', bad.toString('hex'));
  }
  const huge = Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
  const r = parseProxyHeader(huge);
  assert.equal(r.kind === 'invalid' && r.oversized, true, 'refused from the length field, before the body arrives');
});

test('trust list: addresses and CIDR blocks, IPv4-mapped peers match their IPv4 entry, empty trusts nobody', () => {
  const trust = parseProxyTrust(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
  assert.equal(trust.enabled, true);
  for (const peer of ['127.0.0.1', '::ffff:127.0.0.1', '10.200.3.4', '::ffff:10.0.0.1', '2001:db8:1::5']) assert.equal(trust.trusts(peer), true, peer);
  for (const peer of ['127.0.0.2', '11.0.0.1', '2001:db9::1', '::1', '', 'localhost']) assert.equal(trust.trusts(peer), false, peer);
  const none = parseProxyTrust([]);
  assert.equal(none.enabled, false);
  assert.equal(none.trusts('127.0.0.1'), false);
  for (const bad of ['localhost', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/8/8', '10.0.0.0/x', '']) assert.throws(() => parseProxyTrust([bad]), /IP address|prefix length/, bad);
});

test('the test fixture\'s headers are what the parser reads (v1 and v2, IPv4 and IPv6)', () => {
  for (const [src, port] of [['203.0.113.9', 1], ['2001:db8::7', 65535]] as const) {
    for (const header of [proxyV1(src, port), proxyV2(src, port)]) {
      const r = parseProxyHeader(header);
      assert.equal(r.kind, 'header');
      assert.deepEqual(r.kind === 'header' && [r.length, r.source], [header.length, { address: src, port }]);
    }
  }
});
