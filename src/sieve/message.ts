// What Sieve tests read from a message: header fields in order with their values unfolded and
// RFC 2047-decoded (RFC 5228 §2.7.2), addresses parsed from them, and body parts transfer- and
// charset-decoded for the body test (RFC 5173). Always true: the message is parsed lazily and at
// most once per run, and no value handed to a test is longer than SIEVE_MAX_TEST_TEXT.
import { SIEVE_MAX_TEST_TEXT } from '../limits.ts';
import { parseTree } from '../mime/tree.ts';
import { readHeaderBlock, fieldValue, type HeaderField } from '../mime/header-block.ts';
import { decodeEncodedWords } from '../mime/encoded-words.ts';
import { parseAddressList } from '../mime/address-list.ts';
import { decodeTransfer } from '../mime/transfer-encoding.ts';
import { decodeCharset } from '../mime/charset.ts';
import { htmlToText } from '../mime/search-text.ts';
import type { MimePart } from '../mime/types.ts';

export interface BodyPart { type: string; subtype: string; text: string }

const cut = (s: string) => s.length > SIEVE_MAX_TEST_TEXT ? s.slice(0, SIEVE_MAX_TEST_TEXT) : s;

export class SieveMessage {
  readonly raw: Buffer;
  private fieldsCache: HeaderField[] | null = null;
  private treeCache: MimePart | null = null;
  private partsCache: BodyPart[] | null = null;

  constructor(raw: Buffer) {
    this.raw = raw;
  }

  get size(): number {
    return this.raw.length;
  }

  private fields(): HeaderField[] {
    this.fieldsCache ??= readHeaderBlock(this.raw, 0, this.raw.length).fields;
    return this.fieldsCache;
  }

  /** The decoded values of every field named `name` (case-insensitive), in order. */
  header(name: string): string[] {
    const lower = name.toLowerCase();
    return this.fields().filter((f) => f.name === lower).map((f) => cut(decodeEncodedWords(fieldValue(this.raw, f))));
  }

  /** The undecoded (but unfolded) values, for address parsing, where encoded words are display names only. */
  rawHeader(name: string): string[] {
    const lower = name.toLowerCase();
    return this.fields().filter((f) => f.name === lower).map((f) => cut(fieldValue(this.raw, f)));
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.fields().some((f) => f.name === lower);
  }

  /** The mailboxes of one header field value as local-part@domain (groups flattened). */
  static addressesIn(value: string): { local: string; domain: string }[] {
    return parseAddressList(value).filter((a) => a.mailbox !== null && a.host !== null).map((a) => ({ local: a.mailbox!, domain: a.host! }));
  }

  private tree(): MimePart {
    if (!this.treeCache) {
      try {
        this.treeCache = parseTree(this.raw);
      } catch {
        this.treeCache = { headerStart: 0, bodyStart: 0, end: this.raw.length, lines: 0, type: 'text', subtype: 'plain', params: [], id: null, description: null, encoding: null, md5: null, disposition: null, language: null, location: null, children: [], message: null };
      }
    }
    return this.treeCache;
  }

  /** RFC 5173 §5.1 :raw: the body undecoded. */
  rawBody(): string {
    const start = readHeaderBlock(this.raw, 0, this.raw.length).bodyStart;
    return cut(this.raw.subarray(start).toString('latin1'));
  }

  /** Leaf parts, decoded: the input of :content and :text (RFC 5173 §5.2-5.3). */
  parts(): BodyPart[] {
    if (this.partsCache) return this.partsCache;
    const out: BodyPart[] = [];
    const walk = (part: MimePart) => {
      if (part.message) { walk(part.message); return; }
      if (part.children.length > 0) { for (const c of part.children) walk(c); return; }
      const limit = Math.min(part.end, part.bodyStart + SIEVE_MAX_TEST_TEXT * 4);
      let text = '';
      try {
        const bytes = decodeTransfer(this.raw.subarray(part.bodyStart, limit), part.encoding);
        text = part.type === 'text' ? decodeCharset(bytes, part.params.find(([k]) => k === 'charset')?.[1]) : bytes.toString('latin1');
      } catch {
        text = '';
      }
      out.push({ type: part.type, subtype: part.subtype, text: cut(text) });
    };
    walk(this.tree());
    this.partsCache = out;
    return out;
  }

  /** RFC 5173 §5.3 :text: the text parts; HTML reduced to its text. */
  textParts(): string[] {
    return this.parts().filter((p) => p.type === 'text').map((p) => p.subtype === 'html' ? htmlToText(p.text) : p.text);
  }
}
