// The outcome of the spam filter over real sockets, clients connecting from distinct loopback
// addresses ([testing] spam_loopback_is_public) against a DNS fixture: a documented listing code
// scores, 127.255.255.254 and a timeout are errors (never a listing); allowlists subtract; HELO,
// FCrDNS and early-talker signals add but never refuse alone, and the greeting pause holds only its
// own connection; far above the threshold → 550 5.7.1 with a copy in Rejects (unsubscribed, not
// trained, expired after rejects_keep_days); `postern spam explain` says why; `dns check` reports a
// list that answers errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { stringify } from 'smol-toml';
import { ImapFlow } from 'imapflow';
import { startDnsServer, type DnsFixture } from '../fixtures/dns-server.ts';
import { cliStoreSection } from '../fixtures/test-store.ts';
import { startSpamPostern, smtpSend, SPAM_USER, SPAM_PASS, type SpamPostern } from '../fixtures/spam-postern.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/postern', import.meta.url));

/** Runs the CLI without blocking this process (the DNS fixture answers from here). */
function cli(configFile: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', configFile], { env: { ...process.env, POSTERN_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
import { expireRejects } from '../../src/spam/rejects-expiry.ts';
import { REJECTS_MAILBOX } from '../../src/store/spam-filing.ts';

let dns: DnsFixture;
let pm: SpamPostern;
const PAUSE_MS = 400;

before(async () => {
  dns = await startDnsServer({
    '2.0.0.127.bl.test': { A: ['127.0.0.2'] },
    '3.0.0.127.bl.test': { A: ['127.255.255.254'] },
    '5.0.0.127.wl.test': { A: ['127.0.0.2'] },
    '6.0.0.127.in-addr.arpa': { PTR: ['host.fc.test'] },
    'host.fc.test': { A: ['127.0.0.9'] },
    '7.0.0.127.in-addr.arpa': { PTR: ['good.fc.test'] },
    'good.fc.test': { A: ['127.0.0.7'] },
    // RFC 5782 §5 test entries: the healthy list answers them, the broken one answers an error code.
    '2.0.0.127.ok.test': { A: ['127.0.0.2'] },
    '2.0.0.127.broken.test': { A: ['127.255.255.254'] },
    '1.0.0.127.broken.test': { A: ['127.255.255.254'] },
  });
  dns.timeout.add('4.0.0.127.bl.test');
  pm = await startSpamPostern(dns.server, {
    dnsbl: ['bl.test'], dnswl: ['wl.test'], junk_score: 5, reject_score: 8, early_talker: true, greeting_pause_ms: PAUSE_MS,
  }, { testing: { spam_loopback_is_public: true } });
});
after(async () => {
  await pm.stop();
  await dns.close();
});

const message = (id: string, body = 'Hello, see you on Tuesday.') =>
  `From: Sender <s-${id}@example.org>\r\nTo: ${SPAM_USER}\r\nSubject: test ${id}\r\nMessage-ID: <${id}@example.org>\r\n\r\n${body}\r\n`;

function imap(): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: pm.imapPort, secure: false, doSTARTTLS: false, auth: { user: SPAM_USER, pass: SPAM_PASS }, logger: false });
}

/** Every stored copy of the message with this Message-ID: mailbox and the header block. */
async function find(id: string): Promise<{ mailbox: string; header: string }[]> {
  const c = imap();
  await c.connect();
  const out: { mailbox: string; header: string }[] = [];
  try {
    for (const box of ['INBOX', 'Junk', REJECTS_MAILBOX]) {
      if (!(await c.list()).some((b) => b.path === box)) continue;
      await c.mailboxOpen(box);
      for (const uid of (await c.search({ header: { 'message-id': `${id}@example.org` } }, { uid: true })) || []) {
        const m = await c.fetchOne(String(uid), { source: true }, { uid: true });
        if (m && m.source) out.push({ mailbox: box, header: m.source.toString().split('\r\n\r\n')[0]! });
      }
    }
  } finally {
    await c.logout();
  }
  return out;
}

const reasons = (header: string) => /^X-Spam-Reasons:(.*(?:\r\n[ \t].*)*)/m.exec(header)?.[1]?.replace(/\r\n\s+/g, ' ') ?? '';
const score = (header: string) => Number(/^X-Spam-Score: ([-\d.]+)/m.exec(header)?.[1]);

