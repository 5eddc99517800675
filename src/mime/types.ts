// The shapes the MIME module produces: a part tree with byte offsets into the
// raw message, and everything IMAP needs precomputed at delivery.
// Invariant: for every part 0 <= headerStart <= bodyStart <= end <= message size.

export interface MimePart {
  /** byte offset of this part's header in the full message */
  headerStart: number;
  /** offset of the body: after the blank line ending the header; == headerStart when there is no header */
  bodyStart: number;
  /** one past the last body byte; excludes the CRLF that belongs to the next boundary line */
  end: number;
  /** RFC 3501 body-fld-lines: lines in the body, a final unterminated line counting as one */
  lines: number;
  /** lowercased media type */
  type: string;
  /** lowercased media subtype */
  subtype: string;
  /** Content-Type parameters, RFC 2231 decoded, names lowercased */
  params: [string, string][];
  id: string | null;
  description: string | null;
  encoding: string | null;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
  /** parts of a multipart, in order; empty for every other type */
  children: MimePart[];
  /** root part of the encapsulated message of message/rfc822 or message/global */
  message: MimePart | null;
}

export interface IndexedMessage {
  size: number;
  tree: MimePart;
  /** IMAP ENVELOPE on the wire; UTF-8, literal counts are UTF-8 byte counts */
  envelope: string;
  /** IMAP BODYSTRUCTURE (with extension data) on the wire */
  bodyStructure: string;
  /** IMAP BODY (non-extensible form) on the wire */
  body: string;
  /** top-level fields unfolded and RFC 2047 decoded, "name: value\n" each, names lowercased */
  headerText: string;
  /** decoded text of text/* parts, HTML stripped, capped at SEARCH_TEXT_MAX_CHARS */
  searchText: string;
  sentDate: number | null;
  /** the Date: field's calendar day as written, days since 1970-01-01 (SENTON and friends) */
  sentDay: number | null;
  /** From/To/Cc/Bcc parsed and normalized, "name: addresses\n" each (src/mime/address-text.ts) */
  addressText: string;
  /** SORT and THREAD keys as JSON (src/mime/sort-keys.ts) */
  sortKeys: string;
  subject: string;
  from: string;
  to: string;
  cc: string;
  messageId: string | null;
}

export type SectionKind = 'ALL' | 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';
