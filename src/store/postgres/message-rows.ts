// The PostgreSQL engine's one place for what every area that writes messages shares, run inside a
// write transaction (ctx.write): UID and MODSEQ allocation, mailbox creation, VANISHED tombstones
// and the release of message rows and contents (reference counts, quota usage). They port
// src/store/sqlite/message-rows.ts and createMailboxRow/subscribeName of src/store/sqlite/accounts.ts.
// Always true, across nodes:
// - uid_next only grows: UIDs are taken by UPDATE … SET uid_next = uid_next + n … RETURNING in the
//   transaction that writes the rows, here (allocateUids), except delivery, which takes them in the
//   statement that inserts its rows (postgres/delivery.ts, one round trip under the account lock)
//   by the same rule; the row lock orders concurrent writers, so UIDs are unique and commit in order;
// - the account's MODSEQ only grows (RFC 7162 §3.1.1): taken only here, by allocateModseq (one per
//   change) or allocateDeliveryModseqs (one per account of a delivery);
// - a content row is deleted exactly when its last message/queue reference goes (releaseContents
//   is the only place a reference is dropped), and a blob exactly when its last content row goes;
//   accounts.used_bytes drops by the released sizes.
// Lock order (PG.md): the accounts row first, then mailboxes, then messages, then contents/blobs —
// releaseMessages updates the account before it touches any message, content or blob row, and
// locks contents and blobs in ascending id.
import type { Sql, Tx } from './connect.ts';
import { newMailboxId } from '../object-ids.ts';

/** Takes the account's next MODSEQ (RFC 7162: the counter only grows); the row lock orders concurrent writers. */
export async function allocateModseq(tx: Tx, accountId: number): Promise<number> {
  const [row] = await tx<{ modseq: number }[]>`UPDATE accounts SET modseq = modseq + 1 WHERE id = ${accountId} RETURNING modseq`;
  if (!row) throw new Error(`account ${accountId} does not exist`);
  return row.modseq;
}

/**
 * Delivery's accounts, in one statement: locks them in ascending id (FOR NO KEY UPDATE, as an
 * UPDATE does, so foreign-key checks of other writers do not wait), takes each its next MODSEQ and
 * adds its bytes; returns the quota, the usage before the add, and the MODSEQ taken.
 */
export async function allocateDeliveryModseqs(tx: Tx, charges: readonly { accountId: number; bytes: number }[]): Promise<{ id: number; quota: number; used: number; modseq: number }[]> {
  const ids = charges.map((c) => c.accountId);
  return tx<{ id: number; quota: number; used: number; modseq: number }[]>`
    WITH locked AS (SELECT id FROM accounts WHERE id = ANY(${tx.array(ids)}::bigint[]) ORDER BY id FOR NO KEY UPDATE)
    UPDATE accounts a SET modseq = a.modseq + 1, used_bytes = a.used_bytes + x.bytes
    FROM locked, unnest(${tx.array(ids)}::bigint[], ${tx.array(charges.map((c) => c.bytes))}::bigint[]) AS x(id, bytes)
    WHERE a.id = locked.id AND x.id = a.id
    RETURNING a.id, a.quota_bytes AS quota, a.used_bytes - x.bytes AS used, a.modseq`;
}

/** Reserves `n` UIDs in a mailbox and records `modseq` (just allocated) as its highest; returns the first. */
export async function allocateUids(tx: Tx, mailboxId: number, n: number, modseq: number): Promise<number> {
  const [r] = await tx<{ first: number }[]>`UPDATE mailboxes SET uid_next = uid_next + ${n}, highest_modseq = ${modseq}
    WHERE id = ${mailboxId} RETURNING uid_next - ${n} AS first`;
  return r!.first;
}

/** Creates a mailbox with a fresh UIDVALIDITY from the database-wide counter and a new MAILBOXID (RFC 8474 §4); returns its id. */
export async function createMailboxRow(tx: Tx, accountId: number, name: string, specialUse: string | null, now: number): Promise<number> {
  const [row] = await tx<{ id: number }[]>`
    WITH v AS (UPDATE counters SET value = value + 1 WHERE name = 'uid_validity' RETURNING value)
    INSERT INTO mailboxes (account_id, name, special_use, uid_validity, created_at, object_id)
    SELECT ${accountId}, ${name}, ${specialUse}, v.value, ${now}, ${newMailboxId()} FROM v RETURNING id`;
  return row!.id;
}

/** Adds a subscription (a name, RFC 3501 §6.3.6); a no-op when it is already there. */
export async function subscribeName(tx: Tx, accountId: number, name: string): Promise<void> {
  await tx`INSERT INTO subscriptions (account_id, name) VALUES (${accountId}, ${name}) ON CONFLICT DO NOTHING`;
}

/**
 * Records UIDs leaving a mailbox (expunge, or the source side of MOVE) under one new MODSEQ: VANISHED
 * tombstones for QRESYNC (RFC 7162 §3.2.5.1) and the mailbox's highest modseq. Returns that modseq.
 */
