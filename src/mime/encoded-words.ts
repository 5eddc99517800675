// RFC 2047 encoded-word decoding for search and display values. Never throws:
// a value that cannot be decoded is returned as it is.
import libmime from 'libmime';

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
