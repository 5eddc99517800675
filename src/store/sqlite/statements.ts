// Prepared statements, compiled once per database and reused: preparing costs more than running
// a small indexed query, and the delivery path runs a dozen per message. Statements from here are
// shared, so callers must not change their mode (pluck/raw/expand); prepare their own for that.
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.ts';

const caches = new WeakMap<Db, Map<string, Statement>>();

export function stmt(db: Db, sql: string): Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s;
}
