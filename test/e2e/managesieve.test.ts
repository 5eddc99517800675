// ManageSieve (RFC 5804) against real clients: Debian's sieve-connect over STARTTLS (upload, list,
// activate, download, deactivate, delete) and Python over the wire (every command, literals,
// refusals with their response codes, AUTHENTICATE PLAIN and LOGIN), and the login throttle shared
// with IMAP. The listener runs on loopback with a test certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { validateConfig } from '../../src/config/load.ts';
import { buildContext } from '../../src/cli/serve.ts';
import { testStoreSection, type TestStoreSection } from '../fixtures/test-store.ts';
import { startManageSieve } from '../../src/managesieve/server.ts';
import { hashPassword } from '../../src/login/password.ts';
import { SIEVE_EXTENSIONS } from '../../src/sieve/capabilities.ts';
import { SIEVE_MAX_REDIRECTS } from '../../src/limits.ts';
import type { RunningListener, ServerContext } from '../../src/server-context.ts';
import { makeTestCert } from '../fixtures/test-cert.ts';

const run = promisify(execFile);
const SIEVE_CONNECT = '/usr/bin/sieve-connect';
let dir: string;
let ctx: ServerContext;
let listener: RunningListener;
let accountId: number;
let caFile: string;
let storeSection: TestStoreSection;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-managesieve-'));
  const cert = makeTestCert(['localhost']);
  caFile = path.join(dir, 'cert.pem');
  fs.writeFileSync(caFile, cert.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), cert.key);
  storeSection = await testStoreSection();
  const config = validateConfig({
    hostname: 'mail.example.test', data_dir: path.join(dir, 'data'), store: storeSection.store,
    listen: { smtp: false, submission: false, submissions: false, imap: false, imaps: false, pop3: false, pop3s: false, http: false, ops: false, managesieve: '127.0.0.1:0' },
    tls: { cert: caFile, key: path.join(dir, 'key.pem') }, log: { level: 'silent' },
    // Low, so the throttle test at the end of this file locks out after two failures.
    login: { max_failures: 2 },
  }, null);
  ctx = await buildContext(config, pino({ level: 'silent' }));
  const domain = await ctx.store.domains.add('example.test', []);
  accountId = (await ctx.store.accounts.add('bob@example.test', domain.id, await hashPassword('correct horse'))).id;
  listener = await startManageSieve(ctx, config.listen.managesieve!);
});

