// `postern store copy`: every table of one engine's store copied into an empty store of the other
// (SQLite → PostgreSQL when an installation grows into several nodes, PostgreSQL → SQLite back),
// row for row and id for id, then verified. What must stay true:
// - the source is only read: SQLite is opened read-only, PostgreSQL in a READ ONLY snapshot, so a
//   copy is a consistent picture of one moment and the source is never written;
// - the target is freshly migrated and empty (only the counters its migrations seed), or refused;
//   it is written in one transaction, so a failed copy leaves nothing half-copied;
// - ids, UIDs, UIDVALIDITY, MODSEQs, flags and bytes are copied as stored, and PostgreSQL's
//   identity sequences are moved past the copied ids, so the next row gets a new id;
// - verification reads both sides again: the row count and a SHA-256 over the rows of every table
//   (order-independent: a digest per row, sorted, since text sorts differently per engine) and a
//   SHA-256 over every message's bytes (prefix and chunks, in content id order) must be equal.
// Tables that belong to one engine are left out: schema_migrations (each engine has its own
// migrations), SQLite's FTS5 index (rebuilt by its triggers as contents rows arrive) and
// shared_leases (held by the nodes of the old store, which are stopped).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { connectPostgres, type PostgresSettings, type Sql, type Tx } from '../postgres/connect.ts';
import { PgStore } from '../postgres/store.ts';
import { openStore } from '../sqlite/store.ts';
import { openDatabase, DATABASE_FILE, type Db } from '../sqlite/open.ts';
import type { StoreEngine } from '../api.ts';

export type CopyEndpoint =
  | { engine: 'sqlite'; dataDir: string }
  | { engine: 'postgres'; settings: PostgresSettings };

export class StoreCopyError extends Error {}

export interface TableCheck { table: string; rows: number; sha256: string }
export interface CopyReport {
  from: StoreEngine;
  to: StoreEngine;
  tables: TableCheck[];
  messages: { count: number; sha256: string };
  rows: number;
  /** The whole command: preparing the target, copying, verifying. */
  ms: number;
  /** Of which verifying (reading both sides again). */
  verifyMs: number;
}

export interface CopyOptions {
  /** Rows copied so far and the total, after each batch. */
  onProgress?: (done: number, total: number) => void;
  clock?: () => number;
}

/** Rows per INSERT: PostgreSQL binds at most 65,535 parameters, and a batch stays a few MiB. */
const BATCH_PARAMS = 30_000;
const BATCH_BYTES = 8 * 1024 * 1024;
/** Rows read from the source per fetch. */
const READ_BATCH = 1000;

const ENGINE_ONLY = new Set(['schema_migrations', 'shared_leases']);
const isEngineOnly = (t: string) => ENGINE_ONLY.has(t) || t.startsWith('search_fts') || t.startsWith('sqlite_');
/** Seeded by the migrations of an empty store; replaced by the source's rows. */
const SEEDED = new Set(['counters']);

type Row = unknown[];

/** One engine's tables, as the copy sees them. */
interface Side {
  readonly engine: StoreEngine;
  /** Table → its columns, in declaration order. */
  tables(): Promise<Map<string, string[]>>;
  count(table: string): Promise<number>;
  /** The rows of `table` (only `columns`), in batches. */
  batches(table: string, columns: readonly string[]): AsyncIterable<Row[]>;
  /** Per content id ascending: the id and the message bytes (prefix, then its chunks in order). */
  messages(): AsyncIterable<{ id: number; pieces: Buffer[] }>;
}

function sqliteSide(db: Db): Side {
  return {
    engine: 'sqlite',
    async tables() {
      const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
      const out = new Map<string, string[]>();
      for (const t of names) out.set(t, (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(t) as string[]));
      return out;
    },
    async count(table) {
      return db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
    },
    async *batches(table, columns) {
      const it = db.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"`).raw().iterate() as IterableIterator<Row>;
      let batch: Row[] = [];
      for (const row of it) {
        batch.push(row);
        if (batch.length >= READ_BATCH) { yield batch; batch = []; }
      }
      if (batch.length > 0) yield batch;
    },
    async *messages() {
      const contents = db.prepare('SELECT id, prefix, blob_id FROM contents ORDER BY id').raw().all() as [number, Buffer, number][];
      const chunks = db.prepare('SELECT data FROM blob_chunks WHERE blob_id = ? ORDER BY seq').pluck();
      for (const [id, prefix, blobId] of contents) yield { id, pieces: [prefix, ...(chunks.all(blobId) as Buffer[])] };
    },
  };
}

