// DKIM signing of outbound mail (RFC 6376, RFC 8463): one signature per key the sender's domain
// has (RSA-2048 and Ed25519), relaxed/relaxed, over the header fields that carry the message's
// meaning. Always true: the input is CRLF-normalized already (submission refuses bare CR/LF), the
// returned header block is CRLF-terminated and goes in front of the unchanged message bytes, and
// a domain without keys gets "" (unsigned).
//
// Written here rather than with mailauth's dkimSign because that signer lists only fields that are
// present, once each; we need From oversigned and absent fields signed as empty (RFC 6376 §8.15).
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { splitMessage } from './header-fields.ts';

export interface DkimKey {
  selector: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  privateKeyPem: string;
}

// RFC 6376 §5.4.1: the fields a recipient reads as the message. Each name is listed once more
// than the message has instances of it, so a field added in transit (a second From, a Cc that was
// not there) breaks the signature instead of being displayed as signed (§8.15).
export const SIGNED_HEADER_FIELDS = [
  'From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'MIME-Version',
  'Content-Type', 'Content-Transfer-Encoding', 'Reply-To', 'In-Reply-To', 'References',
];

const keyCache = new Map<string, KeyObject>();

function privateKey(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    keyCache.set(pem, key);
  }
  return key;
}

// RFC 6376 §3.4.2: lowercase name, unfold, collapse WSP runs, trim around the value.
function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw.slice(colon + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim();
  return `${name}:${value}`;
}

// RFC 6376 §3.4.4: collapse WSP runs, drop trailing WSP on each line and trailing empty lines.
export function relaxedBodyHash(body: Buffer): string {
  const lines = body.toString('latin1').split('\r\n');
  const out = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  const text = out.length === 0 ? '' : out.join('\r\n') + '\r\n';
  return createHash('sha256').update(text, 'latin1').digest('base64');
}

// Folds the tags to lines under 78 octets (RFC 5322 §2.1.1). The folded text is what gets signed,
// so folding inside h= (after a colon) is safe: verifiers canonicalize the header as it appears.
function foldTags(tags: string[]): string {
  let text = 'DKIM-Signature:';
  let lineLength = text.length;
  for (const tag of tags) {
    const pieces = tag.startsWith('h=') ? tag.split(/(?<=:)/) : [tag];
    for (const [i, piece] of pieces.entries()) {
      const sep = i === 0 ? ' ' : '';
      if (lineLength + sep.length + piece.length > 76) { text += '\r\n ' + piece; lineLength = 1 + piece.length; }
      else { text += sep + piece; lineLength += sep.length + piece.length; }
    }
  }
  return text;
}

function foldSignature(b: string): string {
  const chunks = b.match(/.{1,72}/g) ?? [];
  return chunks.map((c) => '\r\n ' + c).join('');
}

/** The DKIM-Signature header lines for `message`, one per key, CRLF-terminated. */
export function signMessage(message: Buffer, domain: string, keys: DkimKey[], now: number): string {
  if (keys.length === 0) return '';
  const { fields, body } = splitMessage(message);
  const bh = relaxedBodyHash(body);

  // RFC 6376 §5.4.2: instances are signed bottom-up; one extra name per field signs "absent".
  const signedNames: string[] = [];
  const signedLines: string[] = [];
  for (const name of SIGNED_HEADER_FIELDS) {
    const lower = name.toLowerCase();
    const present = fields.filter((f) => f.name === lower).reverse();
    for (const f of present) { signedNames.push(name); signedLines.push(relaxedHeader(f.raw)); }
    signedNames.push(name);
  }
  const canonicalHeaders = signedLines.map((l) => l + '\r\n').join('');
  const t = Math.floor(now / 1000);

  let out = '';
  for (const key of keys) {
    const unsigned = foldTags(['v=1;', `a=${key.algorithm};`, 'c=relaxed/relaxed;', `d=${domain};`, `s=${key.selector};`,
      `t=${t};`, `h=${signedNames.join(':')};`, `bh=${bh};`, 'b=']);
    const data = Buffer.from(canonicalHeaders + relaxedHeader(unsigned), 'latin1');
    // RFC 8463 §3: Ed25519 signs the SHA-256 digest of the canonical header data; RSA signs the data.
    const b = key.algorithm === 'ed25519-sha256'
      ? sign(null, createHash('sha256').update(data).digest(), privateKey(key.privateKeyPem)).toString('base64')
      : sign('sha256', data, privateKey(key.privateKeyPem)).toString('base64');
    out += unsigned + foldSignature(b) + '\r\n';
  }
  return out;
}