after(async () => {
  await listener.close();
  await ctx.store.close();
  await storeSection.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Transcript { [step: string]: string[] | boolean }

test('ManageSieve over the wire from Python: every command, literals, STARTTLS and refusals', async () => {
  const { stdout } = await run('/usr/bin/python3', [path.join(import.meta.dirname, 'managesieve_wire.py'), String(listener.port), 'bob@example.test', 'correct horse', caFile], { timeout: 30_000 });
  const t = JSON.parse(stdout) as Transcript;
  const greeting = t.greeting as string[];
  assert.ok(greeting.includes('"STARTTLS"'));
  assert.ok(greeting.includes('"SASL" ""'), 'no mechanisms before TLS');
  assert.ok(greeting.includes(`"SIEVE" "${SIEVE_EXTENSIONS.join(' ')}"`), 'SIEVE lists exactly the implemented extensions');
  assert.match((t.auth_before_tls as string[]).at(-1)!, /^NO \(ENCRYPT-NEEDED\)/);
  assert.match((t.starttls as string[])[0]!, /^OK/);
  const afterTls = t.after_tls as string[];
  assert.ok(!afterTls.includes('"STARTTLS"') && afterTls.includes('"SASL" "PLAIN LOGIN"'), 'capabilities re-issued after TLS');
  assert.deepEqual(t.auth, ['OK']);
  assert.match((t.put_bad as string[])[0]!, /^NO "line 4, column 1: expected \\";\\" or \\"\{\\" after command \\"fileinto\\"/, 'quoted per RFC 5804 §4');
  assert.deepEqual(t.havespace, ['OK']);
  assert.match((t.havespace_big as string[])[0]!, /^NO \(QUOTA\/MAXSIZE\)/);
  assert.deepEqual(t.put_good, ['OK']);
  assert.match((t.check_bad as string[])[0]!, /^NO "line 1, column 5/);
  assert.deepEqual(t.setactive, ['OK']);
  assert.deepEqual(t.list, ['"filters" ACTIVE', 'OK']);
  assert.equal(t.get_matches, true, 'GETSCRIPT returns the script byte for byte');
  assert.match((t.delete_active as string[])[0]!, /^NO \(ACTIVE\)/);
  assert.deepEqual(t.rename, ['OK']);
  assert.match((t.get_missing as string[])[0]!, /^NO \(NONEXISTENT\)/);
  assert.deepEqual(t.noop, ['OK (TAG "t1") "Done"']);
  // RFC 5804 §2.4: CAPABILITY after login: the same SIEVE list, OWNER, neither STARTTLS nor SASL.
  const capability = t.capability as string[];
  assert.equal(capability.at(-1), 'OK');
  assert.deepEqual(capability.filter((l) => l.startsWith('"SIEVE" ')), [`"SIEVE" "${SIEVE_EXTENSIONS.join(' ')}"`]);
  assert.ok(capability.includes('"OWNER" "bob@example.test"') && capability.includes('"VERSION" "1.0"') && capability.includes(`"MAXREDIRECTS" "${SIEVE_MAX_REDIRECTS}"`), capability.join('\n'));
  assert.ok(!capability.some((l) => l.startsWith('"STARTTLS"') || l.startsWith('"SASL"')), capability.join('\n'));
  assert.match((t.unknown as string[])[0]!, /^NO /);
  assert.deepEqual(t.deactivate, ['OK']);
  assert.deepEqual(t.delete, ['OK']);
  assert.deepEqual(t.list_empty, ['OK']);
  assert.match((t.logout as string[])[0]!, /^OK/);
  // AUTHENTICATE LOGIN: base64 "Username:" and "Password:" challenges as quoted strings.
  assert.equal(t.login_user_challenge, `"${Buffer.from('Username:').toString('base64')}"`);
  assert.equal(t.login_password_challenge, `"${Buffer.from('Password:').toString('base64')}"`);
  assert.deepEqual(t.login, ['OK']);
  assert.deepEqual(t.login_list, ['OK']);
  assert.match((t.login_logout as string[])[0]!, /^OK/);
});

async function sieveConnect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(SIEVE_CONNECT, ['--server', '127.0.0.1', '--port', String(listener.port), '--user', 'bob@example.test', '--passwordfd', '3',
    '--tlscafile', caFile, '--tlshostname', 'localhost', '--authmech', 'PLAIN', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  (child.stdio[3] as NodeJS.WritableStream).end('correct horse\n');
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

test('sieve-connect over STARTTLS: upload, list, activate, download, deactivate, delete', { skip: !fs.existsSync(SIEVE_CONNECT) && !process.env.CI && 'sieve-connect is not installed', timeout: 60_000 }, async () => {
  const local = path.join(dir, 'vacation.sieve');
  const script = 'require ["vacation", "fileinto"];\r\nif header :contains "subject" "urgent" { fileinto "Urgent"; }\r\nvacation :days 3 "Away until Monday.";\r\n';
  fs.writeFileSync(local, script);
  let r = await sieveConnect(['--localsieve', local, '--remotesieve', 'away', '--upload']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await ctx.store.sieve.get(accountId, 'away'), script, 'stored as uploaded');
  r = await sieveConnect(['--remotesieve', 'away', '--activate']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await ctx.store.sieve.active(accountId))?.name, 'away');
  r = await sieveConnect(['--list']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^"away" ACTIVE$/m);
  const downloaded = path.join(dir, 'downloaded.sieve');
  r = await sieveConnect(['--remotesieve', 'away', '--localsieve', downloaded, '--download']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readFileSync(downloaded, 'utf8'), script);
  const bad = path.join(dir, 'bad.sieve');
  fs.writeFileSync(bad, 'if true { keep }\r\n');
  r = await sieveConnect(['--localsieve', bad, '--remotesieve', 'bad', '--upload']);
  assert.notEqual(r.code, 0, 'a script with a syntax error is refused');
  assert.match(r.stdout + r.stderr, /line 1, column 16/);
  r = await sieveConnect(['--deactivate']);
  assert.equal(r.code, 0, r.stderr);
  r = await sieveConnect(['--remotesieve', 'away', '--delete']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await ctx.store.sieve.list(accountId), []);
});

test('[managesieve] allow_plaintext_loopback: a loopback client logs in without TLS, and STARTTLS is refused once logged in (RFC 5804 §2.2)', async () => {
  const plainDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-managesieve-plain-'));
  const config = validateConfig({
    hostname: 'mail.example.test', data_dir: plainDir,
    listen: { smtp: false, submission: false, submissions: false, imap: false, imaps: false, pop3: false, pop3s: false, http: false, ops: false, managesieve: '127.0.0.1:0' },
    tls: { cert: caFile, key: path.join(dir, 'key.pem') }, log: { level: 'silent' }, managesieve: { allow_plaintext_loopback: true },
  }, null);
  const plainCtx = await buildContext(config, pino({ level: 'silent' }));
  const domain = await plainCtx.store.domains.add('example.test', []);
  await plainCtx.store.accounts.add('bob@example.test', domain.id, await hashPassword('correct horse'));
  const plain = await startManageSieve(plainCtx, config.listen.managesieve!);
  try {
    const { stdout } = await run('/usr/bin/python3', ['-c', PLAINTEXT_SCRIPT, String(plain.port), Buffer.from('\0bob@example.test\0correct horse').toString('base64')], { timeout: 30_000 });
    const t = JSON.parse(stdout) as Record<string, string[]>;
    assert.ok(t.greeting!.includes('"SASL" "PLAIN LOGIN"') && t.greeting!.includes('"STARTTLS"'), t.greeting!.join('\n'));
    assert.deepEqual(t.auth, ['OK']);
    assert.match(t.starttls![0]!, /^NO /);
    assert.deepEqual(t.list, ['OK'], 'the session goes on in the clear');
  } finally {
    await plain.close();
    await plainCtx.store.close();
    fs.rmSync(plainDir, { recursive: true, force: true });
  }
});

const PLAINTEXT_SCRIPT = `
import json, socket, sys
sock = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20)
f = sock.makefile('rb')
def response():
    lines = []
    while True:
        line = f.readline().decode().rstrip('\\r\\n')
        lines.append(line)
        if line.startswith(('OK', 'NO', 'BYE')):
            return lines
out = {'greeting': response()}
sock.sendall(('AUTHENTICATE "PLAIN" "%s"\\r\\n' % sys.argv[2]).encode())
out['auth'] = response()
sock.sendall(b'STARTTLS\\r\\n')
out['starttls'] = response()
sock.sendall(b'LISTSCRIPTS\\r\\n')
out['list'] = response()
print(json.dumps(out))
`;

// Last in this file: it locks the loopback address out. The throttle is the one IMAP, POP3 and SMTP
// AUTH use (src/login/throttle.ts): after [login] max_failures failures even the right password is
// refused with TRYLATER (RFC 5804 §1.3) until the lockout ends.
test('failed ManageSieve logins are throttled like IMAP: NO (TRYLATER) after max_failures', async () => {
  const plain = (password: string) => Buffer.from(`\0bob@example.test\0${password}`).toString('base64');
  const { stdout } = await run('/usr/bin/python3', ['-c', THROTTLE_SCRIPT, String(listener.port), caFile, plain('wrong'), plain('still wrong'), plain('correct horse')], { timeout: 30_000 });
  const [first, second, third] = JSON.parse(stdout) as string[];
  assert.match(first!, /^NO /);
  assert.match(second!, /^NO /);
  assert.match(third!, /^NO \(TRYLATER\)/, 'the right password is refused during the lockout');
});

const THROTTLE_SCRIPT = `
import json, socket, ssl, sys
port, cafile, answers = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
sock = socket.create_connection(('127.0.0.1', port), timeout=20)
f = sock.makefile('rb')
def response():
    while True:
        line = f.readline().decode().rstrip('\\r\\n')
        if line.startswith(('OK', 'NO', 'BYE')):
            return line
response()
sock.sendall(b'STARTTLS\\r\\n')
response()
sock = ssl.create_default_context(cafile=cafile).wrap_socket(sock, server_hostname='localhost')
f = sock.makefile('rb')
response()
out = []
for a in answers:
    sock.sendall(('AUTHENTICATE "PLAIN" "%s"\\r\\n' % a).encode())
    out.append(response())
print(json.dumps(out))
`;
