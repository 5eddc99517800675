// The PostgreSQL engine's half of the one way into a mailbox (src/store/sqlite/delivery.ts is SQLite's):
// one transaction stores the content once and references it from every target mailbox, allocating
// UID and MODSEQ in that same transaction. What must stay true, across nodes:
// - UIDs and MODSEQs come from `UPDATE … RETURNING` on the mailbox and account rows, so concurrent
//   deliveries wait on the row lock and get unique values that commit in increasing order;
// - lock order (PG.md): the bytes go in first (new rows nobody else can lock), then the accounts
//   rows in ascending id (quota and MODSEQ), then the mailboxes in ascending id, then messages, then
//   the content's refcount;
// - the same checks, in the same order, as SQLite: for each target, its account exists, the quota
//   holds (unless ignoreQuota: bounces), its mailbox resolves (special-use, with INBOX as the
//   fallback; created with its parents when the target says so); one failure stores nothing.
import { encodeFlags } from '../flags.ts';
import { NoSuchMailboxError, OverQuotaError, type StoreInput, type StoredCopy } from '../delivery.ts';
import type { Tx } from './connect.ts';
import type { Publish } from './context.ts';
import type { MailboxChange } from '../change-bus.ts';
import { insertContent } from './contents.ts';
import { createMailboxRow } from './message-rows.ts';
import { recordSpamDelivery } from './spam-rows.ts';

interface BoxRow { id: number; accountId: number; name: string; specialUse: string | null }

