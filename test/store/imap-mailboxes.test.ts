// Store conformance: the IMAP mailbox operations on both engines, through the interface only —
// CREATE with parents, DELETE (messages and content released, subscriptions kept), RENAME (children
// and subscriptions follow; INBOX moves its messages), the SELECT snapshot with its \Recent claim,
// STATUS counters and the quota; on PostgreSQL, SELECT, EXAMINE, STATUS and the POP3 listing read
// while another node delivers and expunges each agree with themselves (one snapshot per call).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTest, openTestStore, openSecondNode } from './engines.ts';
import type { Store } from '../../src/store/api.ts';
import { deliver } from '../../src/delivery/deliver.ts';
import { MailboxExistsError, MailboxHasChildrenError, MailboxNotFoundError } from '../../src/store/mailbox-views.ts';

async function account(store: Store, address = 'alice@example.test'): Promise<number> {
  const domain = (await store.domains.find('example.test')) ?? await store.domains.add('example.test', []);
  return (await store.accounts.add(address, domain.id, '$scrypt$x')).id;
}

function message(subject: string, body = 'hello\r\n'): Buffer {
  return Buffer.from(`From: bob@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\n\r\n${body}`);
}

async function put(store: Store, accountId: number, mailbox: string, subject: string, flags: string[] = []): Promise<number> {
  const [copy] = await deliver(store, { raw: message(subject), recipients: [{ accountId, mailbox }], flags });
  return copy!.uid;
}

