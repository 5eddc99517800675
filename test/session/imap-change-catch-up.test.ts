// A change that reaches a session without its UIDs — as another node's change does when its UIDs
// do not fit one NOTIFY (src/store/postgres/change-bus.ts) — still reaches the client: the session
// reads what changed from the store (new UIDs, VANISHED tombstones, flags changed since its MODSEQ)
// and reports EXISTS, EXPUNGE and FETCH FLAGS as it would with the UIDs in hand (RFC 3501 §7.4.1,
// RFC 2177 while idling). The bus here strips every change's UIDs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, TestClient, message, type Harness } from '../fixtures/imap-harness.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import { LocalChangeBus, type MailboxChange } from '../../src/store/change-bus.ts';

class UidlessBus extends LocalChangeBus {
  override publish(change: MailboxChange): void {
    super.publish(change.kind === 'mailboxes' ? change : { ...change, uids: [], uidsOmitted: true });
  }
}

let h: Harness;
before(async () => {
  h = await makeHarness({ bus: new UidlessBus() });
  for (let i = 1; i <= 5; i++) await deliver(h.store, { raw: message(`M${i}`), recipients: [{ accountId: h.accountId }] });
});
after(() => h.close());

test('changes without UIDs: flags, expunges and new mail reach the other session at its next command', async () => {
  const a = new TestClient(h.services);
  const b = new TestClient(h.services);
  await a.login();
  await b.login();
  await a.command('SELECT INBOX');
  await b.command('SELECT INBOX');
  await a.command('STORE 2 +FLAGS.SILENT (\\Flagged)');
  const flags = await b.command('NOOP');
  assert.match(flags, /\* 2 FETCH \(FLAGS \(\\Flagged\)\)/);
  assert.doesNotMatch(flags, /\* [13-5] FETCH/, 'only the changed message is reported');
  await a.command('STORE 1,4 +FLAGS.SILENT (\\Deleted)');
  await a.command('EXPUNGE');
  const during = await b.command('FETCH 1:* (UID)');
  assert.doesNotMatch(during, /EXPUNGE/, 'no EXPUNGE during FETCH');
  const noop = await b.command('NOOP');
  assert.match(noop, /\* 4 EXPUNGE\r\n\* 1 EXPUNGE/);
  await deliver(h.store, { raw: message('New'), recipients: [{ accountId: h.accountId }] });
  assert.match(await b.command('NOOP'), /\* 4 EXISTS/);
  assert.match(await b.command('FETCH 4 (UID)'), /\* 4 FETCH \(UID 6\)/);
  a.close();
  b.close();
});

test('changes without UIDs while idling are pushed as they happen', async () => {
  const a = new TestClient(h.services);
  const b = new TestClient(h.services);
  await a.login();
  await b.login();
  await a.command('SELECT INBOX');
  const sel = await b.command('SELECT INBOX');
  const exists = Number(/\* (\d+) EXISTS/.exec(sel)![1]);
  b.send('i1 IDLE\r\n');
  await b.waitFor(/^\+ idling\r\n/);
  await deliver(h.store, { raw: message('Pushed'), recipients: [{ accountId: h.accountId }] });
  assert.match(await b.waitFor(/EXISTS\r\n/), new RegExp(`\\* ${exists + 1} EXISTS`));
  await a.command('STORE 1 +FLAGS.SILENT (\\Answered)');
  assert.match(await b.waitFor(/FETCH.*\r\n/), /\* 1 FETCH \(FLAGS \([^)]*\\Answered/);
  await a.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
  await a.command('EXPUNGE');
  assert.match(await b.waitFor(/EXPUNGE\r\n/), /\* 1 EXPUNGE/);
  b.send('DONE\r\n');
  assert.match(await b.waitFor(/i1 OK.*\r\n/), /i1 OK IDLE terminated/);
  a.close();
  b.close();
});
