// Aliases: a source address (or '@domain', the domain's catch-all) delivers to one or more targets.
import { stmt } from './statements.ts';
import type { Db } from './open.ts';
import type { Clock } from '../../clock.ts';
import type { Aliases } from '../api.ts';
import type { AliasRow } from '../aliases.ts';

export class AliasStore implements Aliases {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async add(domainId: number, source: string, targets: string[]): Promise<void> {
    const insert = stmt(this.db, 'INSERT OR IGNORE INTO aliases (domain_id, source, target, created_at) VALUES (?, ?, ?, ?)');
    const now = this.clock.now();
    this.db.transaction(() => { for (const t of targets) insert.run(domainId, source, t, now); })();
  }

  async list(): Promise<AliasRow[]> {
    const rows = stmt(this.db, 'SELECT source, target FROM aliases ORDER BY source, target').all() as { source: string; target: string }[];
    const bySource = new Map<string, string[]>();
    for (const r of rows) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r.target]);
    return [...bySource].map(([source, targets]) => ({ source, targets }));
  }

  async targets(source: string): Promise<string[]> {
    return (stmt(this.db, 'SELECT target FROM aliases WHERE source = ? ORDER BY target').all(source) as { target: string }[]).map((r) => r.target);
  }

  /** Removes the alias, or only the named targets of it; returns how many rows went. */
  async remove(source: string, targets: string[] = []): Promise<number> {
    if (targets.length === 0) return stmt(this.db, 'DELETE FROM aliases WHERE source = ?').run(source).changes;
    const del = stmt(this.db, 'DELETE FROM aliases WHERE source = ? AND target = ?');
    return this.db.transaction(() => targets.reduce((n, t) => n + del.run(source, t).changes, 0))();
  }
}
