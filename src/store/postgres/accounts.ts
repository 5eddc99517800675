// The PostgreSQL engine's accounts area (the interface is Accounts in src/store/api.ts), as
// src/store/sqlite/accounts.ts: a new account gets INBOX and the RFC 6154 special-use folders, all
// subscribed (CLIENTS.md); removal deletes its mailboxes and messages and releases the content
// they held, in one transaction (message-rows.ts deleteAccountRows).
import type { Accounts } from '../api.ts';
import { DEFAULT_MAILBOXES, type AccountRow } from '../accounts.ts';
import type { PgContext } from './context.ts';
import { createMailboxRow, deleteAccountRows, subscribeName } from './message-rows.ts';

export class PgAccounts implements Accounts {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(address: string, domainId: number, passwordHash: string): Promise<AccountRow> {
    const now = this.ctx.clock.now();
    return this.ctx.write(async (tx) => {
      const [row] = await tx<AccountRow[]>`INSERT INTO accounts (domain_id, address, password_hash, created_at)
        VALUES (${domainId}, ${address}, ${passwordHash}, ${now})
        RETURNING id, address, domain_id AS "domainId", password_hash AS "passwordHash", quota_bytes AS "quotaBytes", used_bytes AS "usedBytes", created_at AS "createdAt"`;
      for (const box of DEFAULT_MAILBOXES) {
        await createMailboxRow(tx, row!.id, box.name, box.specialUse, now);
        await subscribeName(tx, row!.id, box.name);
      }
      return { ...row! };
    });
  }

  async byId(id: number): Promise<AccountRow | null> {
    const [row] = await this.ctx.sql<AccountRow[]>`SELECT id, address, domain_id AS "domainId", password_hash AS "passwordHash",
      quota_bytes AS "quotaBytes", used_bytes AS "usedBytes", created_at AS "createdAt" FROM accounts WHERE id = ${id}`;
    return row ? { ...row } : null;
  }

  async byAddress(address: string): Promise<AccountRow | null> {
    const [row] = await this.ctx.sql<AccountRow[]>`SELECT id, address, domain_id AS "domainId", password_hash AS "passwordHash",
      quota_bytes AS "quotaBytes", used_bytes AS "usedBytes", created_at AS "createdAt" FROM accounts WHERE address = ${address}`;
    return row ? { ...row } : null;
  }

  async list(domainId?: number): Promise<AccountRow[]> {
    const rows = await this.ctx.sql<AccountRow[]>`SELECT id, address, domain_id AS "domainId", password_hash AS "passwordHash",
      quota_bytes AS "quotaBytes", used_bytes AS "usedBytes", created_at AS "createdAt" FROM accounts
      WHERE ${domainId === undefined ? this.ctx.sql`true` : this.ctx.sql`domain_id = ${domainId}`} ORDER BY address COLLATE "C"`;
    return rows.map((r) => ({ ...r }));
  }

  async setPassword(id: number, passwordHash: string): Promise<void> {
    await this.ctx.sql`UPDATE accounts SET password_hash = ${passwordHash} WHERE id = ${id}`;
  }

  async setQuota(id: number, quotaBytes: number): Promise<void> {
    await this.ctx.sql`UPDATE accounts SET quota_bytes = ${quotaBytes} WHERE id = ${id}`;
  }

  async remove(id: number): Promise<void> {
    await this.ctx.write((tx) => deleteAccountRows(tx, id));
  }
}
