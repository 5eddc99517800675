// /metrics after a scripted run of `postern serve`: one message in on port 25, a failed and a good
// submission login, a failed POP3 login, and one submission to three remote recipients at a
// scripted MX (one accepted, one refused for good and bounced, one greylisted and left deferred).
// The scrape must show exactly those counts under the catalogue's names and labels, the queue
// gauges reading the deferred recipient from the store, and none of the names modules used to
// register on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import path from 'node:path';
import { startDnsServer } from '../fixtures/dns-server.ts';
import { startScriptedPeer } from '../fixtures/scripted-smtp-peer.ts';
import { makeTestInstance, serve, type TestInstance } from '../fixtures/postern.ts';
import { openConfiguredStore } from '../../src/store/engines/open-store.ts';
import { validateConfig } from '../../src/config/load.ts';
import { systemClock } from '../../src/clock.ts';
import { generateDkimKeys } from '../../src/email-auth/dkim-keys.ts';
import { hashPassword } from '../../src/login/password.ts';
import { rawDialog, submit, waitFor } from '../fixtures/smtp-client.ts';
import { RawPop3Client } from '../fixtures/pop3-client.ts';
import { httpRequest } from '../fixtures/http-request.ts';

/**
 * What `postern domain add` and `postern user add` store, written in-process before serve starts:
 * each CLI call costs about two seconds of start-up, the whole budget of this test.
 */
async function seedUser(instance: TestInstance, address: string, password: string): Promise<void> {
  const config = validateConfig({ data_dir: path.join(instance.dir, 'data'), store: instance.store }, null);
  const store = await openConfiguredStore(config, { clock: systemClock, migrate: true });
  try {
    const domain = await store.domains.add(address.slice(address.indexOf('@') + 1), generateDkimKeys(new Date()));
    await store.accounts.add(address, domain.id, await hashPassword(password));
  } finally {
    await store.close();
  }
}

