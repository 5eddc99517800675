// What every IMAP session of one server shares: the command table it runs (injected by the wiring,
// src/imap/server.ts), the store and its IMAP views, the login throttle,
// per-user session places (in the store, so the limit holds across nodes), logging and the operator's settings. Built once per
// listener pair by src/imap/server.ts; tests build their own over a temp data directory.
import type { Store } from '../../store/api.ts';
import type { LoginThrottle } from '../../login/throttle.ts';
import type { Logger } from '../../log.ts';
import type tls from 'node:tls';
import type { ImapMailboxes, ImapMessages, ImapSearch, Lease } from '../../store/api.ts';
import type { ServerMetrics } from '../../metrics/catalogue.ts';
import { IMAP_IDLE_KEEPALIVE_SECONDS, IMAP_LITERAL_GRACE_SECONDS, IMAP_MAX_APPEND_LITERAL, IMAP_MAX_SESSIONS_PER_USER, IMAP_PREAUTH_DEADLINE_SECONDS } from '../../limits.ts';
import { IdleKeepAlive } from './idle-keepalive.ts';
import type { CommandTable } from './command-table.ts';

export interface ImapSettings {
  hostname: string;
  /** LOGIN/AUTHENTICATE without TLS from 127.0.0.1/::1 ([imap] allow_plaintext_loopback). */
  allowPlaintextLoopback: boolean;
  maxMessageSize: number;
  maxSessionsPerUser: number;
  /** Absolute time from connect to login (tests shorten it). */
  preauthDeadlineSeconds: number;
  /** Grace period before a literal must arrive at the minimum rate (tests shorten it). */
  literalGraceSeconds: number;
  /** Seconds between IDLE keep-alives ([imap] idle_keepalive_s). */
  idleKeepAliveSeconds: number;
}

/** The lease of a session the store could not count. */
const UNCOUNTED: Lease = { release: async () => {} };

export class ImapServices {
  /** The commands sessions answer (src/imap/commands/registry.ts in production). */
  readonly commands: CommandTable;
  readonly store: Store;
  readonly mailboxes: ImapMailboxes;
  readonly messages: ImapMessages;
  readonly search: ImapSearch;
  readonly throttle: LoginThrottle;
  /** The one timer that sends keep-alives to every idling session. */
  readonly idleKeepAlive: IdleKeepAlive;
  readonly log: Logger;
  readonly settings: ImapSettings;
  /** TLS context for STARTTLS; null when the listener has no certificate. */
  readonly secureContext: (() => tls.SecureContext) | null;
  /** Where connections and failed logins are counted; null in tests that build services alone. */
  readonly metrics: ServerMetrics | null;
  private readonly freshCache = new Map<string, Promise<number[]>>();
  /** The \Recent claim in flight per mailbox (see claimRecent). */
  private readonly recentClaims = new Map<number, { upTo: number; done: Promise<number> }>();

  constructor(commands: CommandTable, store: Store, throttle: LoginThrottle, log: Logger, settings: Partial<ImapSettings> & { hostname: string }, secureContext: (() => tls.SecureContext) | null, metrics: ServerMetrics | null = null) {
    this.commands = commands;
    this.store = store;
    this.mailboxes = store.imapMailboxes;
    this.messages = store.imapMessages;
    this.search = store.imapSearch;
    this.throttle = throttle;
    this.log = log;
    this.settings = {
      allowPlaintextLoopback: false,
      maxMessageSize: IMAP_MAX_APPEND_LITERAL,
      maxSessionsPerUser: IMAP_MAX_SESSIONS_PER_USER,
      preauthDeadlineSeconds: IMAP_PREAUTH_DEADLINE_SECONDS,
      literalGraceSeconds: IMAP_LITERAL_GRACE_SECONDS,
      idleKeepAliveSeconds: IMAP_IDLE_KEEPALIVE_SECONDS,
      ...settings,
    };
    this.idleKeepAlive = new IdleKeepAlive(this.settings.idleKeepAliveSeconds * 1000);
    this.secureContext = secureContext;
    this.metrics = metrics;
  }

  /** UIDs above `after` in a mailbox, shared by every session that asks in the same turn of the
   *  event loop: one delivery wakes all idlers of a mailbox, and they all ask the same question. */
  freshUids(mailboxId: number, after: number): Promise<number[]> {
    const key = `${mailboxId}:${after}`;
    let hit = this.freshCache.get(key);
    if (!hit) {
      if (this.freshCache.size === 0) setImmediate(() => this.freshCache.clear());
      hit = this.messages.uidsAfter(mailboxId, after);
      this.freshCache.set(key, hit);
    }
    return hit;
  }

  /** The store's claimRecent, shared by the sessions that ask while a claim of the same mailbox is in
   *  flight: one delivery wakes every idler of a mailbox and each asks to claim the new UIDs. The
   *  first claim wins them (RFC 3501 §2.3.2: \Recent in exactly one session); a session asking for
   *  no more than it claims waits for it and gets none (its floor is upTo) instead of queueing a
   *  write of its own, which at 10,000 idlers meant 40 group commits, each waiting for an fsync. A
   *  claim that failed wins nothing, so then the session claims for itself. */
  async claimRecent(mailboxId: number, upTo: number): Promise<number> {
    const inFlight = this.recentClaims.get(mailboxId);
    if (inFlight && inFlight.upTo >= upTo && (await inFlight.done.then(() => true, () => false))) return upTo;
    const claim = { upTo, done: this.mailboxes.claimRecent(mailboxId, upTo) };
    this.recentClaims.set(mailboxId, claim);
    try {
      return await claim.done;
    } finally {
      if (this.recentClaims.get(mailboxId) === claim) this.recentClaims.delete(mailboxId);
    }
  }

  /** Takes one of the account's session places, counted across every node of the store (a lease
   *  in store.shared); null when the account is at its limit. */
  claimSession(accountId: number): Promise<Lease | null> {
    // The limit protects the server; it is no reason to refuse reading mail when the store cannot
    // write (a full disk): then the session goes uncounted.
    return this.store.shared.acquire(`imap-sessions:${accountId}`, this.settings.maxSessionsPerUser).catch((err: unknown) => {
      this.log.warn({ err, accountId }, 'imap session place not recorded; session admitted uncounted');
      return UNCOUNTED;
    });
  }
}
