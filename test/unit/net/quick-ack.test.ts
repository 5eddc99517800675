import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { duplexPair } from 'node:stream';
import { ackNow, quickAckAvailable } from '../../../src/net/quick-ack.ts';
import { makeTestCert } from '../../fixtures/test-cert.ts';

// CI builds the addon (npm ci); elsewhere a missing compiler only costs the 40 ms APPEND stall.
const needAddon = process.platform === 'linux' && !!process.env.CI;

test('the TCP_QUICKACK addon is built where CI runs', { skip: !needAddon && !quickAckAvailable && 'addon not built here' }, () => {
  assert.equal(quickAckAvailable, true);
});

test('ackNow reaches the TCP socket under a plain and a server-side TLS connection, and is a no-op on other streams', { skip: !quickAckAvailable && 'addon not built here' }, async (t) => {
  const { key, cert } = makeTestCert(['localhost']);
  const results: boolean[] = [];
  const plain = net.createServer((s) => { results.push(ackNow(s)); s.end(); });
  const secure = tls.createServer({ key, cert }, (s) => { results.push(ackNow(s)); s.end(); });
  t.after(() => { plain.close(); secure.close(); });
  for (const server of [plain, secure]) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  const c1 = net.connect((plain.address() as net.AddressInfo).port, '127.0.0.1');
  await once(c1, 'close');
  const c2 = tls.connect({ port: (secure.address() as net.AddressInfo).port, host: '127.0.0.1', ca: cert, servername: 'localhost' });
  c2.on('data', () => {});
  await once(c2, 'close');
  assert.deepEqual(results, [true, true]);
  const [a] = duplexPair();
  assert.equal(ackNow(a), false, 'an in-memory stream has no socket');
});