export async function storeMessage(tx: Tx, publish: Publish, input: StoreInput): Promise<StoredCopy[]> {
  const size = input.prefix.length + input.raw.length;
  const contentId = await insertContent(tx, input.raw, input.prefix, input.index);
  const accountIds = [...new Set(input.targets.map((t) => t.accountId))].sort((a, b) => a - b);
  // One statement locks the accounts in ascending id and allocates each its MODSEQ for this message.
  const accounts = new Map((await tx<{ id: number; quota: number; used: number; modseq: number }[]>`
    WITH locked AS (SELECT id FROM accounts WHERE id = ANY(${tx.array(accountIds)}::bigint[]) ORDER BY id FOR UPDATE)
    UPDATE accounts a SET modseq = a.modseq + 1 FROM locked WHERE a.id = locked.id
    RETURNING a.id, a.quota_bytes AS quota, a.used_bytes AS used, a.modseq`).map((r) => [r.id, { ...r }]));
  const names = [...new Set(input.targets.map((t) => t.mailbox ?? 'INBOX'))];
  const boxes = await tx<BoxRow[]>`SELECT id, account_id AS "accountId", name, special_use AS "specialUse" FROM mailboxes
    WHERE account_id = ANY(${tx.array(accountIds)}::bigint[]) AND (name = ANY(${tx.array([...names, 'INBOX'])}::text[]) OR special_use = ANY(${tx.array(names)}::text[]))`;
  const find = (accountId: number, name: string): number | undefined => {
    if (name.startsWith('\\')) {
      const special = boxes.filter((b) => b.accountId === accountId && b.specialUse === name).sort((a, b) => a.id - b.id)[0];
      if (special) return special.id;
      name = 'INBOX';
    }
    return boxes.find((b) => b.accountId === accountId && b.name === name)?.id;
  };
  const inputFlags = encodeFlags(input.flags);
  const planned: { accountId: number; boxId: number; bits: number; keywords: string; modseq: number }[] = [];
  // What is published, in SQLite's order: a created mailbox just before the copy filed into it.
  const events: (MailboxChange | number)[] = [];
  for (const target of input.targets) {
    const account = accounts.get(target.accountId);
    if (!account) throw new NoSuchMailboxError(`account ${target.accountId} does not exist`);
    if (!input.ignoreQuota && account.quota > 0 && account.used + size > account.quota) throw new OverQuotaError(target.accountId);
    const name = target.mailbox ?? 'INBOX';
    let boxId = find(target.accountId, name);
    if (boxId === undefined && target.create && !name.startsWith('\\')) {
      boxId = await createMailbox(tx, target.accountId, name, input.internalDate, boxes);
      events.push({ accountId: target.accountId, mailboxId: boxId, kind: 'mailboxes', uids: [], modseq: 0 });
    }
    if (boxId === undefined) throw new NoSuchMailboxError(`mailbox ${name} does not exist`);
    const { bits, keywords } = target.flags ? encodeFlags(target.flags) : inputFlags;
    account.used += size;
    events.push(planned.length);
    planned.push({ accountId: target.accountId, boxId, bits, keywords: keywords.join(' '), modseq: account.modseq });
  }
  await tx`UPDATE accounts a SET used_bytes = a.used_bytes + x.bytes
    FROM unnest(${tx.array(accountIds)}::bigint[], ${tx.array(accountIds.map((id) => size * planned.filter((p) => p.accountId === id).length))}::bigint[]) AS x(id, bytes)
    WHERE a.id = x.id`;
  // UIDs: one allocation per mailbox, in ascending id, for all of this message's copies in it.
  const perBox = new Map<number, number>();
  for (const p of planned) perBox.set(p.boxId, (perBox.get(p.boxId) ?? 0) + 1);
  const next = new Map<number, { uid: number; uidValidity: number }>();
  for (const boxId of [...perBox.keys()].sort((a, b) => a - b)) {
    const n = perBox.get(boxId)!;
    const modseq = planned.find((p) => p.boxId === boxId)!.modseq;
    const [row] = await tx<{ uid: number; uidValidity: number }[]>`UPDATE mailboxes SET uid_next = uid_next + ${n}, highest_modseq = ${modseq}
      WHERE id = ${boxId} RETURNING uid_next - ${n} AS uid, uid_validity AS "uidValidity"`;
    next.set(boxId, { ...row! });
  }
  const copies: StoredCopy[] = [];
  const rows = planned.map((p) => {
    const slot = next.get(p.boxId)!;
    const uid = slot.uid++;
    copies.push({ accountId: p.accountId, mailboxId: p.boxId, uid, uidValidity: slot.uidValidity, modseq: p.modseq });
    return { mailbox_id: p.boxId, uid, modseq: p.modseq, content_id: contentId, flags: p.bits, keywords: p.keywords, internal_date: input.internalDate, size };
  });
  if (rows.length > 0) await tx`INSERT INTO messages ${tx(rows, 'mailbox_id', 'uid', 'modseq', 'content_id', 'flags', 'keywords', 'internal_date', 'size')}`;
  await tx`UPDATE contents SET refcount = ${copies.length} WHERE id = ${contentId}`;
  for (const record of input.spam ?? []) await recordSpamDelivery(tx, contentId, record, input.internalDate);
  for (const e of events) {
    if (typeof e !== 'number') publish(e);
    else publish({ accountId: copies[e]!.accountId, mailboxId: copies[e]!.mailboxId, kind: 'append', uids: [copies[e]!.uid], modseq: copies[e]!.modseq });
  }
  return copies;
}

// A mailbox a Sieve fileinto :create names, with any missing parents, in the delivery's transaction.
async function createMailbox(tx: Tx, accountId: number, name: string, now: number, known: BoxRow[]): Promise<number> {
  const levels = name.split('/');
  for (let i = 1; i < levels.length; i++) {
    const parent = levels.slice(0, i).join('/');
    const [exists] = await tx`SELECT 1 FROM mailboxes WHERE account_id = ${accountId} AND name = ${parent}`;
    if (!exists) known.push({ id: await createMailboxRow(tx, accountId, parent, null, now), accountId, name: parent, specialUse: null });
  }
  const id = await createMailboxRow(tx, accountId, name, null, now);
  known.push({ id, accountId, name, specialUse: null });
  return id;
}
