// The PostgreSQL engine's half of the one way into a mailbox (src/store/sqlite/delivery.ts is SQLite's):
// one transaction stores the content once and references it from every target mailbox, allocating
// UID and MODSEQ in that same transaction. What must stay true, across nodes:
// - UIDs and MODSEQs come from `UPDATE … RETURNING` on the mailbox and account rows, so concurrent
//   deliveries wait on the row lock and get unique values that commit in increasing order;
// - lock order (PG.md): the bytes and the spam verdict rows go in first (new rows nobody else can
//   lock), then the accounts rows in ascending id (quota and MODSEQ), then the mailboxes, then
//   messages; the account lock is what serializes deliveries to one account, so it is held for as
//   few round trips as possible;
// - the same checks, in the same order, as SQLite: for each target, its account exists, the quota
//   holds (unless ignoreQuota: bounces), its mailbox resolves (special-use, with INBOX as the
//   fallback; created with its parents when the target says so); one failure stores nothing;
// - each copy is saved at `savedAt` (RFC 8514 save date) and the copies in one account share one
//   new EMAILID (RFC 8474 §5.1), as on SQLite.
import { encodeFlags } from '../flags.ts';
import { NoSuchMailboxError, OverQuotaError, type StoreInput, type StoredCopy } from '../delivery.ts';
import type { Tx } from './connect.ts';
import type { Publish } from './context.ts';
import type { MailboxChange } from '../change-bus.ts';
import { insertContent } from './contents.ts';
import { allocateDeliveryModseqs, createMailboxRow } from './message-rows.ts';
import { insertSpamMessage } from './spam-rows.ts';
import { newEmailId } from '../object-ids.ts';

interface BoxRow { id: number; accountId: number; name: string; specialUse: string | null }

export async function storeMessage(tx: Tx, publish: Publish, input: StoreInput, savedAt: number): Promise<StoredCopy[]> {
  const size = input.prefix.length + input.raw.length;
  // Every target becomes one copy or the whole transaction rolls back, so the content is born
  // with its final reference count.
  const contentId = await insertContent(tx, input.raw, input.prefix, input.index, input.targets.length);
  // The verdict rows reference the account and the content but take no lock another delivery
  // waits for: they go in before the account lock, which serializes every delivery to the account.
  for (const record of input.spam ?? []) await insertSpamMessage(tx, contentId, record, input.internalDate);
  const accountIds = [...new Set(input.targets.map((t) => t.accountId))].sort((a, b) => a - b);
  const perAccount = new Map<number, number>();
  for (const t of input.targets) perAccount.set(t.accountId, (perAccount.get(t.accountId) ?? 0) + 1);
  const names = [...new Set(input.targets.map((t) => t.mailbox ?? 'INBOX'))];
  // From here to COMMIT the accounts rows are held, so the locked stretch is three round trips:
  // this pipelined pair, the UID allocation with the message rows, and COMMIT. One statement
  // locks the accounts, allocates each its MODSEQ for this message and adds the bytes; the quota
  // is checked on the usage before.
  const [accountRows, boxes] = await Promise.all([
    allocateDeliveryModseqs(tx, accountIds.map((id) => ({ accountId: id, bytes: size * perAccount.get(id)! }))),
    tx<BoxRow[]>`SELECT id, account_id AS "accountId", name, special_use AS "specialUse" FROM mailboxes
      WHERE account_id = ANY(${tx.array(accountIds)}::bigint[]) AND (name = ANY(${tx.array([...names, 'INBOX'])}::text[]) OR special_use = ANY(${tx.array(names)}::text[]))`,
  ]);
  const accounts = new Map(accountRows.map((r) => [r.id, { ...r }]));
  const found = [...boxes];
  const find = (accountId: number, name: string): number | undefined => {
    if (name.startsWith('\\')) {
      const special = found.filter((b) => b.accountId === accountId && b.specialUse === name).sort((a, b) => a.id - b.id)[0];
      if (special) return special.id;
      name = 'INBOX';
    }
    return found.find((b) => b.accountId === accountId && b.name === name)?.id;
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
      boxId = await createMailbox(tx, target.accountId, name, input.internalDate, found);
      events.push({ accountId: target.accountId, mailboxId: boxId, kind: 'mailboxes', uids: [], modseq: 0 });
    }
    if (boxId === undefined) throw new NoSuchMailboxError(`mailbox ${name} does not exist`);
    const { bits, keywords } = target.flags ? encodeFlags(target.flags) : inputFlags;
    account.used += size;
    events.push(planned.length);
    planned.push({ accountId: target.accountId, boxId, bits, keywords: keywords.join(' '), modseq: account.modseq });
  }
  // UIDs: each mailbox's uid_next grows by its number of copies and the rows take the UIDs from
  // the old value up, in one statement (the one allocation outside message-rows.ts, by its rule). The mailboxes' own row locks need no order: every writer
  // of a mailbox holds its account's lock first.
  const emailIds = new Map(accountIds.map((id) => [id, newEmailId()]));
  const boxIds = [...new Set(planned.map((p) => p.boxId))];
  const ordinal = new Map<number, number>();
  const nth = planned.map((p) => { const k = ordinal.get(p.boxId) ?? 0; ordinal.set(p.boxId, k + 1); return k; });
  const allocated = await tx<{ id: number; uid: number; uidValidity: number }[]>`
    WITH b AS (
      UPDATE mailboxes m SET uid_next = m.uid_next + x.n, highest_modseq = x.modseq
      FROM unnest(${tx.array(boxIds)}::bigint[], ${tx.array(boxIds.map((id) => ordinal.get(id)!))}::bigint[],
        ${tx.array(boxIds.map((id) => planned.find((p) => p.boxId === id)!.modseq))}::bigint[]) AS x(id, n, modseq)
      WHERE m.id = x.id RETURNING m.id, m.uid_next - x.n AS uid, m.uid_validity),
    rows AS (
      INSERT INTO messages (mailbox_id, uid, modseq, content_id, flags, keywords, internal_date, size, save_date, email_id)
      SELECT p.box, b.uid + p.nth, p.modseq, ${contentId}, p.flags, p.keywords, ${input.internalDate}, ${size}, ${savedAt}, p.email_id
      FROM unnest(${tx.array(planned.map((p) => p.boxId))}::bigint[], ${tx.array(nth)}::bigint[], ${tx.array(planned.map((p) => p.modseq))}::bigint[],
        ${tx.array(planned.map((p) => p.bits))}::bigint[], ${tx.array(planned.map((p) => p.keywords))}::text[],
        ${tx.array(planned.map((p) => emailIds.get(p.accountId)!))}::text[]) AS p(box, nth, modseq, flags, keywords, email_id)
      JOIN b ON b.id = p.box)
    SELECT id, uid, uid_validity AS "uidValidity" FROM b`;
  const first = new Map(allocated.map((r) => [r.id, r]));
  const copies: StoredCopy[] = planned.map((p, i) => {
    const slot = first.get(p.boxId)!;
    return { accountId: p.accountId, mailboxId: p.boxId, uid: slot.uid + nth[i]!, uidValidity: slot.uidValidity, modseq: p.modseq };
  });
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
