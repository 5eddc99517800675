// Real POP3 clients against a running server: Python's poplib and Debian's fetchmail, each over
// STLS (port "pop3") and implicit TLS ("pop3s"). Checks what they receive against what was stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startPop3TestServer, type Pop3TestServer } from '../fixtures/pop3-server.ts';

const run = promisify(execFile);
const POPLIB = path.join(import.meta.dirname, 'poplib_fetch.py');
let server: Pop3TestServer;

before(async () => {
  server = await startPop3TestServer();
});
after(() => server.stop());

function message(n: number): string {
  return `From: sender${n}@example.org\r\nTo: alice@example.test\r\nSubject: message ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\nHello ${n}.\r\n.A line that starts with a dot\r\n` +
    'filler '.repeat(40 * n) + '\r\n';
}

interface PoplibResult { capa: string[]; stat: [number, number]; list: number[]; uidl: string[]; messages: string[]; retr_octets: number[]; top_lines: number }

async function poplib(mode: 'stls' | 'pop3s', dele = false): Promise<PoplibResult> {
  const port = mode === 'stls' ? server.pop3Port : server.pop3sPort;
  const { stdout } = await run('python3', [POPLIB, String(port), 'alice@example.test', 'secret', mode, ...(dele ? ['dele'] : [])], { timeout: 20_000 });
  return JSON.parse(stdout) as PoplibResult;
}

test('poplib over STLS and POP3S: byte-identical RETR, LIST equal to RETR octets, stable UIDL', async () => {
  const uids = [await server.deliver(message(1), 'Received: by mail.example.test\r\n'), await server.deliver(message(2))];
  const stls = await poplib('stls');
  const pop3s = await poplib('pop3s');
  for (const r of [stls, pop3s]) {
    assert.equal(r.stat[0], 2);
    for (const cap of ['TOP', 'UIDL', 'USER', 'SASL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE', 'IMPLEMENTATION']) assert.ok(r.capa.includes(cap), cap);
    assert.ok(!r.capa.includes('STLS'), 'no STLS once TLS is on');
    for (let i = 0; i < 2; i++) {
      const got = Buffer.from(r.messages[i]!, 'base64');
      assert.deepEqual(got, await server.stored(uids[i]!), `message ${i + 1} is byte-identical to the stored one`);
      assert.equal(r.list[i], got.length);
      assert.equal(r.retr_octets[i], got.length);
    }
    assert.equal(r.stat[1], r.list[0]! + r.list[1]!);
    assert.equal(r.top_lines, 6, 'TOP 1 0: five header lines (with the prefix) and the blank line');
  }
  assert.deepEqual(stls.uidl, pop3s.uidl, 'UIDL is the same across sessions');
  const dele = await poplib('pop3s', true);
  assert.deepEqual(dele.uidl, stls.uidl);
  assert.deepEqual(await server.inboxUids(), [], 'DELE+QUIT removed them');
});

async function fetchmail(mode: 'stls' | 'pop3s'): Promise<string> {
  const dir = fs.mkdtempSync(path.join(server.dataDir, 'fetchmail-'));
  const out = path.join(dir, 'out.mbox');
  const rc = path.join(dir, 'fetchmailrc');
  const port = mode === 'stls' ? server.pop3Port : server.pop3sPort;
  // sslproto without ssl: STLS is required; ssl: TLS from the first byte. The certificate is self-signed.
  const tlsOptions = mode === 'stls' ? "sslproto 'tls1.2+'" : "ssl sslproto 'tls1.2+'";
  fs.writeFileSync(rc, `set no syslog\npoll 127.0.0.1 protocol POP3 port ${port}\n` +
    `  user "alice@example.test" there with password "secret" is "nobody" here\n` +
    `  options ${tlsOptions} no sslcertck mda "cat >> ${out}"\n`, { mode: 0o600 });
  const env = { ...process.env, HOME: dir, FETCHMAILHOME: dir };
  const { stdout, stderr } = await run('fetchmail', ['-f', rc, '--nodetach', '--pidfile', path.join(dir, 'pid'), '-v'], { env, timeout: 30_000 }).catch((e: { code: number; stderr: string; stdout: string }) => {
    throw new Error(`fetchmail exited ${e.code}: ${e.stderr}\n${e.stdout}`);
  });
  const trace = stdout + stderr;
  if (mode === 'stls') assert.match(trace, /POP3> STLS[\s\S]*upgrade to TLS succeeded/);
  else assert.match(trace, /SSL\/TLS: using protocol TLS/);
  assert.match(trace, /POP3> DELE 1[\s\S]*POP3> QUIT/);
  return fs.readFileSync(out, 'utf8');
}

for (const mode of ['stls', 'pop3s'] as const) {
  test(`fetchmail over ${mode} fetches every message and deletes them at QUIT`, async () => {
    await server.deliver(message(3));
    await server.deliver(message(4));
    const mbox = await fetchmail(mode);
    for (const n of [3, 4]) {
      assert.ok(mbox.includes(`Subject: message ${n}\n`) || mbox.includes(`Subject: message ${n}\r\n`), `message ${n} delivered`);
      assert.match(mbox, new RegExp(`Hello ${n}\\.\\r?\\n\\.A line that starts with a dot`), 'unstuffed by fetchmail');
    }
    assert.deepEqual(await server.inboxUids(), []);
  });
}