function pgSide(tx: Tx): Side {
  return {
    engine: 'postgres',
    async tables() {
      const rows = await tx`SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`;
      const out = new Map<string, string[]>();
      for (const r of rows) {
        const t = r.table_name as string;
        if (!out.has(t)) out.set(t, []);
        out.get(t)!.push(r.column_name as string);
      }
      return out;
    },
    async count(table) {
      const [r] = await tx.unsafe(`SELECT count(*) AS n FROM "${table}"`);
      return Number(r!.n);
    },
    async *batches(table, columns) {
      const query = tx.unsafe(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"`).values();
      for await (const rows of query.cursor(READ_BATCH)) yield rows as unknown as Row[];
    },
    async *messages() {
      let after = 0;
      for (;;) {
        const contents = await tx`SELECT id, prefix, blob_id FROM contents WHERE id > ${after} ORDER BY id LIMIT ${READ_BATCH}`;
        if (contents.length === 0) return;
        const chunks = await tx`SELECT blob_id, data FROM blob_chunks WHERE blob_id = ANY(${contents.map((c) => c.blob_id as number)}) ORDER BY blob_id, seq`;
        const byBlob = new Map<number, Buffer[]>();
        for (const c of chunks) {
          const list = byBlob.get(c.blob_id as number) ?? [];
          list.push(c.data as Buffer);
          byBlob.set(c.blob_id as number, list);
        }
        for (const c of contents) yield { id: c.id as number, pieces: [c.prefix as Buffer, ...(byBlob.get(c.blob_id as number) ?? [])] };
        after = contents[contents.length - 1]!.id as number;
      }
    },
  };
}

/** A value as bytes for the digests: its type and its content, so 1, '1' and x'31' differ. */
function encodeValue(h: crypto.Hash, v: unknown): void {
  if (v === null || v === undefined) h.update('N;');
  else if (typeof v === 'number' || typeof v === 'bigint') h.update(`I${String(v)};`);
  else if (typeof v === 'string') h.update(`T${Buffer.byteLength(v)}:`).update(v);
  else if (Buffer.isBuffer(v) || v instanceof Uint8Array) h.update(`B${v.length}:`).update(v);
  else throw new StoreCopyError(`a value of an unexpected type (${typeof v}) in the store`);
}

async function tableDigest(side: Side, table: string, columns: readonly string[]): Promise<TableCheck> {
  const digests: Buffer[] = [];
  for await (const batch of side.batches(table, columns)) {
    for (const row of batch) {
      const h = crypto.createHash('sha256');
      for (const v of row) encodeValue(h, v);
      digests.push(h.digest());
    }
  }
  digests.sort(Buffer.compare);
  const all = crypto.createHash('sha256');
  for (const d of digests) all.update(d);
  return { table, rows: digests.length, sha256: all.digest('hex') };
}

async function messageDigest(side: Side): Promise<{ count: number; sha256: string }> {
  const all = crypto.createHash('sha256');
  let count = 0;
  for await (const m of side.messages()) {
    const h = crypto.createHash('sha256');
    for (const p of m.pieces) h.update(p);
    all.update(`${m.id}:`).update(h.digest());
    count++;
  }
  return { count, sha256: all.digest('hex') };
}

interface Plan { table: string; columns: string[] }

/** The tables to copy and their common columns; refuses a schema the target lacks. */
function planOf(source: Map<string, string[]>, target: Map<string, string[]>): Plan[] {
  const plans: Plan[] = [];
  for (const [table, columns] of source) {
    if (isEngineOnly(table)) continue;
    const into = target.get(table);
    if (!into) throw new StoreCopyError(`the target has no table ${table}: are both stores at the same version of Postern?`);
    const missing = columns.filter((c) => !into.includes(c));
    if (missing.length > 0) throw new StoreCopyError(`the target's table ${table} has no column ${missing.join(', ')}`);
    plans.push({ table, columns });
  }
  return plans;
}

/** Parents before children (foreign keys), so every insert finds the rows it refers to. */
function insertOrder(plans: Plan[], parents: Map<string, Set<string>>): Plan[] {
  const byName = new Map(plans.map((p) => [p.table, p]));
  const out: Plan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string) => {
    if (state.get(t) === 'done' || state.get(t) === 'visiting') return;
    state.set(t, 'visiting');
    for (const p of parents.get(t) ?? []) if (p !== t && byName.has(p)) visit(p);
    state.set(t, 'done');
    out.push(byName.get(t)!);
  };
  for (const p of [...plans].sort((a, b) => a.table.localeCompare(b.table))) visit(p.table);
  return out;
}

