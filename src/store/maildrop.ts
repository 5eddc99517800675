// The POP3 maildrop as both engines hand it over: the INBOX at login, in UID order (RFC 1939 §5).

export interface Pop3Snapshot {
  mailboxId: number;
  uidValidity: number;
  messages: Pop3SnapshotMessage[];
}

export interface Pop3SnapshotMessage {
  uid: number;
  contentId: number;
  /** RETR's octet count if already known (pop3_octets), else null: the caller computes and records it. */
  octets: number | null;
}
