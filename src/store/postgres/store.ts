// The PostgreSQL engine of the store (src/store/api.ts is the interface): one database shared by
// any number of identical Postern nodes. Each area lives in its own file here; they share one
// PgContext (pool, clock, bus, the write transaction). What must stay true: no state that another
// node needs lives only in this process; every write is durable before it resolves.
import type { Clock } from '../../clock.ts';
import type { Store } from '../api.ts';
import type { ExportRow } from '../export.ts';
import type { StoreInput, StoredCopy } from '../delivery.ts';
import type { ChangeBus } from '../change-bus.ts';
import { PgChangeBus } from './change-bus.ts';
import { PendingMigrationsError } from '../migrations.ts';
import { connectPostgres, type PostgresSettings, type Sql } from './connect.ts';
import { applyPgMigrations, pendingPgMigrations, readPgMigrations } from './migrate.ts';
import { PgContext } from './context.ts';
import { PgDomains } from './domains.ts';
import { PgAccounts } from './accounts.ts';
import { PgAliases } from './aliases.ts';
import { PgMailboxes } from './mailboxes.ts';
import { PgContents } from './contents.ts';
import { PgPop3 } from './maildrop.ts';
import { PgQueue } from './queue.ts';
import { PgReindex } from './reindex.ts';
import { PgSpam } from './spam.ts';
import { PgSieve } from './sieve.ts';
import { PgReports } from './reports.ts';
import { PgTlsResults } from './tls-results.ts';
import { PgDmarcResults } from './dmarc-results.ts';
import { PgUrlAuthKeys } from './urlauth-keys.ts';
import { PgImapMailboxes } from './mailbox-views.ts';
import { PgImapMessages } from './messages.ts';
import { PgImapSearch } from './search.ts';
import { PgShared } from './shared.ts';
import { storeMessage } from './delivery.ts';
import { createMailboxRow, subscribeName } from './message-rows.ts';
import { decodeFlags } from '../flags.ts';
import { IMAP_SEARCH_MAX_MS } from '../../limits.ts';

export interface PgStoreOptions {
  clock: Clock;
  /** The change bus; by default a PgChangeBus on this database, shared with every other node. */
  bus?: ChangeBus;
  /** Apply pending migrations on open (serve does); otherwise refuse a database that has pending ones. */
  migrate: boolean;
  /** Where migrations are read from; migrations/postgres/ by default. */
  migrationsDir?: string;
  /** How long one SEARCH may run before it ends with SearchTimeLimitError (IMAP_SEARCH_MAX_MS; tests lower it). */
  searchMaxMs?: number;
}

export class PgStore implements Store {
  readonly engine = 'postgres' as const;
  readonly sql: Sql;
  /** The database this store is connected to (another node connects to the same). */
  readonly url: string;
  readonly bus: ChangeBus;
  readonly clock: Clock;
  readonly ctx: PgContext;
  readonly domains: PgDomains;
  readonly accounts: PgAccounts;
  readonly aliases: PgAliases;
  readonly mailboxes: PgMailboxes;
  readonly contents: PgContents;
  readonly pop3: PgPop3;
  readonly queue: PgQueue;
  readonly reindex: PgReindex;
  readonly spam: PgSpam;
  readonly sieve: PgSieve;
  readonly reports: PgReports;
  readonly tlsResults: PgTlsResults;
  readonly dmarcResults: PgDmarcResults;
  readonly imapMailboxes: PgImapMailboxes;
  readonly imapMessages: PgImapMessages;
  readonly imapSearch: PgImapSearch;
  readonly shared: PgShared;
  readonly urlAuthKeys: PgUrlAuthKeys;
  readonly applied: readonly { version: number; name: string }[];
  private open = true;

  /** The bus this store started (and closes), when none was given. */
  private readonly ownBus: PgChangeBus | null;

  private constructor(url: string, sql: Sql, options: PgStoreOptions, bus: ChangeBus, ownBus: PgChangeBus | null, applied: readonly { version: number; name: string }[]) {
    this.url = url;
    this.sql = sql;
    this.clock = options.clock;
    this.bus = bus;
    this.ownBus = ownBus;
    this.applied = applied;
    this.ctx = new PgContext(sql, this.clock, this.bus);
    this.domains = new PgDomains(this.ctx);
    this.accounts = new PgAccounts(this.ctx);
    this.aliases = new PgAliases(this.ctx);
    this.mailboxes = new PgMailboxes(this.ctx);
    this.contents = new PgContents(this.ctx);
    this.pop3 = new PgPop3(this.ctx);
    this.queue = new PgQueue(this.ctx);
    this.reindex = new PgReindex(this.ctx);
    this.spam = new PgSpam(this.ctx);
    this.sieve = new PgSieve(this.ctx);
    this.reports = new PgReports(this.ctx);
    this.tlsResults = new PgTlsResults(this.ctx);
    this.dmarcResults = new PgDmarcResults(this.ctx);
    this.imapMailboxes = new PgImapMailboxes(this.ctx);
    this.imapMessages = new PgImapMessages(this.ctx, () => this.spam.notifyFiled());
    this.imapSearch = new PgImapSearch(this.ctx, options.searchMaxMs ?? IMAP_SEARCH_MAX_MS);
    this.shared = new PgShared(this.ctx);
    this.urlAuthKeys = new PgUrlAuthKeys(this.ctx);
  }