/** The value of one exposed series, or null when it is not exposed. */
function series(text: string, name: string, labels = ''): number | null {
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[{}+.]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

test('a scripted run shows the expected counters, labels and queue gauges', { timeout: 30_000 }, async (t) => {
  const dns = await startDnsServer({
    'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    '_dmarc.sender.test': { TXT: ['v=DMARC1; p=reject'] },
    'remote.test': { MX: [{ priority: 10, exchange: 'mx.remote.test' }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
  });
  t.after(() => dns.close());
  const peer = await startScriptedPeer({
    rcpt: (a) => {
      if (a.startsWith('nobody@')) return { code: 550, message: '5.1.1 no such user' };
      if (a.startsWith('later@')) return { code: 451, message: '4.7.1 greylisted, try again later' };
      return null;
    },
  });
  t.after(() => peer.close());

  const instance = await makeTestInstance({
    dns: { servers: [dns.server], timeout_ms: 500, tries: 1 },
    testing: { allow_private_mx: true, remote_smtp_port: peer.port },
    // The greylisted recipient stays deferred for the whole test.
    queue: { retry_schedule_s: [3600] },
    listen: { imap: false },
  }, false);
  await seedUser(instance, 'alice@postern.test', 'alice-secret');
  const server = await serve(instance).catch(async (err: unknown) => { await instance.release(); throw err; });
  t.after(async () => { await server.stop(); await instance.release(); });

  const inbound = await rawDialog(server.ports.smtp!, [
    'EHLO client.sender.test', 'MAIL FROM:<carol@sender.test>', 'RCPT TO:<alice@postern.test>', 'DATA',
    'From: Carol <carol@sender.test>\r\nTo: alice@postern.test\r\nSubject: in\r\n\r\nHello.\r\n.', 'QUIT',
  ]);
  assert.match(inbound[5]!, /^250 /, inbound.join('\n'));

  const bad = await submit({ port: server.ports.submission!, user: 'alice@postern.test', pass: 'wrong', from: 'alice@postern.test', to: ['bob@remote.test'], message: 'x' });
  assert.equal(bad.ok, false);
  assert.match(bad.response, /^535 /);
  const good = await submit({
    port: server.ports.submission!, user: 'alice@postern.test', pass: 'alice-secret', from: 'alice@postern.test',
    to: ['bob@remote.test', 'nobody@remote.test', 'later@remote.test'],
    message: 'From: Alice <alice@postern.test>\r\nTo: bob@remote.test\r\nSubject: out\r\n\r\nHello.\r\n',
  });
  assert.equal(good.ok, true, good.response);

  const pop = await RawPop3Client.connect(server.ports.pop3s!, { tls: true });
  assert.match(await pop.line(), /^\+OK/);
  pop.send('USER alice@postern.test\r\n');
  assert.match(await pop.line(), /^\+OK/);
  pop.send('PASS wrong\r\n');
  assert.match(await pop.line(), /^-ERR \[AUTH\]/);
  pop.send('QUIT\r\n');
  await pop.line();
  pop.socket.destroy();

  const imap = tls.connect({ port: server.ports.imaps!, host: '127.0.0.1', rejectUnauthorized: false });
  let imapText = '';
  imap.on('data', (d: Buffer) => { imapText += d.toString(); });
  await waitFor('the IMAP greeting', () => (imapText.includes('* OK') ? true : null));
  imap.write('a1 LOGIN alice@postern.test wrong\r\n');
  await waitFor('the LOGIN reply', () => (/^a1 NO /m.test(imapText) ? true : null));
  imap.destroy();

  const scrape = async () => (await httpRequest(server.ports.ops!, '/metrics', 'mx.postern.test')).text();
  // The queue settles after the 250: wait for all three recipients' outcomes (and the DSN).
  const text = await waitFor('the queue outcomes in /metrics', async () => {
    const s = await scrape();
    return series(s, 'postern_messages_sent_total') === 1 && series(s, 'postern_messages_bounced_total') === 1
      && series(s, 'postern_messages_deferred_total') === 1 && series(s, 'postern_messages_received_total', 'source="dsn"') === 1 ? s : null;
  }, 10_000);
  assert.equal(peer.received.length, 1);

  const expected: [string, string, number][] = [
    ['postern_connections_total', 'protocol="smtp"', 1],
    ['postern_connections_total', 'protocol="submission"', 2],
    ['postern_connections_total', 'protocol="pop3"', 1],
    ['postern_connections_total', 'protocol="imap"', 1],
    ['postern_auth_failures_total', 'protocol="imap"', 1],
    ['postern_auth_failures_total', 'protocol="submission"', 1],
    ['postern_auth_failures_total', 'protocol="pop3"', 1],
    ['postern_messages_received_total', 'source="inbound"', 1],
    ['postern_messages_received_total', 'source="submission"', 1],
    ['postern_messages_received_total', 'source="dsn"', 1],
    ['postern_messages_sent_total', '', 1],
    ['postern_messages_bounced_total', '', 1],
    ['postern_messages_deferred_total', '', 1],
    ['postern_verification_verdicts_total', 'method="spf",result="pass"', 1],
    ['postern_verification_verdicts_total', 'method="dkim",result="none"', 1],
    ['postern_verification_verdicts_total', 'method="dmarc",result="pass"', 1],
    ['postern_verification_verdicts_total', 'method="arc",result="none"', 1],
    ['postern_delivery_latency_seconds_count', 'source="inbound"', 1],
    ['postern_delivery_latency_seconds_count', 'source="submission"', 1],
    ['postern_delivery_latency_seconds_bucket', 'source="inbound",le="+Inf"', 1],
    ['postern_queue_depth', 'status="pending"', 0],
    ['postern_queue_depth', 'status="deferred"', 1],
  ];
  for (const [name, labels, value] of expected) assert.equal(series(text, name, labels), value, `${name}{${labels}}\n${text}`);
  // Only the series above: no verdict, refusal or junk count for anything that did not happen.
  assert.equal(text.match(/^postern_verification_verdicts_total\{/gm)!.length, 4, text);
  assert.equal(text.match(/^postern_messages_received_total\{/gm)!.length, 3, text);
  assert.doesNotMatch(text, /^postern_messages_(refused|junked)_total\{/m);
  assert.doesNotMatch(text, /^postern_connections_refused_total\{/m);
  // Scrapes of the ops listener are not client connections.
  assert.equal(series(text, 'postern_connections_total', 'protocol="http"'), null, text);
  assert.ok(series(text, 'postern_delivery_latency_seconds_sum', 'source="submission"')! >= 0, text);
  // The deferred recipient's message was queued before the scrape: its age is positive and small.
  const age = series(text, 'postern_queue_oldest_age_seconds');
  assert.ok(age !== null && age > 0 && age < 30, `oldest age ${age}`);
  // The WAL is reported and, with this little written, far below the size that triggers truncation.
  const wal = series(text, 'postern_store_wal_bytes');
  assert.ok(wal !== null && wal >= 0 && wal < 64 * 1024 * 1024, `WAL bytes ${wal}`);
  assert.equal(series(text, 'postern_store_wal_truncations'), 0, text);

  // One name, one type: no module registers a metric of its own beside the catalogue.
  const types = text.match(/^# TYPE \S+/gm)!;
  assert.equal(new Set(types).size, types.length, text);
  assert.doesNotMatch(text, /postern_smtp_inbound_|postern_submission_messages|postern_queue_(delivered|deferred|failed|bounces)_total/);
  assert.doesNotMatch(text, /^postern_auth_failures_total \d/m);
});
