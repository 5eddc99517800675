// The change bus across nodes on one PostgreSQL database. publish() (called by ctx.write after
// COMMIT) hands the change to this node's listeners at once, then sends it to the other nodes as a
// small NOTIFY, outside the writing transaction: a NOTIFY inside a transaction takes a database-wide
// lock at commit, which would serialize every delivery. One dedicated LISTEN connection receives the
// other nodes' changes and hands them to local listeners; this node's own come back and are ignored.
// What must stay true:
// - a notification is only a hint (account, mailbox, kind, MODSEQ, and the UIDs when they fit
//   CHANGE_BUS_UID_BYTES): a change without UIDs is marked uidsOmitted and sessions read it from
//   the store, so payloads stay far below PostgreSQL's 8000 bytes whatever a command touched;
// - changes are sent in the order this node committed them, several per NOTIFY when they queue up;
// - when the LISTEN connection is lost and comes back, notifications sent meanwhile are gone, so
//   every listening account's mailboxes get a uidsOmitted change: sessions catch up from the store;
// - the connection's own reconnect gives up when the database is away at that moment, so every
//   CHANGE_BUS_HEARTBEAT_MS the node pings itself on the channel, and when the previous ping never
//   came back it listens again (then resyncs as above);
// - a NOTIFY that fails (the database unreachable after the commit) is not lost: its mailboxes are
//   kept, one entry each (CHANGE_BUS_UNSENT_MAILBOXES at most), and sent again as changes without
//   UIDs with the next changes or the next heartbeat, so other nodes' sessions catch up late
//   rather than never.
import { randomUUID } from 'node:crypto';
import { LocalChangeBus, type ChangeBus, type ChangeListener, type MailboxChange } from '../change-bus.ts';
import { CHANGE_BUS_DECODED_UIDS, CHANGE_BUS_HEARTBEAT_MS, CHANGE_BUS_PAYLOAD_BYTES, CHANGE_BUS_UID_BYTES, CHANGE_BUS_UNSENT_MAILBOXES } from '../../limits.ts';
import type { Sql } from './connect.ts';

/** The NOTIFY channel every node of one database listens on. */
export const CHANGE_CHANNEL = 'postern_changes';

const KIND_CODE: Record<MailboxChange['kind'], string> = { append: 'a', flags: 'f', expunge: 'e', mailboxes: 'm' };
const CODE_KIND = new Map(Object.entries(KIND_CODE).map(([k, c]) => [c, k as MailboxChange['kind']]));

/** 'a:b,c' ranges of ascending UIDs. */
function formatUids(uids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; i++) {
    const start = uids[i]!;
    let end = start;
    while (i + 1 < uids.length && uids[i + 1] === end + 1) end = uids[++i]!;
    parts.push(start === end ? String(start) : `${start}:${end}`);
  }
  return parts.join(',');
}

/** One change as a payload line: "account mailbox kind modseq uids", uids '-' when left out, '~' when none. */
export function encodeChange(c: MailboxChange): string {
  const ranges = c.uidsOmitted ? '-' : c.uids.length === 0 ? '~' : formatUids(c.uids);
  const uids = ranges.length > CHANGE_BUS_UID_BYTES ? '-' : ranges;
  return `${c.accountId} ${c.mailboxId} ${KIND_CODE[c.kind]} ${c.modseq} ${uids}`;
}

const ID = /^[0-9]{1,15}$/;
const RANGES = /^[0-9]{1,15}(?::[0-9]{1,15})?(?:,[0-9]{1,15}(?::[0-9]{1,15})?)*$/;

/** Parses a payload line; null for anything malformed (a notification is a hint, never trusted to be whole). */
export function decodeChange(line: string): MailboxChange | null {
  const f = line.split(' ');
  if (f.length !== 5 || !ID.test(f[0]!) || !ID.test(f[1]!) || !ID.test(f[3]!)) return null;
  const kind = CODE_KIND.get(f[2]!);
  if (!kind) return null;
  const change: MailboxChange = { accountId: Number(f[0]), mailboxId: Number(f[1]), kind, uids: [], modseq: Number(f[3]) };
  if (f[4] === '-') return { ...change, uidsOmitted: true };
  if (f[4] === '~') return change;
  if (!RANGES.test(f[4]!) || f[4]!.length > CHANGE_BUS_UID_BYTES) return null;
  const uids: number[] = [];
  for (const part of f[4]!.split(',')) {
    const [a, b] = part.split(':').map(Number) as [number, number | undefined];
    const end = b ?? a;
    if (end < a || (uids.length > 0 && a <= uids[uids.length - 1]!)) return null;
    // Ranges are bounded by the text's length only: "1:999999999999" must not allocate.
    if (uids.length + (end - a) >= CHANGE_BUS_DECODED_UIDS) return { ...change, uidsOmitted: true };
    for (let u = a; u <= end; u++) uids.push(u);
  }
  return { ...change, uids };
}

/** Groups payload lines after the node id into payloads of at most CHANGE_BUS_PAYLOAD_BYTES. */
export function payloads(node: string, lines: readonly string[]): string[] {
  const out: string[] = [];
  let current = node;
  for (const line of lines) {
    if (current.length + 1 + line.length > CHANGE_BUS_PAYLOAD_BYTES && current !== node) {
      out.push(current);
      current = node;
    }
    current += '\n' + line;
  }
  if (current !== node) out.push(current);
  return out;
}

