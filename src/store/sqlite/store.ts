// The SQLite engine of the store (src/store/api.ts is the interface; src/store/postgres/ the other
// engine): one database file in the data directory. Its methods are async although better-sqlite3
// is synchronous, so protocol code cannot tell the engines apart. Writes on the hot path (delivery)
// go through the group commit; changes are published on the bus after commit. The full-text index
// follows deliveries in batches (indexSoon, migrations/0102); SEARCH covers what it has not reached.
import type { Clock } from '../../clock.ts';
import { openDatabase, type Db } from './open.ts';
import { applyMigrations, pendingMigrations } from './migrate.ts';
import { readMigrations, type Migration } from '../migrations.ts';
import { LocalChangeBus, type ChangeBus } from '../change-bus.ts';
import { GroupCommit, type WriteContext } from './group-commit.ts';
import fs from 'node:fs';
import { Checkpointer } from './checkpointer.ts';
import { FTS_INDEX_BATCH, FTS_INDEX_DELAY_MS, IMAP_SEARCH_MAX_MS, STORE_WAL_TRUNCATE_BYTES } from '../../limits.ts';
import { DomainStore } from './domains.ts';
import { AccountStore } from './accounts.ts';
import { AliasStore } from './aliases.ts';
import { MailboxStore } from './mailboxes.ts';
import { ContentReader, indexPending } from './contents.ts';
import { Pop3Store } from './maildrop.ts';
import { storeMessage } from './delivery.ts';
import type { StoreInput, StoredCopy } from '../delivery.ts';
import { QueueStore } from './queue.ts';
import { ReindexStore } from './reindex.ts';
import { SpamStore } from './spam.ts';
import { SieveStore } from './sieve.ts';
import { ReportStore } from './reports.ts';
import { UrlAuthKeyStore } from './urlauth-keys.ts';
import { TlsResultStore } from './tls-results.ts';
import { DmarcResultStore } from './dmarc-results.ts';
import { ImapMailboxStore } from './mailbox-views.ts';
import { ImapMessageStore } from './messages.ts';
import { ImapSearchStore } from './search.ts';
import { exportPage } from './export.ts';
import type { ExportRow } from '../export.ts';
import { ensureMailbox } from './import-folders.ts';
import { SqliteShared } from './shared.ts';
import type { Store } from '../api.ts';
import { PendingMigrationsError } from '../migrations.ts';

export type { Store } from '../api.ts';

export interface StoreOptions {
  clock: Clock;
  bus?: ChangeBus;
  /** Apply pending migrations on open (serve does); otherwise refuse a database that has pending ones. */
  migrate: boolean;
  /** Where migrations are read from (tests point it at a copy with extra ones); migrations/ by default. */
  migrationsDir?: string;
  /** Run WAL checkpoints on a worker thread every this many ms (serve does); 0: inside commits. */
  checkpointIntervalMs?: number;
  /** fsync each group commit's WAL writes on the thread pool instead of inside COMMIT (serve does; see group-commit.ts). */
  syncOffLoop?: boolean;
  /** With a checkpoint thread: the WAL size past which it truncates the WAL (STORE_WAL_TRUNCATE_BYTES). */
  walTruncateBytes?: number;
  /** How long one SEARCH may run before it ends with SearchTimeLimitError (IMAP_SEARCH_MAX_MS; tests lower it). */
  searchMaxMs?: number;
  /** How long after a delivery the full-text indexer runs (FTS_INDEX_DELAY_MS; tests raise it). */
  ftsIndexDelayMs?: number;
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: Db;
  readonly bus: ChangeBus;
  readonly clock: Clock;
  readonly domains: DomainStore;
  readonly accounts: AccountStore;
  readonly aliases: AliasStore;
  readonly mailboxes: MailboxStore;
  readonly contents: ContentReader;
  readonly pop3: Pop3Store;
  readonly queue: QueueStore;
  readonly reindex: ReindexStore;
  readonly spam: SpamStore;
  readonly sieve: SieveStore;
  readonly reports: ReportStore;
  readonly tlsResults: TlsResultStore;
  readonly dmarcResults: DmarcResultStore;
  readonly imapMailboxes: ImapMailboxStore;
  readonly imapMessages: ImapMessageStore;
  readonly imapSearch: ImapSearchStore;
  readonly shared: SqliteShared;
  readonly urlAuthKeys: UrlAuthKeyStore;
  readonly applied: Migration[];
  private readonly commits: GroupCommit;
  private readonly checkpointer: Checkpointer | null;
  private indexTimer: NodeJS.Timeout | null = null;
  private indexing = false;
  private indexAgain = false;
  private readonly indexDelayMs: number;

