import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { listenOn } from '../../../src/net/listen.ts';

test('listenOn turns Nagle off on every accepted socket before the protocol sees it', async (t) => {
  const calls: unknown[] = [];
  const original = net.Socket.prototype.setNoDelay;
  net.Socket.prototype.setNoDelay = function (this: net.Socket, on?: boolean) {
    calls.push(on);
    return original.call(this, on);
  };
  t.after(() => { net.Socket.prototype.setNoDelay = original; });
  const seen: unknown[][] = [];
  const server = net.createServer((socket) => {
    seen.push([...calls]);
    socket.end();
  });
  t.after(() => server.close());
  const { port } = await listenOn(server, { host: '127.0.0.1', port: 0 }, 'test');
  for (let i = 0; i < 2; i++) {
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'close');
  }
  assert.deepEqual(seen, [[true], [true, true]]);
});
