// The maildrop a POP3 session works on: the INBOX as it was at login, numbered from 1, with the
// messages marked by DELE. No I/O: the session loads the snapshot and applies the marks at QUIT.
// Always true: message numbers never change during a session (RFC 1939 §5: "message numbers...
// do not change"), a marked message is invisible to STAT/LIST/UIDL/RETR/TOP, and RSET clears marks.

export interface MaildropMessage {
  /** IMAP UID in the INBOX; what QUIT expunges. */
  uid: number;
  /** Octets RETR sends once unstuffed (pop3Octets), as LIST reports them. */
  octets: number;
  /** The UIDL unique-id (uidlFor). */
  uniqueId: string;
}

export type Lookup = { ok: true; message: MaildropMessage } | { ok: false; reason: string };

export class Maildrop {
  readonly #messages: readonly MaildropMessage[];
  readonly #deleted = new Set<number>();

  constructor(messages: readonly MaildropMessage[]) {
    this.#messages = messages;
  }

  /** RFC 1939 §5 STAT: count and total octets of the messages not marked deleted. */
  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    this.#messages.forEach((m, i) => {
      if (!this.#deleted.has(i + 1)) {
        count++;
        octets += m.octets;
      }
    });
    return { count, octets };
  }

  /** The message numbered n, unless it is out of range or marked deleted. */
  get(n: number): Lookup {
    const message = this.#messages[n - 1];
    if (message === undefined || n < 1) return { ok: false, reason: 'No such message' };
    if (this.#deleted.has(n)) return { ok: false, reason: 'Message already deleted' };
    return { ok: true, message };
  }

  /** Every message not marked deleted, with its number, in order. */
  listing(): { n: number; message: MaildropMessage }[] {
    const out: { n: number; message: MaildropMessage }[] = [];
    this.#messages.forEach((message, i) => {
      if (!this.#deleted.has(i + 1)) out.push({ n: i + 1, message });
    });
    return out;
  }

  /** RFC 1939 §5 DELE: marks n; the caller has checked it with get(). */
  mark(n: number): void {
    this.#deleted.add(n);
  }

  /** RFC 1939 §5 RSET: unmarks everything. */
  reset(): void {
    this.#deleted.clear();
  }

  /** The UIDs to expunge in the UPDATE state, in message-number order. */
  markedUids(): number[] {
    return [...this.#deleted].sort((a, b) => a - b).map((n) => this.#messages[n - 1]!.uid);
  }
}
