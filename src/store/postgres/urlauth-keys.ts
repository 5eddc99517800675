// The PostgreSQL engine's URLAUTH mailbox access keys (the interface is UrlAuthKeys in
// src/store/api.ts), ported statement by statement from src/store/sqlite/urlauth-keys.ts. Always
// true: a key is returned only for the mailbox incarnation it was made for (its UIDVALIDITY) and
// only to its account; ensure() never replaces a key that exists (ON CONFLICT DO NOTHING, then
// read), so two nodes generating URLs at once agree on one key; the rows go with their mailbox and
// account (ON DELETE CASCADE).
import type { UrlAuthKeys } from '../api.ts';
import type { PgContext } from './context.ts';
import type { Sql, Tx } from './connect.ts';

async function read(sql: Sql | Tx, accountId: number, mailboxId: number, uidValidity: number): Promise<Buffer | null> {
  const [row] = await sql<{ key: Buffer }[]>`SELECT key FROM urlauth_keys
    WHERE mailbox_id = ${mailboxId} AND account_id = ${accountId} AND uid_validity = ${uidValidity}`;
  return row ? Buffer.from(row.key) : null;
}

export class PgUrlAuthKeys implements UrlAuthKeys {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  key(accountId: number, mailboxId: number, uidValidity: number): Promise<Buffer | null> {
    return read(this.ctx.sql, accountId, mailboxId, uidValidity);
  }

  ensure(accountId: number, mailboxId: number, uidValidity: number, fresh: Buffer): Promise<Buffer | null> {
    const now = this.ctx.clock.now();
    return this.ctx.write(async (tx) => {
      await tx`INSERT INTO urlauth_keys (mailbox_id, account_id, uid_validity, key, created_at)
        SELECT id, account_id, uid_validity, ${fresh}, ${now} FROM mailboxes
        WHERE id = ${mailboxId} AND account_id = ${accountId} AND uid_validity = ${uidValidity}
        ON CONFLICT (mailbox_id) DO NOTHING`;
      return read(tx, accountId, mailboxId, uidValidity);
    });
  }

  replace(accountId: number, mailboxId: number, uidValidity: number, fresh: Buffer): Promise<boolean> {
    const now = this.ctx.clock.now();
    return this.ctx.write(async (tx) => {
      const rows = await tx`INSERT INTO urlauth_keys (mailbox_id, account_id, uid_validity, key, created_at)
        SELECT id, account_id, uid_validity, ${fresh}, ${now} FROM mailboxes
        WHERE id = ${mailboxId} AND account_id = ${accountId} AND uid_validity = ${uidValidity}
        ON CONFLICT (mailbox_id) DO UPDATE SET key = excluded.key, uid_validity = excluded.uid_validity, created_at = excluded.created_at`;
      return rows.count > 0;
    });
  }

  removeAll(accountId: number): Promise<number> {
    return this.ctx.write(async (tx) => (await tx`DELETE FROM urlauth_keys WHERE account_id = ${accountId}`).count);
  }
}
