// Builds POP3 status lines and multi-line responses as the bytes the session writes.
// Always true: every status line is one line ending in CRLF, starting "+OK" or "-ERR", with a
// RESP-CODE (RFC 2449 §8) in brackets when one applies; multi-line bodies built here are
// byte-stuffed and end with the "." terminator line (RFC 1939 §3).

/** RFC 2449 §8 and RFC 3206: the response codes Postern sends. */
export type RespCode = 'AUTH' | 'IN-USE' | 'SYS/TEMP' | 'SYS/PERM' | 'LOGIN-DELAY';

export function ok(text: string): string {
  return text === '' ? '+OK\r\n' : `+OK ${clean(text)}\r\n`;
}

export function err(text: string, code?: RespCode): string {
  return code === undefined ? `-ERR ${clean(text)}\r\n` : `-ERR [${code}] ${clean(text)}\r\n`;
}

/** A "+OK" line followed by short lines (CAPA, LIST, UIDL), stuffed and terminated. */
export function multiline(status: string, lines: readonly string[]): string {
  let out = ok(status);
  for (const line of lines) out += (line.startsWith('.') ? '.' : '') + clean(line) + '\r\n';
  return out + '.\r\n';
}

/** RFC 5034 §4: a server challenge is "+ " followed by base64 (empty for PLAIN). */
export function continuation(base64: string): string {
  return `+ ${base64}\r\n`;
}

// A reply text must never carry a line break: it would let one reply pose as two.
function clean(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