test('a documented listing code scores; 127.255.255.254 and a timeout are errors, not listings; an allowlist subtracts', async () => {
  assert.match(await pm.send(message('listed'), { localAddress: '127.0.0.2' }), /^250 /);
  const [listed] = await find('listed');
  assert.match(reasons(listed!.header), /dnsbl bl\.test=127\.0\.0\.2 \+4\.0/);

  const errorsBefore = (await pm.ctx.metrics.expose()).match(/postern_spam_dns_list_lookups_total\{list="dnsbl",result="error"\} (\d+)/)?.[1] ?? '0';
  assert.match(await pm.send(message('errcode'), { localAddress: '127.0.0.3' }), /^250 /);
  assert.match(await pm.send(message('timeout'), { localAddress: '127.0.0.4' }), /^250 /);
  for (const id of ['errcode', 'timeout']) {
    const [copy] = await find(id);
    assert.equal(copy!.mailbox, 'INBOX', id);
    assert.doesNotMatch(reasons(copy!.header), /dnsbl bl\.test=/, id);
    assert.match(reasons(copy!.header), /dns-list-error bl\.test/, id);
  }
  const errorsAfter = (await pm.ctx.metrics.expose()).match(/postern_spam_dns_list_lookups_total\{list="dnsbl",result="error"\} (\d+)/)?.[1];
  assert.equal(Number(errorsAfter), Number(errorsBefore) + 2);

  assert.match(await pm.send(message('allowed'), { localAddress: '127.0.0.5' }), /^250 /);
  const [allowed] = await find('allowed');
  assert.match(reasons(allowed!.header), /dnswl wl\.test=127\.0\.0\.2 -4\.0/);
  assert.ok(score(allowed!.header) < 0);
});

