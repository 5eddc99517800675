// One session's view of its selected mailbox (RFC 3501 §2.3.1.2): UIDs in message-sequence order,
// the \Recent messages this session owns, and changes made by others that are not yet reported.
// Always true: uids is strictly ascending and changes only when the session reports it (EXISTS after
// new UIDs are appended, EXPUNGE/VANISHED as UIDs are removed), so sequence numbers the client
// knows stay valid between reports; a UID is in the view only if the client was (or is being) told;
// what is still to be reported is private to the view and leaves it only through takeChanges() and
// takeFlagChanges(), which the session calls in the order it writes their answers.
import type { MailboxChange } from '../../store/change-bus.ts';
import type { ImapMailboxes, ImapMessages } from '../../store/api.ts';
import type { Ranges } from '../protocol/sequence-set.ts';
import { SYSTEM_FLAGS_TEXT } from './flag-text.ts';
import { SearchContexts } from './search-contexts.ts';

/** The untagged FLAGS and PERMANENTFLAGS of a mailbox with these keywords (RFC 3501 §7.2.6, §7.1). */
export function flagsLines(keywords: Iterable<string>, readOnly: boolean): string {
  const flags = [SYSTEM_FLAGS_TEXT, ...keywords].join(' ');
  return `* FLAGS (${flags})\r\n` + (readOnly ? '* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n' : `* OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted\r\n`);
}

/** What the view reads to bring itself up to date (ImapServices is one). */
export interface ChangeSource {
  readonly mailboxes: Pick<ImapMailboxes, 'byId'>;
  readonly messages: Pick<ImapMessages, 'vanishedSince' | 'changedSince' | 'flagsIn'>;
  freshUids(mailboxId: number, after: number): Promise<number[]>;
  claimRecent(mailboxId: number, upTo: number): Promise<number>;
}

/** What one report says, before its flag changes (takeFlagChanges). */
export type ChangeReport =
  /** The mailbox no longer exists: the session ends, nothing else is said. */
  | { deleted: true }
  | {
      deleted: false;
      /** Removed from the view (EXPUNGE or VANISHED): UIDs ascending, their sequence numbers highest first. */
      expunged: { uids: number[]; seqs: number[] };
      /** UIDs appended to the view (EXISTS and RECENT are due); empty when none arrived. */
      fresh: number[];
    };

type FlagRow = Awaited<ReturnType<ImapMessages['flagsIn']>>[number];

export class SelectedMailbox {
  readonly id: number;
  readonly name: string;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  /** Message sequence number n is uids[n - 1]. */
  uids: number[];
  /** UIDs that are \Recent in this session (RFC 3501 §2.3.2: only one session sees a message as recent). */
  readonly recent = new Set<number>();
  highestModseq: number;
  /** Last UID the store had when we looked (new mail is what lies above it). */
  lastKnownUid: number;
  /** Keywords the client has been told of in FLAGS, by lower-cased name (see keywordAnnouncement). */
  readonly keywords = new Map<string, string>();
  /** For a read-only view: the UIDs above this are shown as \Recent without being claimed. */
  readonly recentFloor: number;
  /** Result of SEARCH ... RETURN (SAVE) (RFC 5182), as UIDs. */
  saved: number[] = [];
  /** SEARCH/SORT results kept up to date for RETURN (UPDATE) (RFC 5267 §4.3). */
  readonly contexts = new SearchContexts();

  private events: MailboxChange[] = [];
  private readonly own = new Set<string>();
  private readonly pendingExpunged = new Set<number>();
  private readonly pendingFlags = new Set<number>();
  private newMail = false;
  private gone = false;
  /** Set by a change that came without its UIDs (another node, too many to send): what changed after
   *  this MODSEQ is read from the store (expunges, flags), with new mail and the mailbox's existence. */
  private resyncSince: number | null = null;

  constructor(id: number, name: string, readOnly: boolean, uidValidity: number, uids: number[], highestModseq: number, recentFloor = 0) {
    this.recentFloor = recentFloor;
    this.id = id;
    this.name = name;
    this.readOnly = readOnly;
    this.uidValidity = uidValidity;
    this.uids = uids;
    this.highestModseq = highestModseq;
    this.lastKnownUid = uids.length > 0 ? uids[uids.length - 1]! : 0;
  }