  /** Connects, then migrates or checks the schema as `options.migrate` says. */
  static async open(settings: PostgresSettings, options: PgStoreOptions): Promise<PgStore> {
    const sql = connectPostgres(settings);
    try {
      const migrations = readPgMigrations(options.migrationsDir);
      let applied: readonly { version: number; name: string }[] = [];
      if (options.migrate) {
        applied = await applyPgMigrations(sql, options.clock.now(), migrations);
      } else {
        const pending = await pendingPgMigrations(sql, migrations);
        if (pending.length > 0) throw new PendingMigrationsError(`the database needs ${pending.length} migration(s) (${pending.map((m) => m.name).join(', ')}); run "postern migrate"`);
      }
      // Without a bus from the caller, changes reach the other nodes by LISTEN/NOTIFY.
      const ownBus = options.bus ? null : await PgChangeBus.start(sql);
      return new PgStore(settings.url, sql, options, options.bus ?? ownBus!, ownBus, applied);
    } catch (err) {
      await sql.end({ timeout: 5 });
      throw err;
    }
  }

  /** Stores one message for all its targets in one transaction; resolves after COMMIT. */
  storeMessage(input: StoreInput): Promise<StoredCopy[]> {
    return this.ctx.write((tx, publish) => storeMessage(tx, publish, input, this.ctx.clock.now())).then((copies) => this.trainArrivals([input], copies));
  }

  /** Stores several messages in one transaction: all of them or, if any fails, none (MULTIAPPEND). */
  storeMessages(inputs: readonly StoreInput[]): Promise<StoredCopy[][]> {
    return this.ctx.write(async (tx, publish) => {
      const out: StoredCopy[][] = [];
      const now = this.ctx.clock.now();
      for (const input of inputs) out.push(await storeMessage(tx, publish, input, now));
      return out;
    }).then((copies) => this.trainArrivals(inputs, copies));
  }

  /** After the commit: the trainer hears of the training on arrival delivery recorded. */
  private trainArrivals<T>(inputs: readonly StoreInput[], result: T): T {
    if (inputs.some((i) => i.spam?.some((r) => r.learnAs !== null))) this.spam.notifyFiled(true);
    return result;
  }

  /** The next `limit` messages of a mailbox after `afterUid` (export); flags as IMAP shows them. */
  async exportPage(mailboxId: number, afterUid: number, limit: number): Promise<ExportRow[]> {
    const rows = await this.sql<{ uid: number; contentId: number; flags: number; keywords: string; internalDate: number }[]>`
      SELECT uid, content_id AS "contentId", flags, keywords, internal_date AS "internalDate"
      FROM messages WHERE mailbox_id = ${mailboxId} AND uid > ${afterUid} ORDER BY uid LIMIT ${limit}`;
    return rows.map((r) => ({ uid: r.uid, contentId: r.contentId, flags: decodeFlags(r.flags, r.keywords), internalDate: r.internalDate }));
  }

  /** Creates `name` (and its '/'-separated parents) for the account unless it exists (import); an
   *  existing mailbox is reused, never recreated, so its UIDVALIDITY stays. */
  ensureMailbox(accountId: number, name: string): Promise<void> {
    return this.ctx.write(async (tx) => {
      const parts = name.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const path = parts.slice(0, i).join('/');
        const [exists] = await tx`SELECT 1 FROM mailboxes WHERE account_id = ${accountId} AND name = ${path}`;
        if (exists) continue;
        await createMailboxRow(tx, accountId, path, null, this.clock.now());
        // Imported folders are shown by clients that list only subscribed ones (Thunderbird).
        await subscribeName(tx, accountId, path);
      }
    });
  }

  isOpen(): boolean {
    return this.open;
  }

  async writable(): Promise<boolean> {
    try {
      await this.sql`UPDATE counters SET value = value WHERE name = 'uid_validity'`;
      return true;
    } catch {
      return false;
    }
  }

  storageMetrics(): { walBytes: number; walTruncations: number } {
    // The WAL is PostgreSQL's to manage; Postern has none of its own on this engine.
    return { walBytes: 0, walTruncations: 0 };
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.shared.leases.close();
    await this.ownBus?.close();
    await this.sql.end({ timeout: 5 });
  }
}