test('HELO and FCrDNS signals add to the score and go to Junk together with a listing, never refused alone', async () => {
  assert.match(await pm.send(message('helo'), { localAddress: '127.0.0.6', helo: 'mx.example.test' }), /^250 /);
  const [helo] = await find('helo');
  assert.match(reasons(helo!.header), /helo-is-our-name \+2\.0/);
  assert.match(reasons(helo!.header), /no-fcrdns \+1\.5/);
  assert.equal(helo!.mailbox, 'INBOX', 'two connection signals alone stay below the junk threshold');

  assert.match(await pm.send(message('good-rdns'), { localAddress: '127.0.0.7', helo: '[127.0.0.7]' }), /^250 /);
  const [good] = await find('good-rdns');
  assert.doesNotMatch(reasons(good!.header), /no-fcrdns/);
  assert.match(reasons(good!.header), /helo-bare-ip \+1\.5/);

  assert.match(await pm.send(message('junked'), { localAddress: '127.0.0.2', helo: 'mx.example.test' }), /^250 /);
  const [junked] = await find('junked');
  assert.equal(junked!.mailbox, 'Junk');
  // listing 4 + HELO 2 + FCrDNS 1.5, and −2 when the trainer has already counted example.org's earlier
  // mail as kept ham (the training on arrival is applied after the commit): the score is their sum.
  const total = score(junked!.header);
  const points = [...reasons(junked!.header).matchAll(/ ([-+]\d+\.\d)(?:;|$)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  assert.ok(total >= 5 && Math.abs(total - points) < 0.05, `${total} = ${points}: ${reasons(junked!.header)}`);
  assert.match(reasons(junked!.header), /dnsbl bl\.test=127\.0\.0\.2 \+4\.0; helo-is-our-name \+2\.0; no-fcrdns \+1\.5/);
});

test('an early talker is scored, not refused, and the greeting pause holds only its own connection', async () => {
  assert.match(await pm.send(message('early'), { localAddress: '127.0.0.8', early: true }), /^250 /);
  const [early] = await find('early');
  assert.match(reasons(early!.header), /early-talker \+3\.0/);

  // Six connections at once: each waits its own pause, so all are greeted after about one pause.
  const started = Date.now();
  const greetings = await Promise.all(Array.from({ length: 6 }, () => new Promise<number>((resolve, reject) => {
    const s = net.connect(pm.smtpPort, '127.0.0.1');
    s.once('data', () => {
      resolve(Date.now() - started);
      s.destroy();
    });
    s.once('error', reject);
  })));
  assert.ok(Math.min(...greetings) >= PAUSE_MS - 50, `the greeting is paused: ${greetings}`);
  assert.ok(Math.max(...greetings) < PAUSE_MS * 5, `connections do not wait for each other: ${greetings}`);
});

test('far above the threshold: 550 5.7.1, a copy in Rejects (unsubscribed, untrained), explained, expired after rejects_keep_days', async () => {
  const trained = await pm.ctx.store.spam.totals(pm.accountId);
  const reply = await pm.send(message('refused'), { localAddress: '127.0.0.2', helo: '[127.0.0.2]', early: true });
  assert.match(reply, /^550 5\.7\.1 /);
  const copies = await find('refused');
  assert.deepEqual(copies.map((c) => c.mailbox), [REJECTS_MAILBOX]);
  // Two earlier messages from 127.0.0.2 went to Junk: the IP's reputation now decides, before any list.
  assert.match(copies[0]!.header, /^X-Spam-Score: 16\.0 \(reject\)/m);
  assert.match(reasons(copies[0]!.header), /reputation-spam ip32=127\.0\.0\.2 \(0 ham, 2 spam\) \+10\.0/);
  assert.doesNotMatch(reasons(copies[0]!.header), /dnsbl/, 'lists are not consulted when reputation is clear');
  await pm.trained();
  assert.deepEqual(await pm.ctx.store.spam.totals(pm.accountId), trained, 'a refused copy is not trained');

  const c = imap();
  await c.connect();
  try {
    const subscribed = await c.list({ statusQuery: {} }).then((boxes) => boxes.filter((b) => b.subscribed).map((b) => b.path));
    assert.ok(!subscribed.includes(REJECTS_MAILBOX), `Rejects is not subscribed: ${subscribed}`);
  } finally {
    await c.logout();
  }

  const configFile = path.join(pm.dataDir, 'cli.toml');
  fs.writeFileSync(configFile, stringify({ hostname: 'mx.example.test', data_dir: pm.dataDir, store: cliStoreSection(pm.ctx.config) }));
  const explained = await cli(configFile, ['spam', 'explain', SPAM_USER, '<refused@example.org>']);
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /score 16 → reject/);
  assert.match(explained.stdout, /reputation-spam ip32=127\.0\.0\.2/);
  assert.match(explained.stdout, /spam by ip32/);
  assert.match(explained.stdout, /early-talker/);

  const now = Date.now();
  assert.equal(await expireRejects(pm.ctx.store, 14, now + 13 * 86_400_000), 0, 'kept for 14 days');
  assert.equal(await expireRejects(pm.ctx.store, 14, now + 15 * 86_400_000), 1);
  assert.deepEqual(await find('refused'), []);
});

test('dns check reports a list that answers errors for every query', async () => {
  const configFile = path.join(pm.dataDir, 'check.toml');
  fs.writeFileSync(configFile, stringify({
    hostname: 'mx.example.test', data_dir: pm.dataDir, store: cliStoreSection(pm.ctx.config), dns: { servers: [dns.server], timeout_ms: 300, tries: 1 },
    spam: { dnsbl: ['ok.test', 'broken.test'] },
  }));
  const r = await cli(configFile, ['dns', 'check', 'example.test', '--json']);
  const rows = (JSON.parse(r.stdout) as { rows: { record: string; verdict: string; found: string }[] }).rows;
  const ok = rows.find((x) => x.record === 'dnsbl ok.test');
  const broken = rows.find((x) => x.record === 'dnsbl broken.test');
  assert.equal(ok?.verdict, 'ok', JSON.stringify(rows));
  assert.equal(broken?.verdict, 'error');
  assert.match(broken!.found, /127\.255\.255\.254/);
});

test('an unlisted client from an unknown network is judged on content only and delivered; a link to the sender\'s organisation takes a point off', async () => {
  assert.match(await smtpSend(pm.smtpPort, message('plain'), { localAddress: '127.0.0.10' }), /^250 /);
  const [plain] = await find('plain');
  assert.equal(plain!.mailbox, 'INBOX');
  assert.match(reasons(plain!.header), /bayes inconclusive/);
  assert.doesNotMatch(reasons(plain!.header), /links-to-sender/);
  // Mail that links to its sender's own organisation (a newsletter, a shop) gets the doubt (src/spam/links-to-sender.ts).
  assert.match(await smtpSend(pm.smtpPort, message('linked', 'Our offers: https://www.example.org/offers'), { localAddress: '127.0.0.10' }), /^250 /);
  const [linked] = await find('linked');
  assert.match(reasons(linked!.header), /links-to-sender example\.org -1\.0/);
});