export class PgChangeBus implements ChangeBus {
  /** This process's id on the channel: its own notifications are recognised and skipped. */
  readonly node = randomUUID();
  private readonly sql: Sql;
  private readonly local = new LocalChangeBus();
  private queued: MailboxChange[] = [];
  private sending: Promise<void> = Promise.resolve();
  private scheduled = false;
  private unlisten: (() => Promise<void>) | null = null;
  private listens = 0;
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private pinged = 0;
  private pongs = 0;
  private relistening = false;
  /** Notifications that could not be sent (the database was unreachable); for tests and metrics. */
  failedSends = 0;
  /** Mailboxes of failed notifications, by "account mailbox", to send again without UIDs. */
  private unsent = new Map<string, MailboxChange>();

  private constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Starts listening (one dedicated connection of `sql`); resolves once LISTEN is in place. */
  static async start(sql: Sql, options: { heartbeatMs?: number } = {}): Promise<PgChangeBus> {
    const bus = new PgChangeBus(sql);
    const meta = await sql.listen(CHANGE_CHANNEL, (payload) => bus.received(payload), () => bus.listening());
    bus.unlisten = meta.unlisten;
    bus.heartbeat = setInterval(() => bus.beat(), options.heartbeatMs ?? CHANGE_BUS_HEARTBEAT_MS);
    bus.heartbeat.unref();
    return bus;
  }

  publish(change: MailboxChange): void {
    this.local.publish(change);
    if (this.closed) return;
    this.queued.push(change);
    if (this.scheduled) return;
    this.scheduled = true;
    // Changes published by one commit (and any others this turn) share a NOTIFY.
    setImmediate(() => {
      this.scheduled = false;
      const changes = [...this.takeUnsent(), ...this.queued];
      this.queued = [];
      this.sendChanges(changes);
    });
  }

  private sendChanges(changes: readonly MailboxChange[]): void {
    const lines = changes.map(encodeChange);
    let at = 0;
    for (const payload of payloads(this.node, lines)) {
      const count = payload.split('\n').length - 1;
      const carried = changes.slice(at, at + count);
      at += count;
      this.sending = this.sending.then(() => this.send(payload, carried));
    }
  }

  private takeUnsent(): MailboxChange[] {
    const out = [...this.unsent.values()];
    this.unsent.clear();
    return out;
  }

  private keepUnsent(changes: readonly MailboxChange[]): void {
    for (const c of changes) {
      const key = `${c.accountId} ${c.mailboxId}`;
      const had = this.unsent.get(key);
      this.unsent.delete(key);
      if (this.unsent.size >= CHANGE_BUS_UNSENT_MAILBOXES) this.unsent.delete(this.unsent.keys().next().value!);
      // As the resync after a lost LISTEN: without UIDs a change makes a session read everything
      // from its MODSEQ on, so the entry keeps the lowest MODSEQ of what it stands for.
      this.unsent.set(key, { accountId: c.accountId, mailboxId: c.mailboxId, kind: 'flags', uids: [], modseq: Math.min(c.modseq, had?.modseq ?? c.modseq), uidsOmitted: true });
    }
  }

  subscribe(accountId: number, listener: ChangeListener): () => void {
    return this.local.subscribe(accountId, listener);
  }

  /** Sends what is queued, stops listening. The pool itself is closed by the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.closed = true;
    await this.sending;
    await this.unlisten?.().catch(() => {});
  }

  private async send(payload: string, carried: readonly MailboxChange[] = []): Promise<void> {
    try {
      await this.sql.notify(CHANGE_CHANNEL, payload);
    } catch {
      // The change is committed and this node's listeners have it; the other nodes get its
      // mailboxes again later (a notification is a hint, not the record).
      this.failedSends++;
      this.keepUnsent(carried);
    }
  }

  private received(payload: string): void {
    const lines = payload.split('\n');
    if (lines[0] === this.node) {
      if (lines[1] === 'ping') this.pongs++;
      return;
    }
    for (const line of lines.slice(1)) {
      const change = decodeChange(line);
      if (change) this.local.publish(change);
    }
  }

  // A ping to this node itself; the previous one not back means nobody is listening any more.
  private beat(): void {
    if (this.closed) return;
    if (this.pinged > this.pongs && !this.relistening) void this.relisten();
    this.pinged++;
    this.sending = this.sending.then(() => this.send(`${this.node}\nping`));
    if (this.unsent.size > 0 && !this.scheduled) this.sendChanges(this.takeUnsent());
  }

  private async relisten(): Promise<void> {
    this.relistening = true;
    try {
      await this.unlisten?.().catch(() => {});
      const meta = await this.sql.listen(CHANGE_CHANNEL, (payload) => this.received(payload), () => this.listening());
      this.unlisten = meta.unlisten;
      this.pongs = this.pinged;
    } catch {
      // The database is still away: the next beat tries again.
    } finally {
      this.relistening = false;
    }
  }

  // Called after each LISTEN, the first and every one after a lost connection came back.
  private listening(): void {
    if (this.listens++ === 0 || this.closed) return;
    this.resync().catch(() => {});
  }

  /** After a gap in listening: every listened-to mailbox may have missed changes. */
  private async resync(): Promise<void> {
    const accounts = this.local.accounts();
    if (accounts.length === 0) return;
    const boxes = await this.sql<{ id: number; accountId: number; modseq: number }[]>`
      SELECT id, account_id AS "accountId", highest_modseq AS modseq FROM mailboxes WHERE account_id = ANY(${this.sql.array(accounts)}::bigint[])`;
    for (const b of boxes) this.local.publish({ accountId: b.accountId, mailboxId: b.id, kind: 'flags', uids: [], modseq: b.modseq, uidsOmitted: true });
  }
}
