// Fuzz target: the HTTP request target and Host header (src/http/request-target.ts), and the http
// listener itself over a real socket with random request lines and headers. Properties: the parsers
// never throw and what they accept is a path starting with "/" (or "*"); the listener answers every
// request with a status line (a 4xx for what it cannot parse) or closes, and keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { parseHostHeader, parseRequestTarget } from '../../src/http/request-target.ts';
import { startHttpServer } from '../../src/http/server.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { createAcmeChallenges } from '../../src/tls/acme-challenges.ts';
import { corpus, fuzzOptions } from './options.ts';

const targetText = fc.oneof(
  fc.array(fc.constantFrom('/', '//', 'x', ':', '99999', '?', '#', '%', '%zz', '[', ']', '::1', '@', 'http://', 'https://', '*', '.', '..', ' ', '\t', '\u0000', 'é'), { maxLength: 12 }).map((a) => a.join('')),
  fc.string({ maxLength: 60 }),
);

test('fuzz: request targets and Host headers parse or are refused, never throw', () => {
  fc.assert(fc.property(targetText, fc.constantFrom('GET', 'OPTIONS', 'POST'), targetText, (target, method, host) => {
    const t = parseRequestTarget(target, method);
    if (t) assert.ok(t.path === '*' || t.path.startsWith('/'));
    const h = parseHostHeader(host);
    if (h !== null) assert.doesNotMatch(h, /[\s/]/);
  }), { ...fuzzOptions(), examples: [['//x:99999', 'GET', '[::1'], ['http://[zz]/', 'GET', 'a:99999']] });
});

test('fuzz: the http listener answers or closes every raw request and keeps serving', async (t) => {
  const metrics = createMetrics();
  const running = await startHttpServer({
    hostname: 'mail.example.test', services: { imaps: 993, submissions: 465 }, mtaSts: { mode: 'testing', maxAgeS: 86400 },
    isLocalDomain: async (d) => d === 'example.test', metrics, health: async () => [], challenges: createAcmeChallenges(),
  }, { host: '127.0.0.1', port: 0 });
  t.after(() => running.close());
  const send = (bytes: Buffer) => new Promise<string>((resolve) => {
    const s = net.connect(running.port, '127.0.0.1', () => s.end(bytes));
    let out = '';
    s.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.setTimeout(5000, () => s.destroy());
  });
  const header = fc.tuple(fc.constantFrom('host', 'Host', 'content-length', 'transfer-encoding', 'x', ''), fc.string({ maxLength: 30 }));
  const request = fc.tuple(fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'BREW', ''), targetText, fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9', ''), fc.array(header, { maxLength: 4 }))
    .map(([m, target, v, hs]) => Buffer.from(`${m} ${target} ${v}\r\n${hs.map(([k, val]) => `${k}: ${val}`).join('\r\n')}\r\n\r\n`, 'latin1'));
  const runs = Math.min(50, fuzzOptions().numRuns);
  await fc.assert(fc.asyncProperty(request, async (bytes) => {
    const reply = await send(bytes);
    assert.ok(reply === '' || /^HTTP\/1\.1 \d{3} /.test(reply), reply.slice(0, 80));
  }), { ...fuzzOptions(), numRuns: runs, examples: [[Buffer.from('GET //x:99999 HTTP/1.1\r\nhost: x\r\n\r\n')], ...corpus('http-request').map((b) => [b] as [Buffer])] });
  const ok = await send(Buffer.from('GET /nothing HTTP/1.1\r\nhost: x\r\n\r\n'));
  assert.match(ok, /^HTTP\/1\.1 404 /);
});
