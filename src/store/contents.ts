// Stored message contents as both engines describe them: what delivery indexes once (the MIME
// tree, ENVELOPE, BODYSTRUCTURE, search text) and what a reader learns of a content. Always true:
// the index is computed at delivery, never by a reader.

export interface ContentIndex {
  mimeTree: string; envelope: string; bodyStructure: string; body: string;
  headerText: string; searchText: string; sentDate: number | null; sentDay: number | null; addressText: string;
  sortKeys: string;
  /** RETR's octet count (pop3_octets), when delivery computed it; else POP3 computes it at first login. */
  pop3Octets?: number;
}

export interface ContentInfo { id: number; blobId: number; prefix: Buffer; size: number; mimeTree: string }