  get exists(): number {
    return this.uids.length;
  }

  /** Sequence number of a UID in this view, or 0. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.uids[mid]!;
      if (u < uid) lo = mid + 1;
      else if (u > uid) hi = mid - 1;
      else return mid + 1;
    }
    return 0;
  }

  /** Index of the first UID ≥ uid. */
  lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index ranges [from, to] (0-based, inclusive) of the view's UIDs within UID ranges. */
  indexRangesOfUids(ranges: Ranges): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const [a, b] of ranges) {
      const from = this.lowerBound(a);
      const to = this.lowerBound(b + 1) - 1;
      if (from <= to) out.push([from, to]);
    }
    return out;
  }

  /** UIDs of the view within UID ranges. */
  uidsIn(ranges: Ranges): number[] {
    const out: number[] = [];
    for (const [from, to] of this.indexRangesOfUids(ranges)) for (let i = from; i <= to; i++) out.push(this.uids[i]!);
    return out;
  }

  /** Records a committed change to this mailbox made by anyone (reported at the next allowed point). */
  record(change: MailboxChange): void {
    this.events.push(change);
  }

  /** Marks a change as this session's own (already answered by the command that made it). */
  markOwn(kind: MailboxChange['kind'], modseq: number): void {
    this.own.add(`${kind}:${modseq}`);
  }

  /** Whether anything may need reporting (recorded events or changes held back earlier). */
  private get hasPending(): boolean {
    return this.events.length > 0 || this.pendingExpunged.size > 0 || this.pendingFlags.size > 0 || this.newMail || this.gone || this.resyncSince !== null;
  }

  /** Folds recorded events into pending sets, dropping this session's own changes. */
  private absorbEvents(): void {
    for (const e of this.events) {
      // Contexts follow every change, this session's own too (RFC 5267 §4.3: the result changed).
      if (e.kind === 'flags' || e.kind === 'append') this.contexts.touch(e.uids);
      if (this.own.has(`${e.kind}:${e.modseq}`)) continue;
      if (e.uidsOmitted) {
        // Changes before this view's MODSEQ are known; anything from there on is read again.
        const since = Math.min(e.modseq - 1, this.highestModseq);
        this.resyncSince = this.resyncSince === null ? since : Math.min(this.resyncSince, since);
        this.newMail = true;
        this.gone = true;
        if (e.modseq > this.highestModseq) this.highestModseq = e.modseq;
        continue;
      }
      if (e.kind === 'expunge') for (const u of e.uids) this.pendingExpunged.add(u);
      else if (e.kind === 'flags') for (const u of e.uids) this.pendingFlags.add(u);
      else if (e.kind === 'append') this.newMail = true;
      else this.gone = true; // 'mailboxes': the session checks whether its mailbox still exists
      if (e.modseq > this.highestModseq) this.highestModseq = e.modseq;
    }
    this.events = [];
    this.own.clear();
  }

  /** Removes UIDs from the view; returns the removed UIDs (ascending) and their sequence numbers
   *  highest first (each is valid when sent in that order, RFC 3501 §7.4.1). */
  remove(uids: Iterable<number>): { uids: number[]; seqs: number[] } {
    const gone = new Set<number>();
    for (const u of uids) if (this.seqOf(u) > 0) gone.add(u);
    if (gone.size === 0) return { uids: [], seqs: [] };
    const seqs: number[] = [];
    const removed: number[] = [];
    const kept: number[] = [];
    this.uids.forEach((u, i) => {
      if (gone.has(u)) {
        seqs.push(i + 1);
        removed.push(u);
      } else {
        kept.push(u);
      }
    });
    this.uids = kept;
    for (const u of gone) this.recent.delete(u);
    this.saved = this.saved.filter((u) => !gone.has(u));
    return { uids: removed, seqs: seqs.reverse() };
  }

  /** RFC 3501 §7.2.6: a client learns the mailbox's flags from FLAGS, so before a FETCH shows a
   *  keyword it has not been told of, FLAGS and PERMANENTFLAGS are sent again. Returns those lines
   *  (empty when every keyword in `keywords`, a stored space-separated list, is known already). */
  keywordAnnouncement(keywords: string): string {
    if (keywords === '') return '';
    let fresh = false;
    for (const k of keywords.split(' ')) {
      const lower = k.toLowerCase();
      if (!this.keywords.has(lower)) {
        this.keywords.set(lower, k);
        fresh = true;
      }
    }
    return fresh ? flagsLines(this.keywords.values(), this.readOnly) : '';
  }

  /** Appends new UIDs (ascending, above every UID in the view). */
  append(uids: readonly number[]): void {
    for (const u of uids) {
      if (this.uids.length === 0 || u > this.uids[this.uids.length - 1]!) this.uids.push(u);
    }
    if (uids.length > 0) this.lastKnownUid = Math.max(this.lastKnownUid, uids[uids.length - 1]!);
  }

  /** Brings the view up to date with what others changed, up to its flag changes: expunges are
   *  taken out of the view only when `expungeAllowed` (else they wait, RFC 3501 §7.4.1), new mail is
   *  appended (this session claims its \Recent unless the view is read-only, RFC 3501 §2.3.2).
   *  Null when nothing is pending. */
  async takeChanges(source: ChangeSource, expungeAllowed: boolean): Promise<ChangeReport | null> {
    if (!this.hasPending) return null;
    this.absorbEvents();
    if (this.gone && !(await source.mailboxes.byId(this.id))) return { deleted: true };
    this.gone = false;
    if (this.resyncSince !== null) {
      // A change from another node without its UIDs: the store says what was expunged or changed.
      const since = this.resyncSince;
      this.resyncSince = null;
      for (const u of await source.messages.vanishedSince(this.id, since, null)) if (this.seqOf(u) > 0) this.pendingExpunged.add(u);
      const changed = (await source.messages.changedSince(this.id, since)).map((r) => r.uid).filter((u) => this.seqOf(u) > 0);
      for (const u of changed) this.pendingFlags.add(u);
      this.contexts.touch(changed);
    }
    let expunged: { uids: number[]; seqs: number[] } = { uids: [], seqs: [] };
    if (expungeAllowed && this.pendingExpunged.size > 0) {
      const uids = [...this.pendingExpunged].sort((a, b) => a - b);
      this.pendingExpunged.clear();
      expunged = this.remove(uids);
    }
    let fresh: number[] = [];
    if (this.newMail) {
      this.newMail = false;
      fresh = await source.freshUids(this.id, this.lastKnownUid);
      if (fresh.length > 0) {
        const floor = this.readOnly ? this.recentFloor : await source.claimRecent(this.id, fresh[fresh.length - 1]!);
        for (const u of fresh) if (u > floor) this.recent.add(u);
        this.append(fresh);
        // New mail announced without its UIDs reaches SEARCH/SORT contexts here (RFC 5267 §4.3).
        this.contexts.touch(fresh);
      }
    }
    return { deleted: false, expunged, fresh };
  }

  /** The current flags of messages others changed that are still in the view (a message whose
   *  expunge is held back is not reported), each with its sequence number, in UID order. */
  async takeFlagChanges(source: ChangeSource): Promise<Array<FlagRow & { seq: number }>> {
    if (this.pendingFlags.size === 0) return [];
    const uids = [...this.pendingFlags].filter((u) => !this.pendingExpunged.has(u)).sort((a, b) => a - b);
    this.pendingFlags.clear();
    // UIDs next to each other in the view are read as one range (one indexed range read instead of
    // one lookup each); a range holds no other rows the view knows, and those it does not are skipped.
    const wanted = new Set(uids);
    const ranges: [number, number][] = [];
    for (const u of uids) {
      const last = ranges[ranges.length - 1];
      const after = last ? this.seqOf(last[1]) : 0;
      if (after > 0 && this.uids[after] === u) last![1] = u;
      else ranges.push([u, u]);
    }
    const rows = await source.messages.flagsIn(this.id, ranges);
    const out: Array<FlagRow & { seq: number }> = [];
    for (const r of rows) {
      if (!wanted.has(r.uid)) continue;
      const seq = this.seqOf(r.uid);
      if (seq > 0) out.push({ ...r, seq });
    }
    return out;
  }
}
