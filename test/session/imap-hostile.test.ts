// IMAP sessions under hostile input (issue 10), over in-memory streams: literals refused at their
// announcement (before login, wrong state, over quota), the pre-login deadline, the literal minimum
// rate, an internal error closing only its connection, and FETCH literals streamed by range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, message, TestClient } from '../fixtures/imap-harness.ts';
import { deliver } from '../../src/delivery/deliver.ts';

test('before login, a literal over a few KiB is refused at its announcement, without "+"', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.waitFor(/^\* OK/);
  c.send('a1 LOGIN {5000}\r\n');
  const reply = await c.waitFor(/a1 (NO|BAD)[^\r]*\r\n/);
  assert.match(reply, /^a1 NO \[TOOBIG\] Literal too large before login/);
  assert.doesNotMatch(reply, /^\+/m);
  // A small literal for a command that is allowed works; one for APPEND is refused for the state.
  c.send('a2 APPEND INBOX {10}\r\n');
  assert.match(await c.waitFor(/a2 (NO|BAD)[^\r]*\r\n/), /^a2 BAD APPEND is not allowed before login/);
  c.send('a3 LOGIN {17}\r\n');
  await c.waitFor(/^\+ /m);
  c.send('user@example.test secret-pass\r\n');
  assert.match(await c.waitFor(/a3 (OK|NO|BAD)[^\r]*\r\n/), /a3 OK/);
});

test('a LITERAL+ literal that is refused ends the connection with BYE (RFC 7888 §4)', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.waitFor(/^\* OK/);
  c.send('a1 APPEND INBOX {52428800+}\r\n' + 'x'.repeat(1000));
  assert.match(await c.waitFor(/\* BYE[^\r]*\r\n/), /\* BYE Literal too large before login/);
});

test('after login: a literal for a command of another state is refused before "+"; so is APPEND over quota', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  await h.store.accounts.setQuota(h.accountId, 1000);
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  c.send('s1 SEARCH TEXT {3}\r\n');
  assert.match(await c.waitFor(/s1 (NO|BAD)[^\r]*\r\n/), /^s1 BAD SEARCH is not allowed without a selected mailbox/);
  c.send('p1 APPEND INBOX {5000}\r\n');
  const reply = await c.waitFor(/p1 (NO|BAD)[^\r]*\r\n/);
  assert.match(reply, /^p1 NO \[OVERQUOTA\]/);
  assert.doesNotMatch(reply, /^\+/m);
  await c.command('NOOP');
});

test('a client that has not logged in by the deadline is disconnected, however busy it keeps', async (t) => {
  const h = await makeHarness({ settings: { preauthDeadlineSeconds: 0.5 } });
  t.after(() => h.close());
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.waitFor(/^\* OK/);
  const noops = setInterval(() => { if (!c.closed) c.send('n NOOP\r\n'); }, 100);
  t.after(() => clearInterval(noops));
  assert.match(await c.waitFor(/\* BYE Login time exceeded/, 5000), /BYE Login time exceeded/);
});

test('a literal that stalls is cut off after the grace period', async (t) => {
  const h = await makeHarness({ settings: { literalGraceSeconds: 0.3 } });
  t.after(() => h.close());
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  c.send('a APPEND INBOX {100}\r\n');
  await c.waitFor(/^\+ /m);
  c.send('only ten b');
  assert.match(await c.waitFor(/\* BYE[^\r]*\r\n/, 5000), /BYE Literal sent too slowly/);
});

test('an exception outside any command closes that connection with BYE [SERVERBUG]; others go on', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  const bystander = new TestClient(h.services);
  t.after(() => bystander.close());
  await bystander.login();
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  const quota = h.services.mailboxes.quota.bind(h.services.mailboxes);
  h.services.mailboxes.quota = async () => { throw new Error('simulated bug'); };
  t.after(() => { h.services.mailboxes.quota = quota; });
  c.send('a APPEND INBOX {10}\r\n');
  assert.match(await c.waitFor(/\* BYE[^\r]*\r\n/), /\* BYE \[SERVERBUG\]/);
  await bystander.command('NOOP');
});

test('FETCH of a large message streams its bytes exactly; a partial reads only its range', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  const body = Array.from({ length: 30_000 }, (_, i) => `line ${i} of a large message\r\n`).join('');
  const raw = message('large', body);
  await deliver(h.store, { raw, recipients: [{ accountId: h.accountId }] });
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  await c.command('SELECT INBOX');
  const whole = await c.command('FETCH 1 BODY.PEEK[]');
  const at = whole.indexOf(`{${raw.length}}\r\n`);
  assert.ok(at > 0, whole.slice(0, 200));
  const start = at + `{${raw.length}}\r\n`.length;
  assert.equal(whole.slice(start, start + raw.length), raw.toString('utf8'));
  const partial = await c.command('FETCH 1 BODY.PEEK[]<500000.20>');
  assert.match(partial, new RegExp(`BODY\\[\\]<500000> \\{20\\}\\r\\n${raw.subarray(500000, 500020).toString().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  const text = await c.command('FETCH 1 BODY.PEEK[TEXT]<0.4>');
  assert.match(text, /BODY\[TEXT\]<0> \{4\}\r\nline\)/);
});

test('FETCH items and HEADER.FIELDS names are bounded: beyond, BAD [LIMIT]', async (t) => {
  const h = await makeHarness();
  t.after(() => h.close());
  await deliver(h.store, { raw: message('one'), recipients: [{ accountId: h.accountId }] });
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  await c.command('SELECT INBOX');
  assert.match(await c.command(`FETCH 1:* (${Array(65).fill('UID').join(' ')})`, 'BAD'), /BAD \[LIMIT\]/);
  assert.match(await c.command(`FETCH 1 BODY.PEEK[HEADER.FIELDS (${Array.from({ length: 257 }, (_, i) => `X-${i}`).join(' ')})]`, 'BAD'), /BAD \[LIMIT\]/);
  await c.command('FETCH 1 (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject)])');
});

test('a SEARCH past its time budget is NO [LIMIT], through the index or a scan; the session goes on', async (t) => {
  // A budget of 0 ms: every search runs past it, on either engine (IMAP_SEARCH_MAX_MS in serve).
  const h = await makeHarness({ searchMaxMs: 0 });
  t.after(() => h.close());
  for (let i = 0; i < 3; i++) await deliver(h.store, { raw: message(`report ${i}`, 'quarterly numbers\r\n'), recipients: [{ accountId: h.accountId }] });
  const c = new TestClient(h.services);
  t.after(() => c.close());
  await c.login();
  await c.command('SELECT INBOX');
  for (const key of ['BODY quarterly', 'BODY qu', 'OR SUBJECT report BODY numbers']) {
    const reply = await c.command(`SEARCH ${key}`, 'NO');
    assert.match(reply, /NO \[LIMIT\] Search took too long/, key);
    assert.doesNotMatch(reply, /^\* SEARCH/m, key);
  }
  assert.match(await c.command('FETCH 1:* (UID)'), /\* 3 FETCH \(UID 3\)/);
});
