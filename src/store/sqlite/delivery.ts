// The store's half of the one way into a mailbox: one transaction stores the content once and
// references it from every recipient's mailbox, allocating UID and MODSEQ in that same
// transaction. Only src/delivery calls this (through the group commit). Each copy is saved at
// `savedAt` (RFC 8514 save date) and the copies in one account share one new EMAILID (RFC 8474 §5.1).
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { WriteContext } from './group-commit.ts';
import { insertContent } from './contents.ts';
import { encodeFlags } from '../flags.ts';
import { allocateModseq, allocateUids } from './message-rows.ts';
import { createMailboxRow } from './accounts.ts';
import { recordSpamDelivery } from './spam.ts';
import { newEmailId } from '../object-ids.ts';
import { NoSuchMailboxError, OverQuotaError, type StoreInput, type StoredCopy } from '../delivery.ts';

export function storeMessage(db: Db, tx: WriteContext, input: StoreInput, savedAt: number): StoredCopy[] {
  const size = input.prefix.length + input.raw.length;
  const contentId = insertContent(db, input.raw, input.prefix, input.index);
  const inputFlags = encodeFlags(input.flags);
  const copies: StoredCopy[] = [];
  const modseqOf = new Map<number, number>();
  const emailIdOf = new Map<number, string>();
  for (const target of input.targets) {
    const account = stmt(db, 'SELECT quota_bytes AS quota, used_bytes AS used FROM accounts WHERE id = ?').get(target.accountId) as { quota: number; used: number } | undefined;
    if (!account) throw new NoSuchMailboxError(`account ${target.accountId} does not exist`);
    if (!input.ignoreQuota && account.quota > 0 && account.used + size > account.quota) throw new OverQuotaError(target.accountId);
    const name = target.mailbox ?? 'INBOX';
    const box = (name.startsWith('\\')
      ? stmt(db, 'SELECT id FROM mailboxes WHERE account_id = ? AND special_use = ? ORDER BY id LIMIT 1').get(target.accountId, name)
        ?? stmt(db, "SELECT id FROM mailboxes WHERE account_id = ? AND name = 'INBOX'").get(target.accountId)
      : stmt(db, 'SELECT id FROM mailboxes WHERE account_id = ? AND name = ?').get(target.accountId, name)) as { id: number } | undefined;
    let boxId = box?.id;
    if (boxId === undefined && target.create && !name.startsWith('\\')) boxId = createMailbox(db, tx, target.accountId, name, input.internalDate);
    if (boxId === undefined) throw new NoSuchMailboxError(`mailbox ${name} does not exist`);
    const { bits, keywords } = target.flags ? encodeFlags(target.flags) : inputFlags;
    let modseq = modseqOf.get(target.accountId);
    if (modseq === undefined) {
      modseq = allocateModseq(db, target.accountId);
      modseqOf.set(target.accountId, modseq);
    }
    let emailId = emailIdOf.get(target.accountId);
    if (emailId === undefined) {
      emailId = newEmailId();
      emailIdOf.set(target.accountId, emailId);
    }
    const { first: uid, uidValidity } = allocateUids(db, boxId, 1, modseq);
    stmt(db, 'INSERT INTO messages (mailbox_id, uid, modseq, content_id, flags, keywords, internal_date, size, save_date, email_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(boxId, uid, modseq, contentId, bits, keywords.join(' '), input.internalDate, size, savedAt, emailId);
    stmt(db, 'UPDATE accounts SET used_bytes = used_bytes + ? WHERE id = ?').run(size, target.accountId);
    copies.push({ accountId: target.accountId, mailboxId: boxId, uid, uidValidity, modseq });
    tx.publish({ accountId: target.accountId, mailboxId: boxId, kind: 'append', uids: [uid], modseq });
  }
  stmt(db, 'UPDATE contents SET refcount = ? WHERE id = ?').run(copies.length, contentId);
  for (const record of input.spam ?? []) recordSpamDelivery(db, contentId, record, input.internalDate);
  return copies;
}

// A mailbox a Sieve fileinto :create names, with any missing parents, in the delivery's transaction.
function createMailbox(db: Db, tx: WriteContext, accountId: number, name: string, now: number): number {
  const find = (n: string) => (stmt(db, 'SELECT id FROM mailboxes WHERE account_id = ? AND name = ?').get(accountId, n) as { id: number } | undefined)?.id;
  const levels = name.split('/');
  for (let i = 1; i < levels.length; i++) {
    const parent = levels.slice(0, i).join('/');
    if (find(parent) === undefined) createMailboxRow(db, accountId, parent, null, now);
  }
  const id = createMailboxRow(db, accountId, name, null, now);
  tx.publish({ accountId, mailboxId: id, kind: 'mailboxes', uids: [], modseq: 0 });
  return id;
}