export async function tombstone(tx: Tx, accountId: number, mailboxId: number, uids: readonly number[]): Promise<number> {
  const modseq = await allocateModseq(tx, accountId);
  await tx`UPDATE mailboxes SET highest_modseq = ${modseq} WHERE id = ${mailboxId}`;
  await tx`INSERT INTO vanished (mailbox_id, uid, modseq) SELECT ${mailboxId}, u, ${modseq} FROM unnest(${tx.array([...uids])}::bigint[]) AS u
    ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq`;
  return modseq;
}

/** Deletes message rows and drops their references; the caller writes tombstones if it needs them. */
export async function releaseMessages(tx: Tx, accountId: number, rows: readonly { id: number; contentId: number; size: number }[]): Promise<void> {
  if (rows.length === 0) return;
  const bytes = rows.reduce((n, r) => n + r.size, 0);
  await tx`UPDATE accounts SET used_bytes = GREATEST(0, used_bytes - ${bytes}) WHERE id = ${accountId}`;
  await tx`DELETE FROM messages WHERE id = ANY(${tx.array(rows.map((r) => r.id))}::bigint[])`;
  await releaseContents(tx, rows.map((r) => r.contentId));
}

/** Drops one reference per entry of `contentIds` (repeats count); contents and blobs at 0 go. */
export async function releaseContents(tx: Tx, contentIds: readonly number[]): Promise<void> {
  if (contentIds.length === 0) return;
  const counts = new Map<number, number>();
  for (const id of contentIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  const ids = [...counts.keys()].sort((a, b) => a - b);
  await tx`SELECT id FROM contents WHERE id = ANY(${tx.array(ids)}::bigint[]) ORDER BY id FOR UPDATE`;
  const derefs = await tx<{ id: number; refcount: number; blobId: number }[]>`
    UPDATE contents c SET refcount = c.refcount - x.n
    FROM unnest(${tx.array(ids)}::bigint[], ${tx.array(ids.map((id) => counts.get(id)!))}::bigint[]) AS x(id, n)
    WHERE c.id = x.id RETURNING c.id, c.refcount, c.blob_id AS "blobId"`;
  const gone = derefs.filter((c) => c.refcount <= 0);
  if (gone.length === 0) return;
  await tx`DELETE FROM contents WHERE id = ANY(${tx.array(gone.map((c) => c.id))}::bigint[])`;
  const blobCounts = new Map<number, number>();
  for (const c of gone) blobCounts.set(c.blobId, (blobCounts.get(c.blobId) ?? 0) + 1);
  const blobIds = [...blobCounts.keys()].sort((a, b) => a - b);
  await tx`SELECT id FROM blobs WHERE id = ANY(${tx.array(blobIds)}::bigint[]) ORDER BY id FOR UPDATE`;
  const blobs = await tx<{ id: number; refcount: number }[]>`
    UPDATE blobs b SET refcount = b.refcount - x.n
    FROM unnest(${tx.array(blobIds)}::bigint[], ${tx.array(blobIds.map((id) => blobCounts.get(id)!))}::bigint[]) AS x(id, n)
    WHERE b.id = x.id RETURNING b.id, b.refcount`;
  const deadBlobs = blobs.filter((b) => b.refcount <= 0).map((b) => b.id);
  if (deadBlobs.length > 0) await tx`DELETE FROM blobs WHERE id = ANY(${tx.array(deadBlobs)}::bigint[])`;
}

/** Deletes an account with its mailboxes and messages, releasing the content they held (SQLite's deleteAccountRows). */
export async function deleteAccountRows(tx: Tx, accountId: number): Promise<void> {
  await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`;
  const rows = await tx<{ id: number; contentId: number; size: number }[]>`
    SELECT m.id, m.content_id AS "contentId", m.size FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ${accountId}`;
  await releaseMessages(tx, accountId, rows);
  await tx`UPDATE queue_messages SET account_id = NULL WHERE account_id = ${accountId}`;
  await tx`DELETE FROM mailboxes WHERE account_id = ${accountId}`;
  await tx`DELETE FROM accounts WHERE id = ${accountId}`;
}

/** The distinct keyword lists of a mailbox's messages (SELECT's FLAGS), as a skip-scan of the
 *  partial index messages_keywords (migrations/postgres/0018): one index seek per distinct list, as
 *  SQLite's keywordLists does, instead of reading every message row. */
export async function keywordLists(sql: Sql | Tx, mailboxId: number): Promise<string[]> {
  const rows = await sql<{ keywords: string }[]>`WITH RECURSIVE k(v) AS (
      SELECT (SELECT min(keywords) FROM messages WHERE mailbox_id = ${mailboxId} AND keywords <> '')
      UNION ALL
      SELECT (SELECT min(keywords) FROM messages WHERE mailbox_id = ${mailboxId} AND keywords <> '' AND keywords > k.v) FROM k WHERE k.v IS NOT NULL
    ) SELECT v AS keywords FROM k WHERE v IS NOT NULL`;
  return rows.map((r) => r.keywords);
}
