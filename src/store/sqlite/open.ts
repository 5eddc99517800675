// Opening the SQLite database: the data directory is created owner-only (it holds password hashes
// and DKIM private keys), and every connection gets the pragmas durability depends on:
// WAL with synchronous=FULL, so an acknowledged message survives power loss.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AUTO_CHECKPOINT_PAGES } from './checkpointer.ts';
import { STORE_PAGE_CACHE_BYTES } from '../../limits.ts';

export type Db = Database.Database;

export const DATABASE_FILE = 'postern.db';

export function openDatabase(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  const file = path.join(dataDir, DATABASE_FILE);
  const db = new Database(file);
  fs.chmodSync(file, 0o600);
  // Before the first table exists (ignored afterwards: a database keeps the page size it was made
  // with). Every commit writes each page it dirtied whole to the WAL, so the page size sets what a
  // small commit costs; 8 KiB still holds a typical message's chunk in its row (no overflow chain).
  // Measured alternately on fresh stores (bench/profiles.md, "Page size"): against 32 KiB, a lone
  // APPEND wrote 145 KB of WAL instead of 480 KB and ran 25% faster, imaptest 15% more commands,
  // inbound 4% less CPU per message; reading back cost FETCH BODY.PEEK[] of 100,000 messages 0–20%
  // more and ENVELOPE 30% more CPU, both still below Dovecot's. 4 KiB wrote less but read slower.
  db.pragma('page_size = 8192');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoints run inside commits unless serve's Checkpointer takes them off the event loop.
  db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  // Negative: a size in KiB rather than a number of pages.
  db.pragma(`cache_size = -${STORE_PAGE_CACHE_BYTES / 1024}`);
  // Statement journals (every nested transaction of a group commit is a savepoint) and sorts in
  // memory, not in files under /var/tmp: they need no durability, and as files they cost 34 pwrite
  // calls of 32 KiB pages per APPEND (strace, 20 APPENDs: 682 writes to temp files, 0 after). An
  // in-memory statement journal is truncated once the last savepoint is released, so it holds at
  // most one job's pages.
  db.pragma('temp_store = MEMORY');
  return db;
}