/** Where copied rows go: an open transaction on the target. */
interface Sink {
  parents(): Promise<Map<string, Set<string>>>;
  clear(table: string): Promise<void>;
  insert(table: string, columns: readonly string[], rows: Row[]): Promise<void>;
  /** After the last row: sequences, constraint checks. */
  finish(plans: Plan[]): Promise<void>;
}

function sqliteSink(db: Db): Sink {
  const statements = new Map<string, Database.Statement>();
  return {
    async parents() {
      const out = new Map<string, Set<string>>();
      for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]) {
        out.set(t, new Set(db.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(t) as string[]));
      }
      return out;
    },
    async clear(table) {
      db.prepare(`DELETE FROM "${table}"`).run();
    },
    async insert(table, columns, rows) {
      let s = statements.get(table);
      if (!s) {
        s = db.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        statements.set(table, s);
      }
      for (const row of rows) s.run(...row.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v)));
    },
    async finish() {
      const broken = db.prepare('PRAGMA foreign_key_check').all();
      if (broken.length > 0) throw new StoreCopyError(`the copied rows break ${broken.length} foreign key(s), e.g. ${JSON.stringify(broken[0])}`);
      // The store fills search_fts itself at delivery (migrations/0095), not a trigger: index the
      // copied content rows SEARCH reads through the index (those at or above the copied fts_floor).
      db.prepare(`INSERT INTO search_fts (rowid, header_text, search_text) SELECT id, header_text, search_text FROM contents
        WHERE id >= coalesce((SELECT value FROM counters WHERE name = 'fts_floor'), 0)`).run();
    },
  };
}

