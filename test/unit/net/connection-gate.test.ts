// The connection gate over real loopback sockets: PROXY headers from a trusted peer (v1, v2, split
// across writes, with protocol bytes behind them), refused headers (malformed, oversized, late, cut
// off) and an untrusted peer's header left to the protocol; limits counted under the claimed client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ConnectionLimiter } from '../../../src/net/connection-limiter.ts';
import { connectionGate, type Client, type ProxyFailure } from '../../../src/net/connection-gate.ts';
import { parseProxyTrust } from '../../../src/config/proxy-trust.ts';
import { proxyV1, proxyV2 } from '../../fixtures/proxy-header.ts';

interface Seen { client: Client; bytes: Promise<string> }
const admitted: Seen[] = [];
const failures: ProxyFailure[] = [];
const servers: net.Server[] = [];

/** A gate on loopback that echoes nothing and records who it admitted and the first bytes after the header. */
async function gate(trusted: string[], maxPerIp = 10): Promise<number> {
  const server = net.createServer(connectionGate({
    limiter: new ConnectionLimiter({ maxPerIp, maxTotal: 100, ipv6Prefix: 64 }),
    trust: parseProxyTrust(trusted),
    refusal: () => 'BUSY\r\n',
    refused: () => {},
    proxyFailed: (reason) => failures.push(reason),
    admitted: (socket, client) => {
      socket.write('HELLO\r\n');
      const bytes = new Promise<string>((resolve) => {
        let got = '';
        socket.on('data', (d: Buffer) => { got += d.toString('latin1'); if (got.includes('\n')) resolve(got); });
      });
      admitted.push({ client, bytes });
    },
    headerTimeoutMs: 300,
  }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function connect(port: number): Promise<{ socket: net.Socket; read(): Promise<string>; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  let got = '';
  socket.on('data', (d: Buffer) => { got += d.toString('latin1'); });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket, closed,
    async read() {
      while (!got.includes('\n') && !socket.destroyed) await new Promise((r) => setTimeout(r, 5));
      return got;
    },
  };
}

let trustedPort: number;
let untrustedPort: number;
before(async () => {
  trustedPort = await gate(['127.0.0.0/8']);
  untrustedPort = await gate(['10.0.0.0/8']);
});
after(async () => { for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve())); });

test('trusted v1 and v2: the claimed client is admitted and the bytes after the header reach the protocol intact', async () => {
  for (const [header, address] of [[proxyV1('203.0.113.9', 4242), '203.0.113.9'], [proxyV2('2001:db8::7', 4242), '2001:db8::7']] as const) {
    admitted.length = 0;
    const c = await connect(trustedPort);
    c.socket.write(Buffer.concat([header, Buffer.from('EHLO x\r\n')]));
    assert.equal(await c.read(), 'HELLO\r\n');
    assert.deepEqual(admitted[0]!.client, { address, port: 4242, proxied: true });
    assert.equal(await admitted[0]!.bytes, 'EHLO x\r\n');
    c.socket.destroy();
  }
});

test('a header split across writes is read whole', async () => {
  admitted.length = 0;
  const header = proxyV2('198.51.100.4', 1);
  const c = await connect(trustedPort);
  for (const part of [header.subarray(0, 5), header.subarray(5, 15), header.subarray(15)]) {
    c.socket.write(part);
    await new Promise((r) => setTimeout(r, 20));
  }
  c.socket.write('x\n');
  assert.equal(await c.read(), 'HELLO\r\n');
  assert.equal(admitted[0]!.client.address, '198.51.100.4');
  assert.equal(await admitted[0]!.bytes, 'x\n');
  c.socket.destroy();
});

test('from a trusted peer a header is required: garbage, an oversized line, silence or a cut-off header close the connection, uncounted', async () => {
  for (const [send, reason] of [
    [Buffer.from('EHLO client.test\r\n'), 'invalid'],
    [Buffer.from(`PROXY UNKNOWN ${'x'.repeat(200)}`), 'oversized'],
    [Buffer.alloc(0), 'timeout'],
  ] as const) {
    admitted.length = 0;
    failures.length = 0;
    const c = await connect(trustedPort);
    if (send.length) c.socket.write(send);
    await c.closed;
    assert.equal(await c.read(), '', `${reason}: nothing is said`);
    assert.deepEqual(failures, [reason]);
    assert.equal(admitted.length, 0);
  }
  failures.length = 0;
  const c = await connect(trustedPort);
  c.socket.end(proxyV1('203.0.113.9', 1).subarray(0, 10));
  await c.closed;
  assert.deepEqual(failures, ['closed']);
});

test('from an untrusted peer a PROXY header is not honoured: it is protocol bytes, and the peer is the client', async () => {
  admitted.length = 0;
  const c = await connect(untrustedPort);
  c.socket.write(proxyV1('203.0.113.9', 4242));
  assert.equal(await c.read(), 'HELLO\r\n');
  assert.equal(admitted[0]!.client.address, '127.0.0.1');
  assert.equal(admitted[0]!.client.proxied, false);
  assert.equal(await admitted[0]!.bytes, proxyV1('203.0.113.9', 4242).toString('latin1'));
  c.socket.destroy();
});

test('limits count the claimed client: two connections claiming one address fill a limit of 2, another address still gets in', async () => {
  const port = await gate(['127.0.0.1'], 2);
  const open = [];
  for (let i = 0; i < 2; i++) {
    const c = await connect(port);
    c.socket.write(proxyV1('192.0.2.50', 1000 + i));
    assert.equal(await c.read(), 'HELLO\r\n');
    open.push(c);
  }
  const third = await connect(port);
  third.socket.write(proxyV1('192.0.2.50', 1002));
  await third.closed;
  assert.equal(await third.read(), 'BUSY\r\n');
  const other = await connect(port);
  other.socket.write(proxyV2('192.0.2.51', 1));
  assert.equal(await other.read(), 'HELLO\r\n');
  for (const c of [...open, other]) c.socket.destroy();
});
