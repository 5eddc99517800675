// The PostgreSQL engine's aliases area (the interface is Aliases in src/store/api.ts), as
// src/store/sqlite/aliases.ts: a source address (or '@domain', the catch-all) delivers to its targets.
import type { Aliases } from '../api.ts';
import type { AliasRow } from '../aliases.ts';
import type { PgContext } from './context.ts';

export class PgAliases implements Aliases {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  async add(domainId: number, source: string, targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    const now = this.ctx.clock.now();
    await this.ctx.sql`INSERT INTO aliases (domain_id, source, target, created_at)
      SELECT ${domainId}, ${source}, t, ${now} FROM unnest(${this.ctx.sql.array(targets)}::text[]) WITH ORDINALITY AS x(t, i) ORDER BY i
      ON CONFLICT (source, target) DO NOTHING`;
  }

  async list(): Promise<AliasRow[]> {
    const rows = await this.ctx.sql<{ source: string; target: string }[]>`SELECT source, target FROM aliases ORDER BY source COLLATE "C", target COLLATE "C"`;
    const bySource = new Map<string, string[]>();
    for (const r of rows) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r.target]);
    return [...bySource].map(([source, targets]) => ({ source, targets }));
  }

  async targets(source: string): Promise<string[]> {
    const rows = await this.ctx.sql<{ target: string }[]>`SELECT target FROM aliases WHERE source = ${source} ORDER BY target COLLATE "C"`;
    return rows.map((r) => r.target);
  }

  /** Removes the alias, or only the named targets of it; returns how many rows went. */
  async remove(source: string, targets: string[] = []): Promise<number> {
    const result = targets.length === 0
      ? await this.ctx.sql`DELETE FROM aliases WHERE source = ${source}`
      : await this.ctx.sql`DELETE FROM aliases WHERE source = ${source} AND target = ANY(${this.ctx.sql.array(targets)}::text[])`;
    return result.count;
  }
}