  constructor(dataDir: string, options: StoreOptions) {
    this.db = openDatabase(dataDir);
    this.clock = options.clock;
    this.bus = options.bus ?? new LocalChangeBus();
    const migrations = readMigrations(options.migrationsDir);
    if (options.migrate) {
      try {
        this.applied = applyMigrations(this.db, this.clock.now(), migrations);
      } catch (err) {
        this.db.close();
        throw err;
      }
    } else {
      const pending = pendingMigrations(this.db, migrations);
      if (pending.length > 0) {
        this.db.close();
        throw new PendingMigrationsError(`the database needs ${pending.length} migration(s) (${pending.map((m) => m.name).join(', ')}); run "postern migrate"`);
      }
      this.applied = [];
    }
    this.commits = new GroupCommit(this.db, this.bus, { syncOffLoop: options.syncOffLoop ?? false });
    this.indexDelayMs = options.ftsIndexDelayMs ?? FTS_INDEX_DELAY_MS;
    this.checkpointer = options.checkpointIntervalMs
      ? new Checkpointer(this.db, this.db.name, options.checkpointIntervalMs, this.commits, options.walTruncateBytes ?? STORE_WAL_TRUNCATE_BYTES)
      : null;
    this.domains = new DomainStore(this.db, this.clock);
    this.accounts = new AccountStore(this.db, this.clock);
    this.aliases = new AliasStore(this.db, this.clock);
    this.mailboxes = new MailboxStore(this.db);
    this.contents = new ContentReader(this.db);
    this.pop3 = new Pop3Store(this.db, (work) => this.commits.run(work), this.contents);
    this.reindex = new ReindexStore(this.db);
    this.sieve = new SieveStore(this.db, this.clock);
    this.queue = new QueueStore(this.db, (work) => this.commits.run(work), () => this.indexSoon());
    this.spam = new SpamStore(this);
    this.reports = new ReportStore(this.db, (work) => this.commits.run(work));
    this.tlsResults = new TlsResultStore(this.db, (work) => this.commits.run(work));
    this.dmarcResults = new DmarcResultStore(this.db, (work) => this.commits.run(work));
    this.imapMailboxes = new ImapMailboxStore(this);
    this.imapMessages = new ImapMessageStore(this);
    this.imapSearch = new ImapSearchStore(this, options.searchMaxMs ?? IMAP_SEARCH_MAX_MS);
    this.shared = new SqliteShared(this.db, this.clock, (work) => this.commits.runLight(work));
    this.urlAuthKeys = new UrlAuthKeyStore(this.db, this.clock, (work) => this.commits.run(work));
    // Rows a process that stopped left unindexed (a CLI import, a crash) are indexed now.
    this.indexSoon();
  }

  /** Schedules the full-text indexer (migrations/0102); once more after a batch that is running,
   *  since that batch may have read the list before this delivery's row was in it. */
  private indexSoon(): void {
    if (this.indexing) {
      this.indexAgain = true;
      return;
    }
    if (this.indexTimer) return;
    this.indexTimer = setTimeout(() => this.indexNow(), this.indexDelayMs);
    this.indexTimer.unref();
  }

