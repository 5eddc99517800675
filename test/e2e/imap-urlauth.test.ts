// URLAUTH (RFC 4467) and URLAUTH=BINARY (RFC 5524) over real sockets with Python's imaplib, two
// accounts on one server: an authuser URL of one user's message is fetched by the other; user+X
// only by X; submit+X, an expired URL and a tampered token never (NIL, all alike); a URL of another
// user's mailbox, anonymous access, another mechanism or a URL without ;URLAUTH= are refused with
// NO [BADURL] or BAD; RESETKEY of a mailbox ends its URLs; the keys survive a restart, and RESETKEY
// without a mailbox ends every URL. Hostile URLFETCH input is BAD [LIMIT] and the server keeps serving;
// CATENATE takes an authorized URL under URLFETCH's rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startImap, USER, PASS, type RunningImap } from '../fixtures/imap-server.ts';
import { hashPassword } from '../../src/login/password.ts';
import { IMAP_MAX_URL_LENGTH, IMAP_MAX_URLAUTH_URLS } from '../../src/limits.ts';

const run = promisify(execFile);
const OTHER = 'other@example.test';
const OTHER_PASS = 'other-pass';
let srv: RunningImap;
before(async () => {
  srv = await startImap();
  const domain = await srv.ctx.store.domains.find('example.test');
  await srv.ctx.store.accounts.add(OTHER, domain!.id, await hashPassword(OTHER_PASS));
});
after(async () => {
  await srv?.stop();
});

async function imaplib(mode: 'gen' | 'check', urls?: Record<string, string>): Promise<Record<string, any>> {
  const script = new URL('./scripts/imaplib_urlauth.py', import.meta.url).pathname;
  const args = [script, mode, String(srv.imapPort), USER, PASS, OTHER, OTHER_PASS, ...(urls ? [JSON.stringify(urls)] : [])];
  const { stdout } = await run('/usr/bin/python3', args, { timeout: 30000 });
  return JSON.parse(stdout);
}

const BODY = 'From: Bob <bob@example.test>\r\nSubject: shared\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n';

/** The data imaplib gives for `* URLFETCH url <literal>`, or the text of `* URLFETCH url NIL`. */
function fetched(untagged: unknown[]): string {
  const first = untagged[0];
  return Array.isArray(first) ? first[1] : String(first);
}

