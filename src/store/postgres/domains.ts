// The PostgreSQL engine's domains area (the interface is Domains in src/store/api.ts): domains and
// their DKIM keys, as src/store/sqlite/domains.ts. Names are lowercase A-labels; listings sort by byte
// order (COLLATE "C") as SQLite's BINARY collation does, whatever the database's locale.
import type { Domains } from '../api.ts';
import type { DomainRow, DkimKey } from '../domains.ts';
import type { PgContext } from './context.ts';
import { deleteAccountRows } from './message-rows.ts';

export class PgDomains implements Domains {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(name: string, keys: DkimKey[]): Promise<DomainRow> {
    const now = this.ctx.clock.now();
    const id = await this.ctx.write(async (tx) => {
      const [row] = await tx<{ id: number }[]>`INSERT INTO domains (name, created_at) VALUES (${name}, ${now}) RETURNING id`;
      for (const k of keys) {
        await tx`INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, created_at)
          VALUES (${row!.id}, ${k.selector}, ${k.algorithm}, ${k.privateKeyPem}, ${k.publicKey}, ${now})`;
      }
      return row!.id;
    });
    return { id, name, createdAt: now, accounts: 0, aliases: 0 };
  }

  async list(): Promise<DomainRow[]> {
    const rows = await this.ctx.sql<DomainRow[]>`
      SELECT d.id, d.name, d.created_at AS "createdAt",
        (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id) AS accounts,
        (SELECT count(*) FROM aliases l WHERE l.domain_id = d.id) AS aliases
      FROM domains d ORDER BY d.name COLLATE "C"`;
    return rows.map((r) => ({ ...r }));
  }

  async find(name: string): Promise<DomainRow | null> {
    const [row] = await this.ctx.sql<DomainRow[]>`
      SELECT d.id, d.name, d.created_at AS "createdAt",
        (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id) AS accounts,
        (SELECT count(*) FROM aliases l WHERE l.domain_id = d.id) AS aliases
      FROM domains d WHERE d.name = ${name}`;
    return row ? { ...row } : null;
  }

  /** Removes the domain, its aliases and keys; accounts (with their mail) only when force is set. */
  async remove(id: number, force: boolean): Promise<void> {
    await this.ctx.write(async (tx) => {
      if (force) {
        const accounts = await tx<{ id: number }[]>`SELECT id FROM accounts WHERE domain_id = ${id} ORDER BY id`;
        for (const a of accounts) await deleteAccountRows(tx, a.id);
      }
      await tx`DELETE FROM aliases WHERE domain_id = ${id}`;
      await tx`DELETE FROM domains WHERE id = ${id}`;
    });
  }

  async dkimKeys(domain: string): Promise<DkimKey[]> {
    const rows = await this.ctx.sql<DkimKey[]>`
      SELECT k.selector, k.algorithm, k.private_key AS "privateKeyPem", k.public_key AS "publicKey"
      FROM dkim_keys k JOIN domains d ON d.id = k.domain_id WHERE d.name = ${domain}
      ORDER BY k.algorithm COLLATE "C" DESC, k.selector COLLATE "C"`;
    return rows.map((r) => ({ ...r }));
  }

  async isLocal(domain: string): Promise<boolean> {
    const rows = await this.ctx.sql`SELECT 1 FROM domains WHERE name = ${domain}`;
    return rows.length > 0;
  }
}