function pgSink(tx: Tx): Sink {
  return {
    async parents() {
      const rows = await tx`SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
        FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`;
      const out = new Map<string, Set<string>>();
      for (const r of rows) {
        const child = String(r.child).replace(/"/g, '');
        if (!out.has(child)) out.set(child, new Set());
        out.get(child)!.add(String(r.parent).replace(/"/g, ''));
      }
      return out;
    },
    async clear(table) {
      await tx.unsafe(`DELETE FROM "${table}"`);
    },
    async insert(table, columns, rows) {
      const objects = rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
      await tx`INSERT INTO ${tx(table)} ${tx(objects as never, columns as never)}`;
    },
    async finish(plans) {
      // Identity columns: the next generated id must come after the copied ones.
      const identities = await tx`SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND is_identity = 'YES'`;
      const copied = new Set(plans.map((p) => p.table));
      for (const r of identities) {
        const table = r.table_name as string;
        const column = r.column_name as string;
        if (!copied.has(table)) continue;
        await tx.unsafe(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max("${column}") FROM "${table}"), 0) + 1, false)`, [`"${table}"`, column]);
      }
    },
  };
}

function rowBytes(row: Row): number {
  let n = 0;
  for (const v of row) n += typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.length : 8;
  return n;
}

async function copyRows(source: Side, sink: Sink, plans: Plan[], total: number, onProgress: (done: number, total: number) => void): Promise<number> {
  let done = 0;
  for (const { table, columns } of plans) {
    if (SEEDED.has(table)) await sink.clear(table);
    const maxRows = Math.max(1, Math.floor(BATCH_PARAMS / columns.length));
    let pending: Row[] = [];
    let bytes = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      await sink.insert(table, columns, pending);
      done += pending.length;
      pending = [];
      bytes = 0;
      onProgress(done, total);
    };
    for await (const batch of source.batches(table, columns)) {
      for (const row of batch) {
        pending.push(row);
        bytes += rowBytes(row);
        if (pending.length >= maxRows || bytes >= BATCH_BYTES) await flush();
      }
    }
    await flush();
  }
  return done;
}

/** Reads `endpoint` in one read-only snapshot. */
async function readingFrom<T>(endpoint: CopyEndpoint, work: (side: Side) => Promise<T>): Promise<T> {
  if (endpoint.engine === 'sqlite') {
    const file = path.join(endpoint.dataDir, DATABASE_FILE);
    if (!fs.existsSync(file)) throw new StoreCopyError(`no SQLite store at ${file}`);
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.exec('BEGIN');
      // The first read starts the snapshot every later read of this transaction sees.
      db.prepare('SELECT count(*) FROM counters').get();
      return await work(sqliteSide(db));
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  }
  const sql = connectPostgres({ ...endpoint.settings, maxConnections: 1 });
  try {
    return await sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => work(pgSide(tx as unknown as Tx))) as T;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates the target's schema (a fresh store, migrated) and refuses one that holds anything. */
async function prepareTarget(endpoint: CopyEndpoint): Promise<void> {
  const clock = { now: () => Date.now() };
  if (endpoint.engine === 'sqlite') {
    await openStore(endpoint.dataDir, { clock, migrate: true }).close();
  } else {
    await (await PgStore.open(endpoint.settings, { clock, migrate: true })).close();
  }
  await readingFrom(endpoint, async (side) => {
    for (const table of (await side.tables()).keys()) {
      if (isEngineOnly(table) || SEEDED.has(table)) continue;
      const n = await side.count(table);
      if (n > 0) throw new StoreCopyError(`the target is not empty (${table} has ${n} row(s)); copy into a new, empty database`);
    }
  });
}

/** Writes into `endpoint` in one transaction. */
async function writingTo(endpoint: CopyEndpoint, work: (sink: Sink, tables: Map<string, string[]>) => Promise<void>): Promise<void> {
  if (endpoint.engine === 'sqlite') {
    const db = openDatabase(endpoint.dataDir);
    try {
      // Checked once at the end (foreign_key_check), not per row: rows come table by table.
      db.pragma('foreign_keys = OFF');
      const tables = await sqliteSide(db).tables();
      db.exec('BEGIN IMMEDIATE');
      try {
        await work(sqliteSink(db), tables);
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      db.close();
    }
    return;
  }
  const sql: Sql = connectPostgres({ ...endpoint.settings, maxConnections: 1 });
  try {
    await sql.begin(async (tx) => {
      const t = tx as unknown as Tx;
      await work(pgSink(t), await pgSide(t).tables());
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Row counts and digests of every copied table, and the message digest, read from `endpoint`. */
export async function storeChecks(endpoint: CopyEndpoint, plans?: Plan[]): Promise<{ tables: TableCheck[]; messages: { count: number; sha256: string } }> {
  return readingFrom(endpoint, async (side) => {
    const list = plans ?? [...(await side.tables())].filter(([t]) => !isEngineOnly(t)).map(([table, columns]) => ({ table, columns }));
    const tables: TableCheck[] = [];
    for (const p of list) tables.push(await tableDigest(side, p.table, p.columns));
    return { tables, messages: await messageDigest(side) };
  });
}

export async function copyStore(from: CopyEndpoint, to: CopyEndpoint, options: CopyOptions = {}): Promise<CopyReport> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const onProgress = options.onProgress ?? (() => {});
  if (from.engine === 'sqlite' && to.engine === 'sqlite' && path.resolve(from.dataDir) === path.resolve(to.dataDir)) {
    throw new StoreCopyError('the source and the target are the same store');
  }
  await prepareTarget(to);
  let plans: Plan[] = [];
  let rows = 0;
  await readingFrom(from, async (source) => {
    const sourceTables = await source.tables();
    let total = 0;
    const counts = new Map<string, number>();
    for (const table of sourceTables.keys()) {
      if (isEngineOnly(table)) continue;
      const n = await source.count(table);
      counts.set(table, n);
      total += n;
    }
    onProgress(0, total);
    await writingTo(to, async (sink, targetTables) => {
      plans = insertOrder(planOf(sourceTables, targetTables), await sink.parents());
      rows = await copyRows(source, sink, plans, total, onProgress);
      await sink.finish(plans);
    });
  });
  // Verification: both sides read afresh, the source in a new snapshot.
  const verifying = clock();
  const [a, b] = [await storeChecks(from, plans), await storeChecks(to, plans)];
  for (let i = 0; i < a.tables.length; i++) {
    const s = a.tables[i]!;
    const t = b.tables[i]!;
    if (s.rows !== t.rows) throw new StoreCopyError(`verification failed: ${s.table} has ${s.rows} row(s) in the source and ${t.rows} in the copy`);
    if (s.sha256 !== t.sha256) throw new StoreCopyError(`verification failed: the rows of ${s.table} differ between the source and the copy`);
  }
  if (a.messages.count !== b.messages.count || a.messages.sha256 !== b.messages.sha256) {
    throw new StoreCopyError(`verification failed: the messages differ (${a.messages.count} in the source, ${b.messages.count} in the copy)`);
  }
  const end = clock();
  return { from: from.engine, to: to.engine, tables: a.tables, messages: a.messages, rows, ms: end - started, verifyMs: end - verifying };
}