  /** One batch as a light write (losing it in a power cut leaves the rows listed, to index again);
   *  then again while rows remain. A failure is left to the next delivery's attempt. */
  private indexNow(): void {
    this.indexTimer = null;
    if (!this.db.open) return;
    this.indexing = true;
    this.indexAgain = false;
    const finished = (more: boolean) => {
      this.indexing = false;
      if (more || this.indexAgain) this.indexSoon();
    };
    this.commits.runLight(() => indexPending(this.db, FTS_INDEX_BATCH)).then((moved) => finished(moved === FTS_INDEX_BATCH), () => finished(false));
  }

  /** Stores one message for all its targets in one (group-committed) transaction; resolves after COMMIT. */
  storeMessage(input: StoreInput): Promise<StoredCopy[]> {
    // Repeatable: storeMessage only writes rows and returns them (group-commit.ts).
    return this.commits.run((tx) => storeMessage(this.db, tx, input, this.clock.now()), { repeatable: true }).then((copies) => this.arrived([input], copies));
  }

  /** Stores several messages in one transaction: all of them or, if any fails, none (MULTIAPPEND). */
  storeMessages(inputs: readonly StoreInput[]): Promise<StoredCopy[][]> {
    return this.commits.run((tx) => { const now = this.clock.now(); return inputs.map((input) => storeMessage(this.db, tx, input, now)); }).then((copies) => this.arrived(inputs, copies));
  }

  /** Indexes every row waiting for the full-text index now, a batch per transaction (tests use it
   *  to know the index holds everything). */
  async indexTextNow(): Promise<void> {
    while ((await this.commits.runLight(() => indexPending(this.db, FTS_INDEX_BATCH))) === FTS_INDEX_BATCH);
  }

  /** After the commit: the new text waits for the indexer, and the trainer hears of the training
   *  on arrival delivery recorded. */
  private arrived<T>(inputs: readonly StoreInput[], result: T): T {
    this.indexSoon();
    if (inputs.some((i) => i.spam?.some((r) => r.learnAs !== null))) this.spam.notifyFiled(true);
    return result;
  }

  /** Runs a write on the group commit; for store modules that need the shared transaction. */
  write<T>(work: (tx: WriteContext) => T): Promise<T> {
    return this.commits.run(work);
  }

  /** A write whose loss in a power cut is harmless: it resolves once committed, without waiting
   *  for the WAL's fsync (GroupCommit.runLight). */
  writeLight<T>(work: (tx: WriteContext) => T): Promise<T> {
    return this.commits.runLight(work);
  }

  async exportPage(mailboxId: number, afterUid: number, limit: number): Promise<ExportRow[]> {
    return exportPage(this.db, mailboxId, afterUid, limit);
  }

  ensureMailbox(accountId: number, name: string): Promise<void> {
    return ensureMailbox(this, accountId, name);
  }

  isOpen(): boolean {
    return this.db.open;
  }

  /** The WAL file's size (bounded by the checkpoint thread's truncations) and those truncations since open. */
  storageMetrics(): { walBytes: number; walTruncations: number } {
    let walBytes = 0;
    try {
      walBytes = fs.statSync(`${this.db.name}-wal`).size;
    } catch {
      // No WAL file yet: nothing written since the last truncation.
    }
    return { walBytes, walTruncations: this.checkpointer?.truncations ?? 0 };
  }

  /** True when a write transaction can commit (for /healthz). */
  async writable(): Promise<boolean> {
    try {
      this.db.prepare("UPDATE counters SET value = value WHERE name = 'uid_validity'").run();
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the database; resolves once the checkpoint thread, if any, has closed its connection too. */
  close(): Promise<void> {
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = null;
    const stopped = this.checkpointer?.stop() ?? Promise.resolve();
    this.commits.close();
    this.shared.close();
    if (this.db.open) this.db.close();
    return stopped;
  }
}

export function openStore(dataDir: string, options: StoreOptions): SqliteStore {
  return new SqliteStore(dataDir, options);
}