storeTest('CREATE makes missing parents, lists by name, refuses an existing name', async (store) => {
  const a = await account(store);
  const made = await store.imapMailboxes.create(a, 'Work/2026/Q1');
  assert.equal(made.name, 'Work/2026/Q1');
  assert.equal(made.uidNext, 1);
  const names = (await store.imapMailboxes.list(a)).map((m) => m.name);
  assert.ok(names.includes('Work') && names.includes('Work/2026') && names.includes('Work/2026/Q1'));
  assert.deepEqual(names, [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  await assert.rejects(store.imapMailboxes.create(a, 'Work'), MailboxExistsError);
  const byName = await store.imapMailboxes.byName(a, 'Work/2026');
  assert.deepEqual(await store.imapMailboxes.byId(byName!.id), byName);
  const other = await store.imapMailboxes.create(a, 'Other', '\\Archive');
  assert.equal(other.specialUse, '\\Archive');
  assert.ok(other.uidValidity !== made.uidValidity);
  // A recreated name gets a fresh UIDVALIDITY (RFC 3501 §2.3.1.1).
  await store.imapMailboxes.delete(a, 'Other');
  assert.ok((await store.imapMailboxes.create(a, 'Other')).uidValidity > other.uidValidity);
});

storeTest('DELETE releases messages and content, refuses parents, keeps the subscription', async (store) => {
  const a = await account(store);
  await store.imapMailboxes.create(a, 'Old');
  await store.imapMailboxes.create(a, 'Parent/Child');
  assert.equal(await store.imapMailboxes.setSubscribed(a, 'Old', true), true);
  await put(store, a, 'Old', 'one');
  await put(store, a, 'Old', 'two');
  const used = (await store.imapMailboxes.quota(a)).used;
  assert.ok(used > 0);
  await assert.rejects(store.imapMailboxes.delete(a, 'Parent'), MailboxHasChildrenError);
  await assert.rejects(store.imapMailboxes.delete(a, 'Nope'), MailboxNotFoundError);
  await store.imapMailboxes.delete(a, 'Old');
  assert.equal(await store.imapMailboxes.byName(a, 'Old'), null);
  assert.equal((await store.imapMailboxes.quota(a)).used, 0);
  // RFC 3501 §6.3.6: the subscription is a name of its own and stays.
  assert.ok((await store.imapMailboxes.subscriptions(a)).includes('Old'));
  assert.equal(await store.imapMailboxes.setSubscribed(a, 'Old', false), true);
  assert.equal(await store.imapMailboxes.setSubscribed(a, 'Old', false), false);
  assert.ok(!(await store.imapMailboxes.subscriptions(a)).includes('Old'));
  // A LIKE metacharacter in a name is not a wildcard for the children check.
  await store.imapMailboxes.create(a, 'a_b');
  await store.imapMailboxes.create(a, 'axb/c');
  await store.imapMailboxes.delete(a, 'a_b');
});

storeTest('RENAME moves children and subscriptions; refuses an existing target', async (store) => {
  const a = await account(store);
  await store.imapMailboxes.create(a, 'P/C');
  await store.imapMailboxes.setSubscribed(a, 'P', true);
  await store.imapMailboxes.setSubscribed(a, 'P/C', true);
  const uid = await put(store, a, 'P/C', 'kept');
  const before = await store.imapMailboxes.byName(a, 'P/C');
  await assert.rejects(store.imapMailboxes.rename(a, 'P', 'INBOX'), MailboxExistsError);
  await assert.rejects(store.imapMailboxes.rename(a, 'Q', 'R'), MailboxNotFoundError);
  await store.imapMailboxes.rename(a, 'P', 'New/P2');
  const after = await store.imapMailboxes.byName(a, 'New/P2/C');
  assert.equal(after!.id, before!.id);
  assert.equal(after!.uidValidity, before!.uidValidity);
  assert.deepEqual(await store.imapMessages.uids(after!.id), [uid]);
  assert.ok(await store.imapMailboxes.byName(a, 'New'));
  assert.equal(await store.imapMailboxes.byName(a, 'P'), null);
  const subs = await store.imapMailboxes.subscriptions(a);
  assert.ok(subs.includes('New/P2') && subs.includes('New/P2/C') && !subs.includes('P') && !subs.includes('P/C'));
});

storeTest('RENAME INBOX moves its messages to a new mailbox and leaves INBOX with tombstones', async (store) => {
  const a = await account(store);
  const u1 = await put(store, a, 'INBOX', 'one', ['\\Seen']);
  const u2 = await put(store, a, 'INBOX', 'two');
  const inbox = (await store.imapMailboxes.byName(a, 'INBOX'))!;
  await store.imapMailboxes.rename(a, 'INBOX', 'Saved');
  const saved = (await store.imapMailboxes.byName(a, 'Saved'))!;
  assert.deepEqual(await store.imapMessages.uids(inbox.id), []);
  assert.deepEqual(await store.imapMessages.uids(saved.id), [1, 2]);
  const flags = await store.imapMessages.flagsIn(saved.id, [[1, 2]]);
  assert.equal(flags[0]!.flags & 1, 1);
  assert.equal(flags[1]!.flags & 1, 0);
  const now = (await store.imapMailboxes.byName(a, 'INBOX'))!;
  assert.ok(now.highestModseq > inbox.highestModseq);
  assert.deepEqual(await store.imapMessages.vanishedSince(inbox.id, inbox.highestModseq, null), [u1, u2]);
  assert.equal(now.uidValidity, inbox.uidValidity);
});

storeTest('the SELECT snapshot: UIDs, first unseen, keywords; SELECT claims \\Recent, EXAMINE does not', async (store) => {
  const a = await account(store);
  assert.equal(await store.imapMailboxes.selectSnapshot(a, 'Nope', true), null);
  // A NUL (the IMAP layer's mark of a name that is not valid modified UTF-7) names no mailbox.
  assert.equal(await store.imapMailboxes.selectSnapshot(a, 'IN\0BOX', false), null);
  assert.equal(await store.imapMailboxes.byName(a, 'IN\0BOX'), null);
  await assert.rejects(store.imapMailboxes.delete(a, 'IN\0BOX'), MailboxNotFoundError);
  await assert.rejects(store.imapMailboxes.rename(a, 'IN\0BOX', 'X'), MailboxNotFoundError);
  await put(store, a, 'INBOX', 'one', ['\\Seen', '$Label1']);
  await put(store, a, 'INBOX', 'two', ['$label1', 'Work']);
  await put(store, a, 'INBOX', 'three');
  const examine = (await store.imapMailboxes.selectSnapshot(a, 'INBOX', false))!;
  assert.deepEqual(examine.uids, [1, 2, 3]);
  assert.equal(examine.firstUnseenUid, 2);
  assert.deepEqual(examine.keywords.map((k) => k.toLowerCase()).sort(), ['$label1', 'work']);
  assert.equal(examine.recentFloor, 0);
  assert.equal(examine.mailbox.uidNext, 4);
  const first = (await store.imapMailboxes.selectSnapshot(a, 'INBOX', true))!;
  assert.equal(first.recentFloor, 0);
  const second = (await store.imapMailboxes.selectSnapshot(a, 'INBOX', true))!;
  assert.equal(second.recentFloor, 3);
  assert.equal(await store.imapMailboxes.recentFloor(first.mailbox.id), 3);
  // Later mail is claimed by whoever sees it first; EXAMINE reports the floor without claiming.
  await put(store, a, 'INBOX', 'four');
  assert.equal((await store.imapMailboxes.selectSnapshot(a, 'INBOX', false))!.recentFloor, 3);
  assert.equal((await store.imapMailboxes.status(first.mailbox.id, false))!.recent, 1, 'STATUS RECENT: above the floor');
  assert.equal(await store.imapMailboxes.claimRecent(first.mailbox.id, 4), 3);
  assert.equal(await store.imapMailboxes.claimRecent(first.mailbox.id, 4), 4);
  assert.equal((await store.imapMailboxes.status(first.mailbox.id, false))!.recent, 0);
});

storeTest('STATUS counters and the quota follow deliveries', async (store) => {
  const a = await account(store);
  const box = (await store.imapMailboxes.byName(a, 'INBOX'))!;
  assert.deepEqual(await store.imapMailboxes.counters(box.id), { messages: 0, unseen: 0, deleted: 0, size: 0 });
  await put(store, a, 'INBOX', 'one', ['\\Seen']);
  await put(store, a, 'INBOX', 'two', ['\\Deleted']);
  const c = await store.imapMailboxes.counters(box.id);
  assert.equal(c.messages, 2);
  assert.equal(c.unseen, 1);
  assert.equal(c.deleted, 1);
  assert.equal(c.size, (await store.imapMailboxes.quota(a)).used);
  // STATUS reads the row and the counters together; the counters only when asked for.
  const st = (await store.imapMailboxes.status(box.id, true))!;
  assert.deepEqual(st.counters, c);
  assert.equal(st.uidNext, 3);
  assert.equal(st.uidValidity, box.uidValidity);
  assert.ok(st.highestModseq > box.highestModseq);
  assert.equal((await store.imapMailboxes.status(box.id, false))!.counters, null);
  assert.equal(await store.imapMailboxes.status(box.id + 1000, true), null);
  await store.accounts.setQuota(a, 123_456);
  assert.equal((await store.imapMailboxes.quota(a)).limit, 123_456);
});

test('[postgres] SELECT, EXAMINE, STATUS and the POP3 listing are each one consistent read while another node delivers and expunges', async (t) => {
  const reader = await openTestStore('postgres', t);
  const writer = await openSecondNode(reader, t);
  const a = await account(reader);
  const inbox = (await reader.imapMailboxes.byName(a, 'INBOX'))!;
  // Node B delivers UIDs 1..90; each UID ≡ 1 (mod 3) arrives \Deleted and is expunged right after.
  // So after k deliveries the mailbox holds the UIDs up to k that are not ≡ 1, and perhaps k itself
  // (delivered, not yet expunged): any read that mixes two moments breaks that.
  const live = (k: number) => Array.from({ length: k }, (_, i) => i + 1).filter((u) => u % 3 !== 1);
  const agrees = (uids: readonly number[], k: number) => {
    const want = live(k);
    return JSON.stringify(uids) === JSON.stringify(want) || (k % 3 === 1 && JSON.stringify(uids) === JSON.stringify([...want, k]));
  };
  let writing = true;
  const writes = (async () => {
    for (let i = 1; i <= 90; i++) {
      const uid = await put(writer, a, 'INBOX', `m${i}`, i % 3 === 1 ? ['\\Deleted'] : []);
      if (i % 3 === 1) await writer.imapMessages.expunge(a, inbox.id, [[uid, uid]]);
    }
  })().finally(() => { writing = false; });
  let reads = 0;
  while (writing) {
    const [examine, select, status, pop3] = await Promise.all([
      reader.imapMailboxes.selectSnapshot(a, 'INBOX', false),
      reader.imapMailboxes.selectSnapshot(a, 'INBOX', true),
      reader.imapMailboxes.status(inbox.id, true),
      reader.pop3.snapshot(a),
    ]);
    for (const [what, snap] of [['EXAMINE', examine!], ['SELECT', select!]] as const) {
      assert.ok(agrees(snap.uids, snap.mailbox.uidNext - 1), `${what}: UIDs ${snap.uids.join(',')} with UIDNEXT ${snap.mailbox.uidNext}`);
    }
    const k = status!.uidNext - 1;
    const messages = status!.counters!.messages;
    assert.ok(messages === live(k).length || (k % 3 === 1 && messages === live(k).length + 1), `STATUS: MESSAGES ${messages} with UIDNEXT ${status!.uidNext}`);
    const listed = pop3!.messages.map((m) => m.uid);
    assert.ok(agrees(listed, listed.at(-1) ?? 0), `POP3 listing ${listed.join(',')}`);
    reads++;
  }
  await writes;
  assert.ok(reads > 0, 'read while node B wrote');
  const end = await reader.imapMailboxes.status(inbox.id, true);
  assert.deepEqual([end!.uidNext, end!.counters!.messages], [91, 60]);
});