test('imaplib: GENURLAUTH, URLFETCH across users, refusals, RESETKEY, and keys that survive a restart', { timeout: 90_000 }, async () => {
  const out = await imaplib('gen');
  assert.ok(out.caps.includes('URLAUTH') && out.caps.includes('URLAUTH=BINARY'), out.caps.join(' '));
  const urls = out.urls as Record<string, string>;
  for (const [name, url] of Object.entries(urls)) {
    if (name === 'tampered') continue;
    assert.match(url, /;URLAUTH=[^:]+:internal:[0-9a-f]{64}$/i, name);
  }
  assert.match(urls.authuser!, /^imap:\/\/user@example\.test\/INBOX\/;UID=1;URLAUTH=authuser:internal:/);

  // The owner: authuser and user+owner serve the message; user+other, submit+, expired, tampered are NIL.
  const own = out.owner_fetch;
  assert.equal(fetched(own.authuser), BODY);
  assert.equal(fetched(own.user_owner), BODY);
  assert.equal(fetched(own.future), BODY);
  assert.equal(fetched(own.work), 'Subject: work\r\n\r\nwork body\r\n');
  for (const k of ['user_other', 'submit_other', 'expired', 'tampered']) assert.match(fetched(own[k]), / NIL$/, k);
  // The other user: authuser (another account's mailbox) and user+other serve; user+owner does not.
  const oth = out.other_fetch;
  assert.equal(fetched(oth.authuser), BODY);
  assert.equal(fetched(oth.user_other), BODY);
  assert.equal(fetched(oth.section), 'aGVsbG8gd29ybGQ=\r\n');
  for (const k of ['user_owner', 'submit_other', 'expired', 'tampered']) assert.match(fetched(oth[k]), / NIL$/, k);
  // RFC 5524: BODYPARTSTRUCTURE, then BINARY with the transfer encoding undone.
  const ext = out.other_extended as unknown[];
  assert.match(String((ext[0] as string[])[0]), /\(BODYPARTSTRUCTURE \("text" "plain" \("charset" "us-ascii"\) NIL NIL "base64" 11 0 NIL NIL NIL NIL\) BINARY \{11\}$/);
  assert.equal((ext[0] as string[])[1], 'hello world');
  // Two URLs in one command: one response, in order, the tampered one NIL.
  assert.equal(fetched(out.other_two), BODY);
  assert.equal(out.other_two[1], ` "${urls.tampered}" NIL`);

  const refused = out.refused;
  assert.equal(refused.other_mailbox[0], 'NO');
  assert.match(refused.other_mailbox[1][0], /^\[BADURL imap:\/\/other@example\.test\/INBOX\/;UID=1;URLAUTH=authuser\]/);
  assert.equal(refused.no_such_mailbox[0], 'NO');
  assert.match(refused.no_such_mailbox[1][0], /^\[BADURL /);
  assert.equal(refused.anonymous[0], 'NO');
  assert.match(refused.anonymous[1][0], /^\[BADURL .*Anonymous/);
  for (const k of ['mechanism', 'not_rump', 'resetkey_mechanism']) assert.equal(refused[k][0], 'BAD', k);
  assert.equal(refused.resetkey_no_mailbox[0], 'NO');
  assert.match(refused.resetkey_no_mailbox[1][0], /NONEXISTENT/);

  // RESETKEY Work: its URL is NIL from then on.
  assert.equal(out.resetkey_work[0], 'OK');
  assert.deepEqual(out.resetkey_work, ['OK', ['[URLMECH INTERNAL] RESETKEY completed'], ['INTERNAL']]);
  assert.match(fetched(out.work_after_reset), / NIL$/);

  await srv.restart();
  const later = await imaplib('check', urls);
  assert.equal(fetched(later.after_restart), BODY, 'the key is durable: the URL still works after a restart');
  assert.equal(later.resetkey_all[0], 'OK');
  assert.match(fetched(later.after_reset_all), / NIL$/, 'RESETKEY without a mailbox ends every URL of the user');
  assert.equal(later.regenerated_differs, true, 'a new key makes a new token for the same URL');
});

/** One raw IMAP exchange: the reply lines up to the tagged one. */
function exchange(sock: net.Socket, tag: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      if (new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm').test(buf)) {
        sock.off('data', onData);
        resolve(buf);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(line + '\r\n');
  });
}

test('hostile URLAUTH input is BAD [LIMIT] or BAD, and other sessions keep being served', async () => {
  const open = async () => {
    const s = net.connect(srv.imapPort, '127.0.0.1');
    await new Promise((r) => s.once('data', r));
    assert.match(await exchange(s, 'l', `l LOGIN ${USER} ${PASS}`), /^l OK/m);
    return s;
  };
  const hostile = await open();
  const bystander = await open();
  const u = 'imap://user@example.test/INBOX/;UID=1;URLAUTH=authuser';
  assert.match(await exchange(hostile, 'h1', `h1 URLFETCH ${Array.from({ length: IMAP_MAX_URLAUTH_URLS + 1 }, () => u).join(' ')}`), /^h1 BAD \[LIMIT\]/m);
  const long = `imap://user@example.test/${'x'.repeat(IMAP_MAX_URL_LENGTH)}/;UID=1;URLAUTH=authuser`;
  assert.match(await exchange(hostile, 'h2', `h2 GENURLAUTH {${long.length}+}\r\n${long} INTERNAL`), /^h2 BAD \[LIMIT\]/m);
  assert.match(await exchange(hostile, 'h3', 'h3 URLFETCH ((('), /^h3 BAD/m);
  assert.match(await exchange(hostile, 'h4', `h4 URLFETCH (${u} BINARY BODY)`), /^h4 BAD/m);
  assert.match(await exchange(hostile, 'h5', 'h5 URLFETCH "imap://user@example.test/INBOX/;UID=1;URLAUTH=authuser:internal:00000000000000000000000000000000"'), /URLFETCH "[^"]+" NIL\r\nh5 OK/);
  assert.match(await exchange(bystander, 'b1', 'b1 NOOP'), /^b1 OK/m);
  assert.match(await exchange(hostile, 'h6', 'h6 NOOP'), /^h6 OK/m);
  hostile.end();
  bystander.end();
});

test('CATENATE takes an authorized URL as URLFETCH would: another user\'s shared part, never a tampered one', async () => {
  const login = async (user: string, pass: string) => {
    const s = net.connect(srv.imapPort, '127.0.0.1');
    await new Promise((r) => s.once('data', r));
    assert.match(await exchange(s, 'l', `l LOGIN ${user} ${pass}`), /^l OK/m);
    return s;
  };
  const owner = await login(USER, PASS);
  const msg = 'Subject: part\r\n\r\nshared text\r\n';
  const appended = /^a1 OK \[APPENDUID \d+ (\d+)\]/m.exec(await exchange(owner, 'a1', `a1 APPEND INBOX {${msg.length}+}\r\n${msg}`));
  assert.ok(appended);
  const uid = Number(appended[1]);
  const gen = await exchange(owner, 'g', `g GENURLAUTH "imap://user@example.test/INBOX/;UID=${uid}/;SECTION=TEXT;URLAUTH=user+${OTHER}" INTERNAL`);
  const url = /^\* GENURLAUTH "([^"]+)"/m.exec(gen)![1]!;
  const other = await login(OTHER, OTHER_PASS);
  const made = await exchange(other, 'c1', `c1 APPEND INBOX CATENATE (TEXT {10+}\r\nSubject: x URL "${url}")`);
  assert.match(made, /^c1 OK \[APPENDUID/m);
  assert.match(await exchange(other, 's', 's SELECT INBOX'), /^s OK/m);
  assert.match(await exchange(other, 'f', 'f FETCH * BODY.PEEK[]'), /\{23\}\r\nSubject: xshared text\r\n\)/);
  const tampered = url.slice(0, -1) + (url.endsWith('0') ? '1' : '0');
  assert.match(await exchange(other, 'c2', `c2 APPEND INBOX CATENATE (URL "${tampered}")`), /^c2 NO \[BADURL /m);
  // The owner's own plain URL works for the owner only.
  assert.match(await exchange(other, 'c3', `c3 APPEND INBOX CATENATE (URL "imap://user@example.test/INBOX/;UID=${uid}")`), /^c3 NO \[BADURL /m);
  assert.match(await exchange(owner, 'c4', `c4 APPEND INBOX CATENATE (URL "imap://user@example.test/INBOX/;UID=${uid}")`), /^c4 OK/m);
  owner.end();
  other.end();
});
