// Messages as IMAP reads and changes them, for both engines: FETCH rows, flag rows, STORE and COPY
// results, UID ranges. Always true: UID ranges are inclusive pairs, ascending.

export interface CopyResult {
  uidValidity: number;
  sourceUids: number[];
  destinationUids: number[];
}

export interface FetchWants {
  envelope?: boolean;
  bodyStructure?: boolean;
  body?: boolean;
  mimeTree?: boolean;
  /** The bytes: prefix and first chunk come with the row; larger messages are read by range. */
  content?: boolean;
  /** RFC 8514 save date and RFC 8474 EMAILID (message columns, no join). */
  saveDate?: boolean;
  emailId?: boolean;
}

export interface FlagRow {
  uid: number;
  flags: number;
  keywords: string;
  modseq: number;
}

export interface MessageRow {
  uid: number;
  modseq: number;
  flags: number;
  keywords: string;
  internalDate: number;
  size: number;
  contentId: number;
  envelope?: string;
  bodyStructure?: string;
  body?: string;
  mimeTree?: string;
  /** The whole message (prefix + raw) when it fits one chunk and content was wanted. */
  bytes?: Buffer | null;
  /** RFC 8514: when the message was saved into this mailbox (ms since epoch), when wanted. */
  saveDate?: number;
  /** RFC 8474 §5.1 EMAILID, when wanted. */
  emailId?: string;
}

export interface StoreFlagsResult {
  /** Every message in the set after the update, in UID order (RFC 3501 §6.4.6 answers them all). */
  rows: (FlagRow & { changed: boolean })[];
  /** RFC 7162 §3.1.3: UIDs that failed UNCHANGEDSINCE. */
  modified: number[];
  /** The MODSEQs this change used (one per page that changed something), ascending. */
  modseqs: number[];
}

/** Inclusive UID ranges, ascending and disjoint. */
export type UidRanges = ReadonlyArray<readonly [number, number]>;
