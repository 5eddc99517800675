// Decoding of IMAP modified UTF-7 (RFC 3501 §5.1.3), the encoding Dovecot uses for Maildir++
// folder names on disk. What must always be true: "&-" is "&", a "&...-" run is modified base64
// ("," for "/") of UTF-16BE, and anything malformed is returned unchanged rather than guessed at.

export function decodeModifiedUtf7(name: string): string {
  return name.replace(/&([^-]*)-/g, (whole, b64: string) => {
    if (b64 === '') return '&';
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) return whole;
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0) return whole;
    return bytes.swap16().toString('utf16le');
  });
}
