// Conversion of body bytes in a declared charset to a JS string. Never
// throws: an unknown charset is read as UTF-8 when the bytes are valid UTF-8,
// else as Latin-1, so no byte is lost to the search index.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import libmime from 'libmime';

export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    const name = libmime.normalizeCharset(charset ?? 'us-ascii');
    const lower = name.toLowerCase();
    if (lower === 'utf-8' || lower === 'us-ascii' || lower === 'ascii') {
      return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
    }
    if (iconv.encodingExists(name)) return iconv.decode(bytes, name);
  } catch {
    // fall through to the best-effort reading below
  }
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}
